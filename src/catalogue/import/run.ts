import type { Db } from '../../db/connect.ts';
import { AppError } from '../../errors.ts';
import { ImportDocument } from './schema.ts';
import { validateDocument } from './validate.ts';
import { importSession } from './session.ts';
import { ensureDraftDois } from '../../policy/doi/drafts.ts';

export interface ImportOptions {
  doiPrefix: string;
  embargoYears: number;
  /** Time of the import (sessions ended by then get their draft DOI); defaults to the wall clock. */
  now?: Date;
}

export interface ImportSummary {
  facilities: number;
  instruments: number;
  users: number;
  proposals: number;
  sessions: number;
  datasets: number;
  files: number;
}

const refError = (pointer: string, message: string) =>
  new AppError('invalid_import', 422, `${message} at ${pointer}`, { pointer });

/**
 * Upserts a user-office export in one transaction: re-importing the same document changes nothing,
 * a changed one updates in place, and any error leaves the catalogue as it was.
 */
export async function importCatalogue(db: Db, input: unknown, opts: ImportOptions): Promise<ImportSummary> {
  const doc = validateDocument(ImportDocument, input, 'invalid_import');
  const summary: ImportSummary = {
    facilities: 0,
    instruments: 0,
    users: 0,
    proposals: 0,
    sessions: 0,
    datasets: 0,
    files: 0,
  };
  await db.transaction().execute(async (tx) => {
    if (doc.facility) {
      await tx
        .insertInto('facility')
        .values({ name: doc.facility.name, full_name: doc.facility.fullName ?? null })
        .onConflict((oc) => oc.column('name').doUpdateSet({ full_name: doc.facility!.fullName ?? null }))
        .execute();
      summary.facilities++;
    }
    for (const [i, ins] of (doc.instruments ?? []).entries()) {
      const facility = ins.facility ?? doc.facility?.name;
      if (!facility) throw refError(`/instruments/${i}/facility`, 'No facility given for instrument');
      const known = await tx
        .selectFrom('facility')
        .select('name')
        .where('name', '=', facility)
        .executeTakeFirst();
      if (!known) throw refError(`/instruments/${i}/facility`, `Unknown facility "${facility}"`);
      const values = { name: ins.name ?? ins.id, facility, techniques: ins.techniques ?? [] };
      await tx
        .insertInto('instrument')
        .values({ id: ins.id, ...values })
        .onConflict((oc) => oc.column('id').doUpdateSet(values))
        .execute();
      summary.instruments++;
    }
    for (const u of doc.users ?? []) {
      const values = {
        full_name: u.fullName ?? null,
        email: u.email ?? null,
        orcid: u.orcid ?? null,
        affiliation: u.affiliation ?? null,
      };
      await tx
        .insertInto('app_user')
        .values({ username: u.username, password_hash: null, facility_role: null, ...values })
        .onConflict((oc) => oc.column('username').doUpdateSet(values))
        .execute();
      summary.users++;
    }
    const userIds = new Map(
      (await tx.selectFrom('app_user').select(['id', 'username']).execute()).map((u) => [u.username, u.id]),
    );
    const userId = (username: string, pointer: string) => {
      const id = userIds.get(username);
      if (id === undefined) throw refError(pointer, `Unknown user "${username}"`);
      return id;
    };
    for (const [pi, p] of (doc.proposals ?? []).entries()) {
      const values = { title: p.title ?? '', summary: p.summary ?? '' };
      await tx
        .insertInto('proposal')
        .values({ id: p.id, ...values })
        .onConflict((oc) => oc.column('id').doUpdateSet(values))
        .execute();
      summary.proposals++;
      for (const [mi, m] of (p.members ?? []).entries()) {
        await tx
          .insertInto('proposal_member')
          .values({
            proposal_id: p.id,
            user_id: userId(m.username, `/proposals/${pi}/members/${mi}/username`),
            role: m.role,
          })
          .onConflict((oc) => oc.columns(['proposal_id', 'user_id']).doUpdateSet({ role: m.role }))
          .execute();
      }
      for (const [si, s] of (p.sessions ?? []).entries()) {
        const counts = await importSession(tx, p.id, s, `/proposals/${pi}/sessions/${si}`, {
          ...opts,
          userId,
          refError,
        });
        summary.sessions++;
        summary.datasets += counts.datasets;
        summary.files += counts.files;
      }
    }
    // A DOI per session, as a draft as soon as the session has ended (registered by the release job).
    await ensureDraftDois(tx, opts.now ?? new Date(), opts.doiPrefix, 'import');
  });
  return summary;
}
