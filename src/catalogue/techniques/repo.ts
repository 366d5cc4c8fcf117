import { readFileSync } from 'node:fs';
import type { Db } from '../../db/connect.ts';
import { syncTechniqueFamilies } from '../../search/panosc/technique-families.ts';

interface PanetFile {
  terms: { id: string; label: string }[];
}

/** PaNET terms shipped in data/panet (CC-BY-4.0, attribution in its README). */
export function panetTerms(): { id: string; name: string }[] {
  const file = JSON.parse(
    readFileSync(new URL('../../../data/panet/panet-terms.json', import.meta.url), 'utf8'),
  ) as PanetFile;
  return file.terms.map((t) => ({ id: t.id, name: t.label }));
}

/**
 * Makes the technique table match the shipped PaNET terms, and the stored closure of the hierarchy
 * (with the family counts built on it) match the shipped hierarchy; cheap when nothing changed.
 */
export async function syncTechniques(db: Db): Promise<void> {
  await syncTechniqueTerms(db);
  await syncTechniqueFamilies(db);
}

async function syncTechniqueTerms(db: Db): Promise<void> {
  const terms = panetTerms();
  const { n } = await db
    .selectFrom('technique')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  if (Number(n) >= terms.length) return;
  for (let i = 0; i < terms.length; i += 500) {
    await db
      .insertInto('technique')
      .values(terms.slice(i, i + 500))
      .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ name: eb.ref('excluded.name') })))
      .execute();
  }
}

export async function techniqueNames(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('technique').select(['id', 'name']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

export const withNames = (ids: string[], names: Map<string, string>) =>
  ids.map((id) => ({ id, name: names.get(id) ?? id }));

export function listTechniques(db: Db, q?: string) {
  let query = db.selectFrom('technique').select(['id', 'name']).orderBy('id');
  if (q) query = query.where('name', 'ilike', `%${q}%`);
  return query.execute();
}
