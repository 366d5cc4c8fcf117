import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, postgresDatabase, type Dialect } from '../helpers/db.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/open.ts';
import { importCatalogue } from '../../src/catalogue/import/run.ts';
import { sha256File } from '../../src/ingest/hash.ts';
import { Command, CommanderError } from 'commander';
import { registerIngestCommands } from '../../src/cli/ingest.ts';
import { CliError, UsageError } from '../../src/cli/context.ts';
import { beamlineTree, tempRoot } from './trees.ts';

const BIN = path.resolve('bin/fairbeam.mjs');
const CATALOGUE = {
  facility: { name: 'TF' },
  instruments: [{ id: 'BL1', name: 'BL1' }],
  proposals: [
    {
      id: 'P1',
      sessions: [{ id: 'S1', instrument: 'BL1', start: '2024-01-01T00:00:00Z', end: '2024-01-02T00:00:00Z' }],
    },
  ],
};

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI; `killAfter` SIGKILLs it once stderr shows that many "committed" lines. */
function cli(args: string[], env: NodeJS.ProcessEnv, killAfter?: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (killAfter !== undefined && (stderr.match(/committed \d+ files/g) ?? []).length >= killAfter)
        child.kill('SIGKILL');
    });
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe.each(dialects)('fairbeam ingest (%s)', (dialect: Dialect) => {
  let root: ReturnType<typeof tempRoot>;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let drop = async () => {};

  beforeAll(async () => {
    root = tempRoot('fb-cli-');
    dir = beamlineTree(root.dir, path.join(root.dir, 'outside.secret'));
    // More small files, so the run spans several batches and can be killed between them.
    for (let i = 0; i < 40; i++)
      fs.writeFileSync(
        path.join(dir, 'notes', `log_${String(i).padStart(3, '0')}.txt`),
        `line ${i}\n`.repeat(i + 1),
      );
    env = {
      FAIRBEAM_HOME: path.join(root.dir, 'home'),
      FAIRBEAM_DATA_ROOTS: path.join(root.dir, 'none'),
      DATABASE_URL: '',
    };
    if (dialect === 'postgres') {
      const d = await postgresDatabase('fairbeam_cli');
      env.DATABASE_URL = d.url;
      drop = d.drop;
    }
    const database = await openDatabase(loadConfig(env), 'test');
    await importCatalogue(database.db, CATALOGUE, { doiPrefix: '10.5072', embargoYears: 3 });
    await database.close();
  });
  afterAll(async () => {
    await drop();
    root?.remove();
  });

  async function catalogue() {
    const database = await openDatabase(loadConfig(env), 'test');
    try {
      const db = database.db;
      const files = await db
        .selectFrom('datafile')
        .select(['id', 'path', 'size', 'sha256', 'metadata'])
        .orderBy('path')
        .execute();
      const params = await db
        .selectFrom('parameter')
        .select(['datafile_id', 'name'])
        .where('datafile_id', 'is not', null)
        .execute();
      const datasets = await db
        .selectFrom('dataset')
        .select(['pid', 'size', 'file_count', 'techniques'])
        .execute();
      return { files, params, datasets };
    } finally {
      await database.close();
    }
  }

  it(
    'survives SIGKILL mid-way: re-runs converge to the complete catalogue, nothing duplicated or lost',
    { timeout: 300_000 },
    async () => {
      const args = [
        'ingest',
        dir,
        '--session',
        'S1',
        '--dataset',
        'crash',
        '--verbose',
        '--batch-size',
        '4',
        '--concurrency',
        '1',
      ];
      const first = await cli(args, env, 1);
      expect(first.signal).toBe('SIGKILL');
      const second = await cli(args, env, 2);
      expect(second.signal).toBe('SIGKILL');
      const mid = await catalogue();
      expect(mid.files.length).toBeGreaterThan(0);
      const last = await cli([...args, '--json'], env);
      expect(last.code, last.stderr).toBe(0);
      const summary = JSON.parse(last.stdout);
      const { files, params, datasets } = await catalogue();
      // Every regular file of the tree, once, with the checksum of its bytes on disk.
      expect(files.map((f) => f.path)).toEqual([...new Set(files.map((f) => f.path))]);
      expect(files).toHaveLength(12 + 3 + 3 + 40);
      expect(summary).toMatchObject({ pid: datasets[0]!.pid, registered: files.length });
      for (const f of files) expect(f.sha256, f.path).toBe((await sha256File(path.join(dir, f.path))).sha256);
      // Each file's parameters exactly once, as many as its metadata says were read.
      for (const f of files) {
        const mine = params.filter((p) => p.datafile_id === f.id);
        expect(new Set(mine.map((p) => p.name)).size, f.path).toBe(mine.length);
        const nexus = f.metadata.nexus as { parameterCount?: number } | undefined;
        expect(mine.length, f.path).toBe(nexus?.parameterCount ?? 0);
      }
      expect(datasets).toHaveLength(1);
      expect(datasets[0]!.file_count).toBe(files.length);
      expect(Number(datasets[0]!.size)).toBe(files.reduce((s, f) => s + Number(f.size), 0));
      expect(datasets[0]!.techniques).toEqual([
        'PaNET01124',
        'PaNET01129',
        'PaNET01164',
        'PaNET01196',
        'PaNET01219',
      ]);
    },
  );

  /** The same command in this process (spawning costs seconds per run): exit codes as main.ts maps them. */
  async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const sink = (add: (s: string) => void) =>
      ({ write: (s: string) => (add(s), true) }) as unknown as NodeJS.WritableStream;
    const ctx = {
      config: loadConfig(env),
      stdout: sink((s) => (stdout += s)),
      stderr: sink((s) => (stderr += s)),
    };
    const program = new Command('fairbeam')
      .exitOverride()
      .configureOutput({ writeErr: (s) => (stderr += s), writeOut: (s) => (stdout += s) });
    registerIngestCommands(program, ctx);
    try {
      await program.parseAsync(['node', 'fairbeam', ...args]);
      return { code: 0, stdout, stderr };
    } catch (e) {
      const code =
        e instanceof UsageError || e instanceof CommanderError ? 2 : e instanceof CliError ? 1 : -1;
      return { code, stdout, stderr: stderr + String((e as Error).message) };
    }
  }

  it('prints the pid last, lists problems, and exits 1 with --strict', { timeout: 120_000 }, async () => {
    const text = await inProcess(['ingest', dir, '--session', 'S1', '--dataset', 'crash']);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^10\.5072\/fb-ds\.[0-9a-f]{12}$/);
    expect(text.stdout).toMatch(/0 new or changed/);
    expect(text.stdout).toMatch(/escape\.h5: symlink leads outside/);
    const strict = await inProcess([
      'ingest',
      dir,
      '--session',
      'S1',
      '--dataset',
      'crash',
      '--strict',
      '--json',
    ]);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.stdout).errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['escape.h5', 'fake.h5', 'truncated.nxs', 'pipe.h5']),
    );
  });

  it('exits 2 on usage errors and 1 for an unknown session', { timeout: 120_000 }, async () => {
    expect((await inProcess(['ingest', path.join(root.dir, 'missing'), '--session', 'S1'])).code).toBe(2);
    expect((await inProcess(['ingest', dir])).code).toBe(2);
    expect((await inProcess(['ingest', dir, '--session', 'S1', '--batch-size', '0'])).code).toBe(2);
    const unknown = await inProcess(['ingest', dir, '--session', 'NOPE']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no session "NOPE"/);
  });
});
