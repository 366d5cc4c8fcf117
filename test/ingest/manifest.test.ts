import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, freshDatabase } from '../helpers/db.ts';
import { seedWorld } from '../helpers/world.ts';
import type { Database } from '../../src/db/connect.ts';
import { registerDataset } from '../../src/ingest/registration.ts';
import { MANIFEST_CHUNK, registerManifest } from '../../src/ingest/manifest.ts';
import { checkRelativePath } from '../../src/ingest/paths.ts';

type Entry = { path: string; size: number; sha256?: string; mtime?: string };
const ctx = { dataRoots: [], doiPrefix: '10.5072', actor: 'test' };
const hex = (i: number) => i.toString(16).padStart(64, '0');
const frames = (n: number, from = 0): Entry[] =>
  Array.from({ length: n }, (_, i) => ({
    path: `frames/f_${String(from + i).padStart(6, '0')}.cbf`,
    size: 1000 + i,
    sha256: hex(from + i),
    mtime: '2026-05-01T10:00:00.000Z',
  }));

it('accepts relative paths whose segments merely start with dots, and names the first bad segment', () => {
  for (const p of ['.hidden/x.h5', 'a/..b', 'a/...', 'a.b/c..', '...', 'x'])
    expect(checkRelativePath(p)).toBeUndefined();
  expect(checkRelativePath('a/./b//c')).toBe('has a "." segment');
  expect(checkRelativePath('a//b/..')).toBe('has a "//" segment');
  expect(checkRelativePath('a/b/..')).toBe('has a ".." segment');
  expect(checkRelativePath('a/b/')).toBe('has a "//" segment');
});

