import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/open.ts';
import { registerArchiveCommands } from '../../src/cli/archive.ts';
import { registerArchiveContainersCommand } from '../../src/cli/archive-containers.ts';
import { type CliContext, runProgram } from '../../src/cli/context.ts';
import { dialects, postgresDatabase } from '../helpers/db.ts';
import { seedWorld } from '../helpers/world.ts';
import { ingest, tempDir, writeDataset } from '../tape/setup.ts';

/** `fairbeam archive ...` in this process against `config`'s catalogue; what it printed and its exit code. */
async function fairbeam(config: Config, ...args: string[]) {
  const out = { stdout: '', stderr: '' };
  const stdout = new PassThrough().on('data', (c: Buffer) => (out.stdout += c));
  const stderr = new PassThrough().on('data', (c: Buffer) => (out.stderr += c));
  const ctx: CliContext = { config, stdout, stderr };
  const program = new Command('fairbeam').exitOverride();
  program.configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) });
  registerArchiveCommands(program, ctx);
  registerArchiveContainersCommand(program, ctx);
  const code = await runProgram(program, ctx, ['node', 'fairbeam', 'archive', ...args]);
  return { code, ...out };
}

const SIZES = ['--target-size', '30KB', '--large-file-threshold', '20KB', '--workers', '1'];

describe.each(dialects)('fairbeam archive pack --session (%s catalogue)', { timeout: 120_000 }, (dialect) => {
  let root: string;
  let config: Config;
  let dir: string;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    root = tempDir('fb-pack-session-');
    const env: NodeJS.ProcessEnv = { FAIRBEAM_HOME: path.join(root, 'home') };
    if (dialect === 'postgres') {
      const own = await postgresDatabase();
      env.DATABASE_URL = own.url;
      drop = own.drop;
    }
    config = loadConfig(env);
    const database = await openDatabase(config, 'test');
    try {
      await seedWorld(database.db);
      dir = writeDataset(path.join(root, 'data'), 12, 30_000).dir;
      await ingest(database.db, dir);
    } finally {
      await database.close();
    }
  }, 120_000);
  afterAll(async () => {
    await drop?.();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('checks the session before writing anything: unknown exits 2, --plan-only writes nothing', async () => {
    const out = path.join(root, 'out-unknown');
    const unknown = await fairbeam(config, 'pack', dir, '--out', out, '--session', 'NOPE', ...SIZES);
    expect(unknown).toMatchObject({ code: 2, stderr: 'fairbeam: no session "NOPE" in the catalogue\n' });
    expect(fs.existsSync(out)).toBe(false);

    const plan = await fairbeam(
      config,
      'pack',
      dir,
      '--out',
      out,
      '--session',
      'EMB',
      '--plan-only',
      ...SIZES,
    );
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('Session EMB is in the catalogue; nothing recorded');
    expect(fs.existsSync(out)).toBe(false);
    const listed = await fairbeam(config, 'containers', '--session', 'EMB', '--json');
    expect(JSON.parse(listed.stdout)).toEqual({ session: 'EMB', packs: [] });
  });

  it('packs, records and lists; running it again records the same rows', async () => {
    const out = path.join(root, 'out');
    const first = await fairbeam(config, 'pack', dir, '--out', out, '--session', 'EMB', '--json', ...SIZES);
    expect(first.code, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout);
    expect(result.recorded).toMatchObject({
      session: 'EMB',
      outDir: out,
      containers: result.containers.length,
      ownTapeFiles: 1,
      datafiles: 13,
      changed: [],
    });

    const again = await fairbeam(config, 'pack', dir, '--out', out, '--session', 'EMB', ...SIZES);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(
      `Recorded in the catalogue for session EMB: ${result.containers.length} container(s), 1 own tape file(s), 13 registered datafile(s) located`,
    );

    const listed = JSON.parse((await fairbeam(config, 'containers', '--session', 'EMB', '--json')).stdout);
    expect(listed.packs).toHaveLength(1);
    expect(listed.packs[0]).toMatchObject({ outDir: out, source: dir, files: 12 });
    expect(listed.packs[0].containers.map((c: { name: string }) => c.name)).toEqual(
      result.containers.map((c: { name: string }) => c.name),
    );
    expect(listed.packs[0].ownTapeFiles).toMatchObject([{ path: 'large.bin', reason: 'large' }]);
    const text = await fairbeam(config, 'containers', '--session', 'EMB');
    expect(text.stdout).toMatch(/^ {2}EMB-00001\.h5 {2}\d+ members .* sha256 [0-9a-f]{64}$/m);
    expect(text.stdout).toMatch(/^ {4}large\.bin {2}large {2}29\.3 KiB$/m);

    // A pack that fails (its output directory cannot be made) records nothing.
    const blocked = path.join(root, 'a-file');
    fs.writeFileSync(blocked, '');
    const failed = await fairbeam(
      config,
      'pack',
      dir,
      '--out',
      path.join(blocked, 'out'),
      '--session',
      'EMB',
    );
    expect(failed.code).toBe(1);
    const after = JSON.parse((await fairbeam(config, 'containers', '--session', 'EMB', '--json')).stdout);
    expect(after.packs.map((p: { outDir: string }) => p.outDir)).toEqual([out]);

    const missing = await fairbeam(config, 'containers', '--session', 'NOPE');
    expect(missing).toMatchObject({ code: 2, stderr: 'fairbeam: No session "NOPE"\n' });
  });
});

describe('fairbeam archive pack without a reachable catalogue', () => {
  let root: string;
  beforeAll(() => void (root = tempDir('fb-pack-nodb-')));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('exits 1 with --session when the database cannot be reached, and writes nothing', async () => {
    const dir = writeDataset(path.join(root, 'data'), 3, 10).dir;
    const config = loadConfig({
      FAIRBEAM_HOME: path.join(root, 'home'),
      DATABASE_URL: 'postgres://fairbeam:secret@127.0.0.1:1/nowhere',
    });
    const out = path.join(root, 'out');
    const run = await fairbeam(config, 'pack', dir, '--out', out, '--session', 'EMB');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^fairbeam: cannot open the catalogue \(PostgreSQL at 127\.0\.0\.1:1\/nowhere\): /,
    );
    expect(run.stderr).not.toContain('secret');
    expect(fs.existsSync(out)).toBe(false);

    // Without --session the packer is the standalone tool: the broken DATABASE_URL does not matter.
    const standalone = await fairbeam(config, 'pack', dir, '--out', out);
    expect(standalone.code, standalone.stderr).toBe(0);
    expect(standalone.stdout).not.toContain('catalogue');
  });

  it('exits 2 with --session when there is no embedded catalogue at all, and creates none', async () => {
    const home = path.join(root, 'empty-home');
    const config = loadConfig({ FAIRBEAM_HOME: home });
    const run = await fairbeam(config, 'pack', root, '--out', path.join(home, 'out'), '--session', 'EMB');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`no session "EMB": there is no catalogue at ${path.join(home, 'db')}`);
    expect(fs.existsSync(home)).toBe(false);
  });
});
