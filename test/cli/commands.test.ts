import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleDocument } from '../import/example.ts';
import { cliEnv, lastLine, runCli, startCli } from './run.ts';

// Each command is a real process opening the embedded database (several seconds each), so the
// steps share one FAIRBEAM_HOME and run in order: one `it` per command, as an operator would.
describe('fairbeam CLI over an embedded database', { timeout: 300_000 }, () => {
  let tmp: string;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let good: string;
  let bad: string;
  let key: string;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fairbeam-cli-'));
    home = path.join(tmp, 'home');
    env = cliEnv(home);
    good = path.join(tmp, 'good.json');
    fs.writeFileSync(good, JSON.stringify(exampleDocument()));
    const doc = exampleDocument() as ReturnType<typeof exampleDocument> & Record<string, unknown>;
    (doc.proposals[0]!.sessions[0]!.datasets[0]!.files[0] as Record<string, unknown>).checksum = 'x';
    bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify(doc));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('migrates a fresh home, while usage errors exit 2 without touching it', async () => {
    const [migrate, badRole, badNow, noFile, unknown] = await Promise.all([
      runCli(['migrate'], env),
      runCli(['user', 'add', 'x', '--role', 'king'], cliEnv(path.join(tmp, 'unused'))),
      runCli(['policy', 'release', '--now', 'next tuesday'], cliEnv(path.join(tmp, 'unused'))),
      runCli(['import'], cliEnv(path.join(tmp, 'unused'))),
      runCli(['frobnicate'], cliEnv(path.join(tmp, 'unused'))),
    ]);
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(fs.existsSync(path.join(home, 'db'))).toBe(true);
    expect(fs.existsSync(path.join(home, 'db.lock'))).toBe(false);
    for (const r of [badRole, badNow, noFile, unknown]) expect(r.code, r.stderr).toBe(2);
    expect(badRole.stderr).toMatch(/--role must be one of/);
    expect(badNow.stderr).toMatch(/--now: not a date-time/);
    expect(noFile.stderr).toMatch(/missing required argument/);
    expect(fs.existsSync(path.join(tmp, 'unused', 'db'))).toBe(false);
  });

  it('imports a user-office file; an unknown field exits 1 naming its JSON pointer and changes nothing', async () => {
    const ok = await runCli(['import', good, '--json'], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ proposals: 1, sessions: 1, datasets: 1, files: 1 });
    const refused = await runCli(['import', bad], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('/proposals/0/sessions/0/datasets/0/files/0/checksum');
    expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('adds a staff user with a password from stdin and lists users as JSON', async () => {
    const add = await runCli(
      ['user', 'add', 'carol', '--role', 'staff', '--password-stdin'],
      env,
      'carols secret password\n',
    );
    expect(add.code, add.stderr).toBe(0);
    const list = await runCli(['user', 'list', '--json'], env);
    expect(list.code, list.stderr).toBe(0);
    const users = JSON.parse(list.stdout) as {
      username: string;
      role: string | null;
      hasPassword: boolean;
    }[];
    expect(users.find((u) => u.username === 'carol')).toMatchObject({ role: 'staff', hasPassword: true });
    // Imported users exist without a password until one is set.
    expect(users.find((u) => u.username === 'ada')).toMatchObject({ role: null, hasPassword: false });
    expect(list.stdout).not.toContain('carols secret password');
  });

  it('creates an API key printed alone on the last stdout line', async () => {
    const res = await runCli(['apikey', 'create', '--name', 'id16a-bliss', '--instrument', 'ID16A'], env);
    expect(res.code, res.stderr).toBe(0);
    key = lastLine(res.stdout);
    expect(key).toMatch(/^fbk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const dup = await runCli(['apikey', 'create', '--name', 'id16a-bliss'], env);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/exists already/);
  });

  it('serves that key and that password over HTTP, and refuses a second process on the held database at once', async () => {
    const port = 20000 + Math.floor(Math.random() * 30000);
    const serve = startCli(['serve', '--no-worker'], cliEnv(home, { PORT: String(port) }));
    let out = '';
    serve.stdout!.on('data', (d) => (out += d));
    serve.stderr!.on('data', (d) => (out += d));
    try {
      await new Promise<void>((resolve, reject) => {
        const check = setInterval(() => {
          if (out.includes('fairbeam is running at')) resolve(clearInterval(check));
          if (serve.exitCode !== null) reject(new Error(`serve exited: ${out}`));
        }, 100);
      });
      const base = `http://127.0.0.1:${port}`;
      const me = await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${key}` } });
      expect(await me.json()).toEqual({ kind: 'apikey', apiKey: 'id16a-bliss', instrumentId: 'ID16A' });
      const session = await fetch(`${base}/api/sessions/MX-2101-ID16A-2023-05-02`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(session.status).toBe(200);
      const login = await fetch(`${base}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'carol', password: 'carols secret password' }),
      });
      expect(await login.json()).toMatchObject({ username: 'carol', role: 'staff' });

      const second = await runCli(['user', 'list'], env, undefined, 60_000);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain('in use by "fairbeam serve"');
      expect(second.stderr).toContain(`pid ${serve.pid}`);
    } finally {
      serve.kill('SIGTERM');
      await new Promise((resolve) =>
        serve.exitCode !== null ? resolve(null) : serve.once('close', resolve),
      );
    }
    expect(fs.existsSync(path.join(home, 'db.lock'))).toBe(false);
  });

  it('releases embargoes as of a given time, as JSON, taking over a lock left by a process that died', async () => {
    // pid_max on Linux is at most 2^22: this pid cannot be running.
    fs.writeFileSync(path.join(home, 'db.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, command: 'serve' }));
    const res = await runCli(['policy', 'release', '--now', '2040-01-01T00:00:00Z', '--json'], env);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ released: ['MX-2101-ID16A-2023-05-02'] });
    expect(fs.existsSync(path.join(home, 'db.lock'))).toBe(false);
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)(
  'fairbeam CLI over PostgreSQL (DATABASE_URL)',
  { timeout: 300_000 },
  () => {
    const name = `fairbeam_cli_${randomBytes(5).toString('hex')}`;
    let url: string;
    const admin = () => new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    beforeAll(async () => {
      const c = admin();
      await c.connect();
      await c.query(`CREATE DATABASE ${name}`);
      await c.end();
      const u = new URL(process.env.TEST_DATABASE_URL!);
      u.pathname = `/${name}`;
      url = u.toString();
    });
    afterAll(async () => {
      const c = admin();
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    });

    it('migrates an empty database itself and imports into it', async () => {
      const file = path.join(os.tmpdir(), `${name}.json`);
      fs.writeFileSync(file, JSON.stringify(exampleDocument()));
      try {
        const res = await runCli(
          ['import', file, '--json'],
          cliEnv(path.join(os.tmpdir(), name), { DATABASE_URL: url }),
        );
        expect(res.code, res.stderr).toBe(0);
        expect(JSON.parse(res.stdout)).toMatchObject({ sessions: 1, datasets: 1 });
      } finally {
        fs.rmSync(file, { force: true });
      }
    });
  },
);
