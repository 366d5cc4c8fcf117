import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seedWorld, type World } from '../helpers/world.ts';
import { ingest, tempDir, writeDataset } from '../tape/setup.ts';
import { packTree } from '../../src/archive/packing/pack.ts';
import { recordPack } from '../../src/archive/packs/record.ts';

const URL = '/api/admin/archive/sessions/EMB/containers';

describe.each(dialects)('GET /api/admin/archive/sessions/:id/containers (%s)', (dialect) => {
  let t: TestApp;
  let world: World;
  let root: string;
  let out: string;
  const cookies: Record<string, string> = {};
  const get = (url: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url, headers });

  beforeAll(async () => {
    root = tempDir('fb-session-containers-');
    t = await startTestApp(dialect);
    world = await seedWorld(t.services.database.db);
    const dir = writeDataset(path.join(root, 'data'), 6, 30_000).dir;
    await ingest(t.services.database.db, dir);
    out = path.join(root, 'out');
    const settings = { targetSize: 20_000, largeFileThreshold: 20_000 };
    const result = await packTree({ root: dir, outDir: out, session: 'EMB', workers: 1, ...settings });
    await recordPack(t.services.database.db, result, settings);
    for (const u of ['ada', 'eve', 'sam', 'dora', 'root']) cookies[u] = await t.login(u);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('shows staff, data managers and admins the containers and own tape files of a session', async () => {
    for (const who of ['sam', 'dora', 'root']) {
      const res = await get(URL, { cookie: cookies[who]! });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.session).toBe('EMB');
      expect(body.packs).toHaveLength(1);
      expect(body.packs[0]).toMatchObject({ outDir: out, files: 6, problems: [] });
      expect(body.packs[0].containers.length).toBeGreaterThan(1);
      expect(body.packs[0].containers[0]).toMatchObject({
        name: 'EMB-00001.h5',
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        created: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(
        body.packs[0].containers.reduce((n: number, c: { datafiles: number }) => n + c.datafiles, 0),
      ).toBe(6);
      expect(body.packs[0].ownTapeFiles).toEqual([
        { path: 'large.bin', size: 30_000, reason: 'large', datafileId: expect.any(Number) },
      ]);
    }
    const empty = await get('/api/admin/archive/sessions/PUB/containers', { cookie: cookies.sam! });
    expect(empty.json()).toEqual({ session: 'PUB', packs: [] });
  });

  it('answers 401 to anonymous callers and 403 to members, outsiders and instrument keys', async () => {
    const anonymous = await get(URL);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ code: 'unauthenticated', message: expect.any(String) });
    const callers: Record<string, string>[] = [
      { cookie: cookies.ada! }, // a member of EMB: the session page is theirs, the archive record is not
      { cookie: cookies.eve! },
      { authorization: `Bearer ${world.bl1Key}` },
    ];
    for (const headers of callers) {
      const res = await get(URL, headers);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'forbidden', message: expect.stringContaining('staff') });
    }
  });

  it('answers 404 with a stable code for a session that does not exist', async () => {
    const res = await get('/api/admin/archive/sessions/NOPE/containers', { cookie: cookies.dora! });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 'session_not_found', message: 'No session "NOPE"' });
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await get('/api/openapi.json')).json();
    const op = doc.paths['/api/admin/archive/sessions/{id}/containers'].get;
    expect(op.tags).toEqual(['tape']);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '404']));
    expect(JSON.stringify(op.responses['200'])).toContain('ownTapeFiles');
  });
});
