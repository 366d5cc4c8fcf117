import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type { EventCategory, EventKind } from '../../db/schema.ts';
import { notFound } from '../../errors.ts';
import type { Access } from '../../catalogue/access.ts';
import { decodeCursor, DEFAULT_LIMIT, toPage, type Page } from '../../catalogue/pagination.ts';
import { findLogbook, isUuid, type Logbook } from '../logbooks.ts';
import { EVENT_COLUMNS, toEvent, type EventRow, type LogbookEvent } from './model.ts';

export interface EventFilter {
  after?: number;
  before?: number;
  kind?: EventKind[];
  category?: EventCategory[];
  tag?: string[];
  q?: string;
  parent?: string;
  includeDeleted?: boolean;
}

export interface EventListQuery extends EventFilter {
  limit?: number;
  cursor?: string;
  order?: 'asc' | 'desc';
  /** How many events a search checks in order before asking the text index (tests make it small). */
  searchWindow?: number;
}

const tsQuery = (q: string) => sql`websearch_to_tsquery('english'::regconfig, ${q})`;

/** The events of one (already authorised) logbook matching a filter; no ordering or paging. */
export function filteredEvents(db: Db, logbookId: string, f: EventFilter) {
  let q = db.selectFrom('logbook_event').where('logbook_id', '=', logbookId);
  if (f.after !== undefined) q = q.where('seq', '>', f.after);
  if (f.before !== undefined) q = q.where('seq', '<', f.before);
  if (f.kind?.length) q = q.where('kind', 'in', f.kind);
  if (f.category?.length) q = q.where('category', 'in', f.category);
  if (f.tag?.length) q = q.where(sql<boolean>`tags @> ${sql.val(f.tag)}::text[]`);
  if (f.parent) q = q.where('parent_id', '=', f.parent);
  if (!f.includeDeleted) q = q.where('deleted_at', 'is', null);
  if (f.q) q = q.where(sql<boolean>`search @@ ${tsQuery(f.q)}`);
  return q;
}

/** One page of a logbook's events, ascending by seq unless order=desc (the latest page). */
export async function listEvents(
  db: Db,
  access: Access,
  logbookId: string,
  f: EventListQuery,
): Promise<Page<LogbookEvent>> {
  const logbook = await findLogbook(db, access, logbookId);
  return pageOfEvents(db, logbook, f);
}

export async function pageOfEvents(db: Db, logbook: Logbook, f: EventListQuery): Promise<Page<LogbookEvent>> {
  const limit = f.limit ?? DEFAULT_LIMIT;
  const desc = f.order === 'desc';
  const cursor = decodeCursor(f.cursor, 1);
  // The cursor narrows the range like after/before do.
  const range: EventFilter = { ...f };
  if (cursor) {
    const at = Number(cursor[0]);
    if (desc) range.before = Math.min(range.before ?? Infinity, at);
    else range.after = Math.max(range.after ?? 0, at);
  }
  const rows = f.q
    ? await searchInWindows(db, logbook, range, limit + 1, desc, f.searchWindow ?? SEARCH_WINDOW)
    : ((await filteredEvents(db, logbook.id, range)
        .select(EVENT_COLUMNS)
        .orderBy('seq', desc ? 'desc' : 'asc')
        .limit(limit + 1)
        .execute()) as EventRow[]);
  const page = toPage(rows, limit, (r) => [Number(r.seq)], toEvent);
  if (f.q && page.items.length > 0) await addSnippets(db, page.items, f.q);
  return page;
}

/** Events nearest the start of a search that are checked in seq order before the index is asked. */
export const SEARCH_WINDOW = 5000;

/**
 * Full-text hits in seq order. PostgreSQL estimates how many rows match a text query from
 * per-word statistics, and words that come together (a "timeout" is usually an "error") make it
 * guess far too few: it then fetches every match through the text index and sorts them (a second
 * for 20,000 matches) where walking the newest events in order would have found a page at once.
 * So the first SEARCH_WINDOW events from where the page starts are checked in order, in a
 * materialised step the planner cannot rewrite; only if they hold less than a page does the text
 * index look further, which is then quick because the words are rare.
 */
