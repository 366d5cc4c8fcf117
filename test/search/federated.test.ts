import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { importCatalogue } from '../../src/catalogue/import/run.ts';
import { installErrorHandling } from '../../src/http/errors.ts';
import { federatedRoutes } from '../../src/search/federated/routes.ts';
import { loadConfig } from '../../src/config.ts';
import { panoscUrl, seedSearchWorld, type SearchWorld } from './world.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/panosc/api`;
}
function tinyServer(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/panosc/api`,
        close: () => new Promise<void>((done) => (server.closeAllConnections(), server.close(() => done()))),
      }),
    ),
  );
}

// Two real fairbeam apps on loopback (B mirrors one of A's datasets under the same pid), one provider
// that answers too late and one that fails. Only `fedSlow` asks the slow one, with a short deadline;
// `fed` has a deadline loose enough for a loaded CI machine, so its answers do not depend on timing.
describe('federated PaNOSC search', () => {
  let a: TestApp;
  let b: TestApp;
  let w: SearchWorld;
  let urlA: string;
  let urlB: string;
  let slow: Awaited<ReturnType<typeof tinyServer>>;
  let failing: Awaited<ReturnType<typeof tinyServer>>;
  let fed: FastifyInstance;
  let fedSlow: FastifyInstance;
  beforeAll(async () => {
    [a, b] = await Promise.all([startTestApp('pglite'), startTestApp('pglite')]);
    w = await seedSearchWorld(a.services.database.db);
    await importCatalogue(
      b.services.database.db,
      {
        facility: { name: 'OF', fullName: 'Other Facility' },
        instruments: [{ id: 'OBL', name: 'Other beamline' }],
        proposals: [
          {
            id: 'P-OTH',
            title: 'Copper foil references',
            sessions: [
              {
                id: 'OTH',
                instrument: 'OBL',
                start: '2018-01-01T00:00:00Z',
                end: '2018-01-02T00:00:00Z',
                datasets: [{ name: 'oth_1', title: 'Copper foil reference' }],
              },
            ],
          },
        ],
      },
      { doiPrefix: '10.5072', embargoYears: 3 },
    );
    await sql`INSERT INTO dataset (pid, session_id, name, title) VALUES (${w.pids.xas_1}, 'OTH', 'mirror', 'Copper K-edge scan')`.execute(
      b.services.database.db,
    );
    [urlA, urlB] = await Promise.all([listen(a.app), listen(b.app)]);
    slow = await tinyServer(
      (_req, res) =>
        void setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('[]'), 8000),
    );
    failing = await tinyServer(
      (_req, res) => void res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}'),
    );
    const federation = async (providers: string[], timeoutMs: number) => {
      const app = Fastify();
      installErrorHandling(app);
      await app.register(federatedRoutes({ providers, timeoutMs }), { prefix: '/federated/api' });
      await app.ready();
      return app;
    };
    fed = await federation([urlA, urlB, failing.url], 10_000);
    fedSlow = await federation([urlA, urlB, slow.url, failing.url], 2500);
  });
  afterAll(async () => {
    await Promise.all([fed?.close(), fedSlow?.close()]);
    await Promise.all([slow?.close(), failing?.close(), a?.close(), b?.close()]);
  });
  const get = (path: string, params: Record<string, unknown> = {}) =>
    fed.inject({ method: 'GET', url: panoscUrl(path, params).replace('/panosc/api', '/federated/api') });

  it('merges the lists of the providers that answer, tagged with their provider, without waiting for slow ones', async () => {
    await get('Datasets'); // warm both providers up: the deadline is about the slow one
    const started = Date.now();
    const res = await fedSlow.inject({ method: 'GET', url: '/federated/api/Datasets' });
    expect(Date.now() - started).toBeLessThan(7000);
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-federated-providers']).toBe(`${urlA}, ${urlB}`);
    expect(res.headers['x-federated-failed']).toBe(`${slow.url}, ${failing.url}`);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const items: Json[] = res.json();
    expect(items.filter((d) => d.provider === urlA)).toHaveLength(4);
    expect(items.filter((d) => d.provider === urlB).map((d) => d.title)).toEqual(['Copper foil reference']); // the mirror is a duplicate
    expect(new Set(items.map((d) => d.pid)).size).toBe(items.length);
  });

  it('orders by score across providers and keeps one item per pid', async () => {
    const items: Json[] = (await get('datasets', { query: 'copper' })).json();
    expect(items.map((d) => d.score)).toEqual([...items.map((d) => d.score)].sort((x, y) => y - x));
    for (const d of items) (expect(d.score).toBeGreaterThan(0), expect(d.score).toBeLessThanOrEqual(1));
    expect(items.filter((d) => d.pid === w.pids.xas_1)).toHaveLength(1);
    expect(items.map((d) => d.title).sort()).toEqual([
      'Copper K-edge scan',
      'Copper L-edge scan',
      'Copper foil reference',
    ]);
    const page = (await get('datasets', { query: 'copper', filter: { limit: 1, skip: 1 } })).json();
    expect(page).toEqual([items[1]]);
  });

  it('sums counts of the providers that answer', async () => {
    const res = await get('datasets/count');
    expect(res.json()).toEqual({ count: 4 + 2 });
    expect((await get('documents/count', { query: 'copper' })).json()).toEqual({ count: 2 });
  });

  it('finds one item by pid at the first provider that has it, or answers 404', async () => {
    const res = await fed.inject({
      method: 'GET',
      url: `/federated/api/datasets/${encodeURIComponent(w.pids.xas_1)}`,
    });
    expect(res.json()).toMatchObject({ pid: w.pids.xas_1, provider: urlA });
    const files = await fed.inject({
      method: 'GET',
      url: `/federated/api/datasets/${encodeURIComponent(w.pids.xas_1)}/files`,
    });
    expect(files.json().map((f: Json) => [f.name, f.provider])).toEqual([
      ['file1.h5', urlA],
      ['file2.h5', urlA],
    ]);
    expect((await fed.inject({ method: 'GET', url: '/federated/api/instruments/OBL' })).json()).toMatchObject(
      { pid: 'OBL', provider: urlB },
    );
    expect((await fed.inject({ method: 'GET', url: '/federated/api/datasets/nope' })).statusCode).toBe(404);
  });

  it('answers 400 when the filter is bad for everyone, and refuses pages beyond what providers return', async () => {
    const res = await get('datasets', { filter: { include: [{ relation: 'proposals' }] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/unknown relation "proposals"/);
    expect((await get('datasets', { filter: '{oops' })).statusCode).toBe(400);
    expect((await get('datasets', { filter: { skip: 990, limit: 20 } })).statusCode).toBe(400);
  });

  it('is wired into the app from FAIRBEAM_FEDERATED_PROVIDERS', async () => {
    expect(loadConfig({ FAIRBEAM_FEDERATED_PROVIDERS: `${urlA}/, ${urlB}` }).federatedProviders).toEqual([
      urlA,
      urlB,
    ]);
    expect(() => loadConfig({ FAIRBEAM_FEDERATED_PROVIDERS: 'ftp://x' })).toThrow(/not http/);
    const app = await startTestApp('pglite', { env: { FAIRBEAM_FEDERATED_PROVIDERS: `${urlA} ${urlB}` } });
    try {
      const res = await app.app.inject({ method: 'GET', url: '/federated/api/Datasets/count' });
      expect(res.json()).toEqual({ count: 6 });
      expect(res.headers['x-federated-providers']).toBe(`${urlA}, ${urlB}`);
    } finally {
      await app.close();
    }
  });
});