describe.each(dialects)('registration of a manifest (%s)', (dialect) => {
  let database: Database;
  const register = (name: string, files: Entry[]) =>
    registerDataset(database.db, { sessionId: 'EMB', name, files }, ctx);
  const rows = (pid: string) =>
    sql<{ id: number; path: string; size: number; sha256: string | null; mtime: Date | null; xmin: string }>`
      SELECT id, path, size, sha256, mtime, xmin::text AS xmin FROM datafile WHERE dataset_pid = ${pid} ORDER BY path`
      .execute(database.db)
      .then((r) => r.rows);

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    await seedWorld(database.db);
  });
  afterAll(async () => database?.close());

  it('stores paths with tabs, newlines and other odd characters exactly as sent', async () => {
    const odd = ['a\tb.h5', 'line\nbreak.h5', 'cr\r.h5', 'N', 'ünï cödé ✓.nxs', `q'uote".h5`, 'sp ace/x'];
    const { pid } = await register(
      'odd',
      odd.map((path, i) => ({ path, size: i })),
    );
    const got = await rows(pid);
    expect(got.map((r) => r.path).sort()).toEqual([...odd].sort());
    expect(got.every((r) => r.sha256 === null && r.mtime === null)).toBe(true);
  });

  it('keeps metadata with backslashes and control characters when files bring some', async () => {
    const { pid } = await register('meta', []);
    const metadata = { note: 'C:\\data\\x\tand\nmore \\N', n: [1, 2] };
    await registerManifest(database.db, pid, [
      { path: 'm.h5', size: 1, sha256: null, mtime: null, metadata },
      { path: 'plain.h5', size: 2, sha256: null, mtime: null, metadata: {} },
    ]);
    const got = await database.db
      .selectFrom('datafile')
      .select(['path', 'metadata'])
      .where('dataset_pid', '=', pid)
      .orderBy('path')
      .execute();
    expect(got).toEqual([
      { path: 'm.h5', metadata },
      { path: 'plain.h5', metadata: {} },
    ]);
  });

  it('registers nothing twice and rewrites no row when the same manifest is sent again', async () => {
    const files = frames(50);
    const { pid } = await register('again', files);
    const before = await rows(pid);
    const second = await register('again', files);
    expect(second.pid).toBe(pid);
    expect(await rows(pid)).toEqual(before); // same ids, and the same row versions (xmin)
    const ds = await database.db
      .selectFrom('dataset')
      .select(['file_count', 'size'])
      .where('pid', '=', pid)
      .executeTakeFirstOrThrow();
    expect(ds).toEqual({ file_count: 50, size: files.reduce((s, f) => s + f.size, 0) });
  });

  it('sets the dataset totals in the registering transaction, and recounts them when files change', async () => {
    const totals = (pid: string) =>
      database.db
        .selectFrom('dataset')
        .select(['file_count', 'size'])
        .where('pid', '=', pid)
        .executeTakeFirstOrThrow();
    const sum = (fs: Entry[]) => fs.reduce((s, f) => s + f.size, 0);
    const files = frames(20);
    const { pid } = await register('totals', files); // bulk insert into a dataset without files
    expect(await totals(pid)).toEqual({ file_count: 20, size: sum(files) });
    const grown = [{ ...files[0]!, size: 7 }, ...frames(5, 100)]; // the upsert path: summarised from the rows
    await register('totals', grown);
    expect(await totals(pid)).toEqual({
      file_count: 25,
      size: sum(files) - files[0]!.size + 7 + sum(frames(5, 100)),
    });
  });

  it('updates changed entries: a new size without a checksum drops the old one, a new checksum or mtime is kept', async () => {
    const files = frames(3);
    const { pid } = await register('changed', files);
    const before = await rows(pid);
    await register('changed', [
      { path: files[0]!.path, size: 5 }, // grew, no checksum sent: the old one no longer holds
      { ...files[1]!, sha256: 'f'.repeat(64) },
      { ...files[2]!, mtime: '2026-05-02T00:00:00.000Z' },
      ...frames(1, 100),
    ]);
    const after = await rows(pid);
    expect(after.map((r) => [r.path, r.size, r.sha256])).toEqual([
      [files[0]!.path, 5, null],
      [files[1]!.path, files[1]!.size, 'f'.repeat(64)],
      [files[2]!.path, files[2]!.size, files[2]!.sha256],
      ['frames/f_000100.cbf', 1000, hex(100)],
    ]);
    expect(after[2]!.mtime).toEqual(new Date('2026-05-02T00:00:00Z'));
    expect(after.slice(0, 3).map((r) => r.id)).toEqual(before.map((r) => r.id));
  });

  it('leaves no dataset, file or audit entry when an entry of the list cannot be written', async () => {
    const counts = () =>
      sql<{ datasets: number; files: number; audits: number }>`
        SELECT (SELECT count(*)::int FROM dataset WHERE name = 'broken') AS datasets,
               (SELECT count(*)::int FROM datafile) AS files,
               (SELECT count(*)::int FROM audit_log WHERE action = 'dataset.register') AS audits`
        .execute(database.db)
        .then((r) => r.rows[0]!);
    const before = await counts();
    const files = frames(3000);
    files[2500] = { ...files[2500]!, mtime: 'not a time' }; // past the first pieces sent
    await expect(register('broken', files)).rejects.toThrow(/time/i);
    expect(await counts()).toEqual({ ...before, datasets: 0 });
    files[2500] = { ...files[2500]!, mtime: '2026-05-01T10:00:00.000Z' };
    const { pid, created } = await register('broken', files); // the connection is usable again
    expect(created).toBe(true);
    expect((await rows(pid)).length).toBe(3000);
    expect(await counts()).toEqual({ datasets: 1, files: before.files + 3000, audits: before.audits + 1 });
  });

  it('stores sizes and times exactly, including sub-second, old and large values', async () => {
    const files: Entry[] = [
      { path: 'a', size: 0, mtime: '1969-12-31T23:59:59.999Z' },
      { path: 'b', size: 2 ** 53 - 1, mtime: '2000-01-01T00:00:00.001Z' },
      { path: 'c', size: 4_294_967_296, mtime: '1601-03-04T05:06:07.089+02:00' },
      { path: 'd', size: 4_294_967_295, mtime: '2400-02-29T12:00:00.5Z' },
    ];
    const { pid } = await register('exact', files);
    const got = await rows(pid);
    expect(got.map((r) => [r.path, Number(r.size), r.mtime?.getTime()])).toEqual(
      files.map((f) => [f.path, f.size, Date.parse(f.mtime!)]),
    );
  });

  it('registers a manifest of more than one transaction in full', async () => {
    const files = frames(MANIFEST_CHUNK + 1500);
    const { pid, registered } = await register('big', files);
    expect(registered).toBe(files.length);
    const got = await rows(pid);
    expect(got.length).toBe(files.length);
    const ds = await database.db
      .selectFrom('dataset')
      .select(['file_count', 'size'])
      .where('pid', '=', pid)
      .executeTakeFirstOrThrow();
    expect(ds).toEqual({ file_count: files.length, size: files.reduce((s, f) => s + f.size, 0) });
    expect(got[MANIFEST_CHUNK + 1499]).toMatchObject({
      path: files.at(-1)!.path,
      sha256: files.at(-1)!.sha256,
    });
  });

  it('ends with each file once when two registrations of a new dataset run at the same time', async () => {
    await register('race', []);
    const a = frames(3000);
    const b = frames(3000, 1500);
    await Promise.all([register('race', a), register('race', b)]);
    const { pid } = await register('race', []);
    const got = await rows(pid);
    expect(got.length).toBe(4500);
    expect(new Set(got.map((r) => r.path)).size).toBe(4500);
  });
});
