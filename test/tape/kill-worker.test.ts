import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, postgresDatabase, type Dialect } from '../helpers/db.ts';
import { mulberry32 } from '../helpers/random.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/open.ts';
import { seedWorld } from '../helpers/world.ts';
import { requestArchive } from '../../src/archive/workflow/runs.ts';
import { configureTape, ingest, sha256, tempDir, writeDataset } from './setup.ts';

const BIN = path.resolve('bin/fairbeam.mjs');
const CHILD = path.resolve('test/tape/archive-child.ts');
const SEEDS = [7, 42, 1234];

/** Runs the real CLI; with `killAt` it SIGKILLs the process `delayMs` after its `line`-th progress line. */
function cli(
  args: string[],
  env: NodeJS.ProcessEnv,
  killAt?: { line: number; delayMs: number },
  node: string[] = [BIN],
) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => {
      const child = spawn(process.execPath, [...node, ...args], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let armed = false;
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => {
        stderr += d;
        if (killAt && !armed && stderr.split('\n').length - 1 >= killAt.line) {
          armed = true;
          setTimeout(() => child.kill('SIGKILL'), killAt.delayMs);
        }
      });
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    },
  );
}

describe.each(dialects)('archiving survives kill -9 of the worker (%s)', (dialect: Dialect) => {
  let root: string;
  let env: NodeJS.ProcessEnv;
  let drop = async () => {};
  const datasets: { pid: string; dir: string; files: Map<string, Buffer> }[] = [];
  const withDb = async <T>(fn: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>) => {
    const database = await openDatabase(loadConfig(env), 'test');
    try {
      return await fn(database.db);
    } finally {
      await database.close();
    }
  };

  beforeAll(async () => {
    root = tempDir('fb-tape-kill-');
    env = {
      FAIRBEAM_HOME: path.join(root, 'home'),
      FAIRBEAM_DATA_ROOTS: path.join(root, 'data'),
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
    };
    if (dialect === 'postgres') {
      const d = await postgresDatabase('fairbeam_tape');
      env.DATABASE_URL = d.url;
      drop = d.drop;
    }
    await withDb(async (db) => {
      await seedWorld(db);
      await configureTape(db, path.join(root, 'vtl'), { containerBytes: 32 * 1024 });
      for (const seed of SEEDS) {
        const { dir, files } = writeDataset(path.join(root, 'data'), 24, 300 * 1024, `seed${seed}`);
        const pid = await ingest(db, dir);
        await requestArchive(db, pid, { actor: 'test', release: true });
        datasets.push({ pid, dir, files });
      }
    });
  }, 120_000);
  afterAll(async () => {
    await drop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it(
    'ends with every file archived twice, verified, released and restorable byte for byte',
    { timeout: 300_000 },
    async () => {
      // One worker after another, each killed at a point chosen by the seed (after its n-th progress
      // line, plus a few ms, so kills land inside tape writes too); then one left to finish.
      const worker = ['--import', 'tsx', CHILD];
      let kills = 0;
      for (const seed of SEEDS) {
        const next = mulberry32(seed);
        const run = await cli(
          [],
          env,
          { line: 1 + Math.floor(next() * 12), delayMs: Math.floor(next() * 300) },
          worker,
        );
        if (run.signal === 'SIGKILL') kills += 1;
        else expect(run.code, run.stderr).toBe(0);
      }
      expect(kills).toBeGreaterThanOrEqual(2);
      const last = await cli([], env, undefined, worker);
      expect(last.code, last.stderr).toBe(0);
      const runs = await withDb((db) => db.selectFrom('archive_run').select(['step', 'error']).execute());
      expect(runs).toEqual(SEEDS.map(() => ({ step: 'done', error: null })));

      const pids = datasets.map((d) => d.pid);
      const ids = await withDb(async (db) => {
        const files = await db
          .selectFrom('datafile')
          .select([
            'id',
            'state',
            sql`(SELECT count(*) FROM tape_copy c JOIN tape_file t ON t.id = c.tape_file_id WHERE c.datafile_id = datafile.id AND t.verified_at IS NOT NULL)::int`.as(
              'copies',
            ),
          ])
          .where('dataset_pid', 'in', pids)
          .execute();
        expect(files).toHaveLength(datasets.reduce((s, d) => s + d.files.size, 0));
        for (const f of files) expect([f.state, f.copies]).toEqual(['offline', 2]);
        // Copy 1 and copy 2 of every file are on cartridges of different pools.
        const pools = await db
          .selectFrom('tape_copy as c')
          .innerJoin('tape_file as t', 't.id', 'c.tape_file_id')
          .innerJoin('tape_cartridge as k', 'k.barcode', 't.cartridge')
          .select(['c.datafile_id', 'c.copy', 'k.pool'])
          .execute();
        for (const p of pools) expect(p.pool).toBe(p.copy === 1 ? 'A' : 'B');
        return files.map((f) => String(f.id));
      });
      for (const d of datasets)
        for (const rel of d.files.keys()) expect(fs.existsSync(path.join(d.dir, rel))).toBe(false);

      // Back in place through the restore command: every file online again with its original bytes.
      const restored = await cli(['restore', '--file', ...ids, '--json'], env);
      expect(restored.code, restored.stderr).toBe(0);
      expect(JSON.parse(restored.stdout)).toMatchObject({ done: ids.length, failed: 0 });
      for (const d of datasets)
        for (const [rel, bytes] of d.files)
          expect(sha256(fs.readFileSync(path.join(d.dir, rel))), rel).toBe(sha256(bytes));
      const states = await withDb((db) =>
        db.selectFrom('datafile').select('state').where('dataset_pid', 'in', pids).distinct().execute(),
      );
      expect(states.map((s) => s.state)).toEqual(['online']);
    },
  );
});
