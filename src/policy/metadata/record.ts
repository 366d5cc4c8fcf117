import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import { sessionIsPublic, sessionVisible } from '../../auth/policy.ts';
import type { Access } from '../../catalogue/access.ts';
import { visibleDatasets } from '../../catalogue/datasets/repo.ts';
import { membersOf, type Member } from '../../catalogue/sessions/members.ts';
import { techniqueNames, withNames } from '../../catalogue/techniques/repo.ts';

export interface RecordDataset {
  pid: string;
  name: string;
  title: string | null;
  size: number;
  fileCount: number;
}

/**
 * Everything the DOI metadata formats (DataCite, schema.org, citations, OAI-PMH) are made from.
 * `detailed` says whether the summary and datasets are in it: always for the registrar and for
 * public sessions; for an embargoed session only when the caller may see it — otherwise the record
 * holds just the public DOI metadata (title, instrument, dates, people).
 */
export interface SessionRecord {
  doi: string;
  sessionId: string;
  proposalId: string;
  title: string;
  summary: string;
  instrument: { id: string; name: string };
  facility: { name: string; fullName: string };
  start: Date;
  end: Date;
  releaseDate: Date;
  releasedAt: Date | null;
  /** When the session became (or becomes) public: early release or the release date. */
  availableAt: Date;
  isPublic: boolean;
  detailed: boolean;
  members: Member[];
  techniques: { id: string; name: string }[];
  datasets: RecordDataset[];
}

/** Who the record is for: a caller (the policy decides what is detailed) or the registrar (all). */
export type RecordAudience = Access | 'registrar';

const sessionQuery = (db: Db, now: Date) =>
  db
    .selectFrom('session')
    .innerJoin('proposal', 'proposal.id', 'session.proposal_id')
    .innerJoin('instrument', 'instrument.id', 'session.instrument_id')
    .innerJoin('facility', 'facility.name', 'instrument.facility')
    .select([
      'session.id',
      'session.doi',
      'session.proposal_id',
      'proposal.title',
      'proposal.summary',
      'instrument.id as instrument_id',
      'instrument.name as instrument_name',
      'instrument.techniques as instrument_techniques',
      'facility.name as facility_name',
      'facility.full_name as facility_full_name',
      'session.start_at',
      'session.end_at',
      'session.release_date',
      'session.released_at',
      sessionIsPublic(now).as('is_public'),
    ]);

type SessionRow = NonNullable<Awaited<ReturnType<ReturnType<typeof sessionQuery>['executeTakeFirst']>>>;

/** The record behind a DOI (matched case-insensitively, as DOIs are), or undefined. */
export async function recordForDoi(
  db: Db,
  doi: string,
  now: Date,
  audience: RecordAudience,
): Promise<SessionRecord | undefined> {
  const row = await sessionQuery(db, now)
    .where(sql`lower(session.doi)`, '=', doi.toLowerCase())
    .executeTakeFirst();
  return row ? (await buildRecords(db, [row], now, audience))[0] : undefined;
}

export async function recordForSession(
  db: Db,
  sessionId: string,
  now: Date,
  audience: RecordAudience,
): Promise<SessionRecord | undefined> {
  const row = await sessionQuery(db, now)
    .where('session.id', '=', sessionId)
    .where('session.doi', 'is not', null)
    .executeTakeFirst();
  return row ? (await buildRecords(db, [row], now, audience))[0] : undefined;
}

/** Records of many public sessions at once (OAI-PMH pages), in the order given. */
export async function publicRecords(db: Db, sessionIds: string[], now: Date): Promise<SessionRecord[]> {
  if (sessionIds.length === 0) return [];
  const rows = await sessionQuery(db, now)
    .where('session.id', 'in', sessionIds)
    .where(sessionIsPublic(now))
    .execute();
  const byId = new Map((await buildRecords(db, rows, now, 'registrar')).map((r) => [r.sessionId, r]));
  return sessionIds.flatMap((id) => byId.get(id) ?? []);
}

async function buildRecords(
  db: Db,
  rows: SessionRow[],
  now: Date,
  audience: RecordAudience,
): Promise<SessionRecord[]> {
  const ids = rows.map((r) => r.id);
  const detailedIds = new Set(audience === 'registrar' ? ids : await visibleIds(db, audience, ids));
  const members = await membersOf(db, ids);
  const datasetRows = detailedIds.size
    ? await (
        audience === 'registrar'
          ? db.selectFrom('dataset').innerJoin('session', 'session.id', 'dataset.session_id')
          : visibleDatasets(db, audience)
      )
        .select([
          'dataset.pid',
          'dataset.name',
          'dataset.title',
          'dataset.size',
          'dataset.file_count',
          'dataset.session_id',
          'dataset.techniques',
        ])
        .where('dataset.session_id', 'in', [...detailedIds])
        .orderBy('dataset.name')
        .execute()
    : [];
  const allTechniques = new Set([
    ...rows.flatMap((r) => r.instrument_techniques),
    ...datasetRows.flatMap((d) => d.techniques),
  ]);
  const names = await techniqueNames(db, [...allTechniques]);
  return rows.map((r) => {
    const detailed = detailedIds.has(r.id);
    const datasets = datasetRows.filter((d) => d.session_id === r.id);
    const techniqueIds = [
      ...new Set([...r.instrument_techniques, ...datasets.flatMap((d) => d.techniques)]),
    ].sort();
    const releasedEarly = r.released_at !== null && r.released_at < r.release_date;
    return {
      doi: r.doi!,
      sessionId: r.id,
      proposalId: r.proposal_id,
      title: r.title || r.proposal_id,
      summary: detailed ? r.summary : '',
      instrument: { id: r.instrument_id, name: r.instrument_name },
      facility: { name: r.facility_name, fullName: r.facility_full_name || r.facility_name },
      start: r.start_at,
      end: r.end_at,
      releaseDate: r.release_date,
      releasedAt: r.released_at,
      availableAt: releasedEarly ? r.released_at! : r.release_date,
      isPublic: Boolean(r.is_public),
      detailed,
      members: members.get(r.id) ?? [],
      techniques: withNames(techniqueIds, names),
      datasets: datasets.map((d) => ({
        pid: d.pid,
        name: d.name,
        title: d.title,
        size: Number(d.size),
        fileCount: Number(d.file_count),
      })),
    };
  });
}

async function visibleIds(db: Db, access: Access, ids: string[]): Promise<string[]> {
  const rows = await db
    .selectFrom('session')
    .select('id')
    .where('id', 'in', ids)
    .where(sessionVisible(access.caller, access.now))
    .execute();
  return rows.map((r) => r.id);
}