async function searchInWindows(
  db: Db,
  logbook: Logbook,
  f: EventFilter,
  want: number,
  desc: boolean,
  size: number,
): Promise<EventRow[]> {
  const top = Math.min(f.before ?? Infinity, logbook.lastSeq + 1); // first seq not wanted, going down
  const bottom = f.after ?? 0; // last seq not wanted, going up
  const window: EventFilter = desc
    ? { ...f, q: undefined, after: Math.max(bottom, top - 1 - size) }
    : { ...f, q: undefined, before: Math.min(top, bottom + 1 + size) };
  const near = await db
    .with(
      (cte) => cte('candidate').materialized(),
      () => filteredEvents(db, logbook.id, window).select(['id', 'seq', 'search']),
    )
    .selectFrom('candidate')
    .select(['id', 'seq'])
    .where(sql<boolean>`search @@ ${tsQuery(f.q!)}`)
    .orderBy('seq', desc ? 'desc' : 'asc')
    .limit(want)
    .execute();
  const ids = near.map((r) => r.id);
  let rows: EventRow[] = [];
  if (ids.length > 0) {
    const byId = new Map(
      (
        (await db
          .selectFrom('logbook_event')
          .select(EVENT_COLUMNS)
          .where('id', 'in', ids)
          .execute()) as EventRow[]
      ).map((r) => [r.id, r]),
    );
    rows = ids.map((id) => byId.get(id)!);
  }
  const windowEnd = desc ? window.after! : window.before!;
  const exhausted = desc ? windowEnd <= bottom : windowEnd >= top;
  if (rows.length >= want || exhausted) return rows;
  // The hits beyond the window come from the text index in a materialised step too: left to itself,
  // the planner may again bet on walking the logbook in seq order until a page is found, and when
  // ANALYZE's sample happens to overrate a rare word (1 run in 4 for "quench" at 1M events: 5,000
  // expected, 100 there) that walk reads the whole logbook (0.9 s instead of 16 ms).
  const beyond = desc ? { ...f, before: windowEnd + 1 } : { ...f, after: windowEnd - 1 };
  const restIds = (
    await db
      .with(
        (cte) => cte('hit').materialized(),
        () => filteredEvents(db, logbook.id, beyond).select(['id', 'seq']),
      )
      .selectFrom('hit')
      .select('id')
      .orderBy('seq', desc ? 'desc' : 'asc')
      .limit(want - rows.length)
      .execute()
  ).map((r) => r.id);
  if (restIds.length === 0) return rows;
  const rest = new Map(
    (
      (await db
        .selectFrom('logbook_event')
        .select(EVENT_COLUMNS)
        .where('id', 'in', restIds)
        .execute()) as EventRow[]
    ).map((r) => [r.id, r]),
  );
  return [...rows, ...restIds.map((id) => rest.get(id)!)];
}

/**
 * Highlighted snippets for a page of hits, computed for those rows only (ts_headline is costly).
 * The text is HTML-escaped before highlighting, so the only markup in a snippet is <mark>.
 */
async function addSnippets(db: Db, items: LogbookEvent[], q: string): Promise<void> {
  const escaped = sql`replace(replace(replace(plain_text, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')`;
  const rows = await db
    .selectFrom('logbook_event')
    .select([
      'id',
      sql<string>`ts_headline('english'::regconfig, ${escaped}, ${tsQuery(q)},
        'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "')`.as(
        'snippet',
      ),
    ])
    .where(
      'id',
      'in',
      items.map((e) => e.id),
    )
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r.snippet]));
  for (const e of items) e.snippet = byId.get(e.id) ?? '';
}

/** An event with its logbook, if the caller may read that logbook; 404 otherwise. */
export async function findEvent(
  db: Db,
  access: Access,
  id: string,
): Promise<{ event: EventRow; logbook: Logbook }> {
  if (!isUuid(id)) throw notFound('event', id);
  const event = (await db
    .selectFrom('logbook_event')
    .select(EVENT_COLUMNS)
    .where('id', '=', id)
    .executeTakeFirst()) as EventRow | undefined;
  const logbook = event && (await findLogbook(db, access, event.logbook_id).catch(() => undefined));
  if (!event || !logbook) throw notFound('event', id);
  return { event, logbook };
}

export async function getEvent(db: Db, access: Access, id: string): Promise<LogbookEvent> {
  return toEvent((await findEvent(db, access, id)).event);
}
