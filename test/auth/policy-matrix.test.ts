import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seedWorld, type World } from '../helpers/world.ts';

/**
 * The embargo policy as a table: who sees the embargoed session EMB (on BL1) and the public session
 * PUB (on BL2) of the policy world, through every catalogue endpoint, by list, by count and by id.
 */
type CallerName = 'anonymous' | 'eve' | 'bob' | 'ada' | 'sam' | 'dora' | 'root' | 'bl1Key' | 'bl2Key';
type Sess = 'EMB' | 'PUB';

const SEES: Record<CallerName, Record<Sess, boolean>> = {
  anonymous: { EMB: false, PUB: true },
  eve: { EMB: false, PUB: true }, // a user with no membership
  bob: { EMB: true, PUB: true }, // member of EMB only
  ada: { EMB: true, PUB: true }, // PI of both
  sam: { EMB: true, PUB: true }, // staff
  dora: { EMB: true, PUB: true }, // data manager
  root: { EMB: true, PUB: true }, // admin
  bl1Key: { EMB: true, PUB: true }, // API key of EMB's instrument
  bl2Key: { EMB: false, PUB: true }, // API key of another instrument
};
const CALLERS = Object.keys(SEES) as CallerName[];
const SESSIONS: Sess[] = ['EMB', 'PUB'];
const visibleTo = (c: CallerName) => SESSIONS.filter((s) => SEES[c][s]);

type Item = Record<string, unknown>;
interface ListCase {
  url: string;
  /** The key of the item that stands for session `s` in this list. */
  keyOf(w: World, s: Sess): unknown;
  itemKey(item: Item): unknown;
}

/** Lists filtered by the policy: each session contributes exactly one item in the policy world. */
const POLICY_LISTS: ListCase[] = [
  { url: '/api/sessions', keyOf: (_w, s) => s, itemKey: (i) => i.id },
  { url: '/api/proposals', keyOf: (_w, s) => `P-${s}`, itemKey: (i) => i.id },
  { url: '/api/datasets', keyOf: (w, s) => w.pids[s], itemKey: (i) => i.pid },
  { url: '/api/samples', keyOf: (w, s) => w.samples[s], itemKey: (i) => i.id },
  {
    url: '/api/parameters',
    keyOf: (_w, s) => (s === 'EMB' ? 'photon_energy' : 'wavelength'),
    itemKey: (i) => i.name,
  },
];

interface ByIdCase {
  name: string;
  url(w: World, s: Sess): string;
  code: string;
}

const BY_ID: ByIdCase[] = [
  { name: 'session', url: (_w, s) => `/api/sessions/${s}`, code: 'session_not_found' },
  { name: 'proposal', url: (_w, s) => `/api/proposals/P-${s}`, code: 'proposal_not_found' },
  {
    name: 'dataset',
    url: (w, s) => `/api/datasets/${encodeURIComponent(w.pids[s])}`,
    code: 'dataset_not_found',
  },
  {
    name: 'dataset files',
    url: (w, s) => `/api/datasets/${encodeURIComponent(w.pids[s])}/files`,
    code: 'dataset_not_found',
  },
  {
    name: 'datafile',
    url: (w, s) => `/api/datafiles/${w.files[s === 'EMB' ? 'emb/data.h5' : 'pub/data.h5']}`,
    code: 'datafile_not_found',
  },
  { name: 'sample', url: (w, s) => `/api/samples/${w.samples[s]}`, code: 'sample_not_found' },
];

describe.each(dialects)('embargo policy matrix on %s', (dialect) => {
  let t: TestApp;
  let w: World;
  const headers = {} as Record<CallerName, Record<string, string>>;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    w = await seedWorld(t.services.database.db);
    headers.anonymous = {};
    for (const u of ['eve', 'bob', 'ada', 'sam', 'dora', 'root'] as const)
      headers[u] = { cookie: await t.login(u) };
    headers.bl1Key = { authorization: `Bearer ${w.bl1Key}` };
    headers.bl2Key = { authorization: `Bearer ${w.bl2Key}` };
  });
  afterAll(() => t.close());

  const get = async (url: string, caller: CallerName) => {
    const res = await t.app.inject({ url, headers: headers[caller] });
    return { status: res.statusCode, body: res.json() };
  };

  describe.each(POLICY_LISTS)('list $url', (list) => {
    it.each(CALLERS)('lists and counts exactly what %s may see', async (caller) => {
      const { status, body } = await get(`${list.url}?count=true`, caller);
      expect(status).toBe(200);
      const want = visibleTo(caller).map((s) => list.keyOf(w, s));
      expect(body.items.map(list.itemKey).sort()).toEqual([...want].sort());
      expect(body.total).toBe(want.length);
      expect(body.next).toBeNull();
    });
  });

  describe.each(BY_ID)('$name by id', (c) => {
    for (const caller of CALLERS) {
      for (const s of SESSIONS) {
        const allowed = SEES[caller][s];
        it(`${allowed ? 'shows' : 'hides (404)'} the ${s} ${c.name} to ${caller}`, async () => {
          const { status, body } = await get(c.url(w, s), caller);
          if (allowed) {
            expect(status).toBe(200);
          } else {
            expect(status).toBe(404);
            expect(body.code).toBe(c.code);
          }
        });
      }
    }
  });

  it.each(CALLERS)('shows the files of visible datasets, with counts, to %s', async (caller) => {
    for (const s of visibleTo(caller)) {
      const { body } = await get(`/api/datasets/${encodeURIComponent(w.pids[s])}/files?count=true`, caller);
      const want = s === 'EMB' ? ['emb/data.h5'] : ['pub/data.h5', 'pub/more.h5'];
      expect(body.items.map((f: Item) => f.path)).toEqual(want);
      expect(body.total).toBe(want.length);
    }
  });

  it.each(CALLERS)('answers a hidden id exactly like a missing one for %s', async (caller) => {
    for (const s of SESSIONS.filter((x) => !SEES[caller][x])) {
      const hidden = await get(`/api/sessions/${s}`, caller);
      const missing = await get('/api/sessions/NO-SUCH-SESSION', caller);
      expect(hidden.status).toBe(missing.status);
      expect(Object.keys(hidden.body).sort()).toEqual(Object.keys(missing.body).sort());
      expect(hidden.body.message.replace(s, 'X')).toBe(missing.body.message.replace('NO-SUCH-SESSION', 'X'));
    }
  });

  it.each(CALLERS)(
    'shows every instrument and technique to %s (facility facts, no embargo)',
    async (caller) => {
      const ins = await get('/api/instruments?count=true', caller);
      expect(ins.body.items.map((i: Item) => i.id)).toEqual(['BL1', 'BL2']);
      expect(ins.body.total).toBe(2);
      const tech = await get('/api/techniques', caller);
      expect(tech.status).toBe(200);
      expect(tech.body.items.map((i: Item) => i.id)).toEqual(
        expect.arrayContaining(['PaNET01164', 'PaNET01188']),
      );
    },
  );

  it.each(CALLERS)('lists in a proposal only the sessions %s may see', async (caller) => {
    for (const s of visibleTo(caller)) {
      const { body } = await get(`/api/proposals/P-${s}`, caller);
      expect(body.sessions).toEqual([s]);
    }
  });

  describe('filters combine with the policy', () => {
    const outsiders = CALLERS.filter((c) => !SEES[c].EMB);
    const insiders = CALLERS.filter((c) => SEES[c].EMB);
    const filtered = [
      '/api/datasets?session=EMB',
      '/api/datasets?instrument=BL1',
      '/api/datasets?proposal=P-EMB',
      '/api/datasets?technique=PaNET01164',
      '/api/datasets?q=emb_scan',
      '/api/sessions?instrument=BL1',
      '/api/sessions?proposal=P-EMB',
      '/api/sessions?public=false',
      '/api/sessions?q=lysozyme',
      '/api/proposals?q=lysozyme',
      '/api/proposals?instrument=BL1',
      '/api/samples?session=EMB',
      '/api/samples?q=secret',
      '/api/parameters?name=photon_energy',
    ];
    it.each(outsiders)('gives %s nothing, total 0, for filters that match only EMB', async (caller) => {
      for (const url of filtered) {
        const { status, body } = await get(`${url}&count=true`, caller);
        expect({ url, status, items: body.items, total: body.total }).toEqual({
          url,
          status: 200,
          items: [],
          total: 0,
        });
      }
      const params = await get(
        `/api/parameters?dataset=${encodeURIComponent(w.pids.EMB)}&count=true`,
        caller,
      );
      expect(params.body.total).toBe(0);
    });
    it.each(insiders)('gives %s the EMB items for the same filters', async (caller) => {
      for (const url of filtered) {
        const { body } = await get(`${url}&count=true`, caller);
        expect({ url, total: body.total }).toEqual({ url, total: 1 });
      }
    });
  });

  it('counts all visible items, not only the page', async () => {
    const { body } = await get('/api/sessions?count=true&limit=1', 'root');
    expect(body.items).toHaveLength(1);
    expect(body.total).toBe(2);
    const next = await get(`/api/sessions?count=true&limit=1&cursor=${body.next}`, 'root');
    expect(next.body.items).toHaveLength(1);
    expect(next.body.next).toBeNull();
  });

  it('never pages an outsider onto an embargoed item', async () => {
    const seen: string[] = [];
    let cursor = '';
    for (let i = 0; i < 5; i++) {
      const { body } = await get(`/api/datasets?limit=1${cursor}`, 'eve');
      seen.push(...body.items.map((d: Item) => d.pid as string));
      if (!body.next) break;
      cursor = `&cursor=${body.next}`;
    }
    expect(seen).toEqual([w.pids.PUB]);
  });

  it('marks what is public in the payload', async () => {
    const emb = await get('/api/sessions/EMB', 'ada');
    expect(emb.body).toMatchObject({ isPublic: false, releasedAt: null, license: 'CC-BY-4.0' });
    const pub = await get('/api/sessions/PUB', 'anonymous');
    expect(pub.body).toMatchObject({ isPublic: true });
  });
});

describe.each(dialects)('embargo release on %s', (dialect) => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    w = await seedWorld(t.services.database.db);
  });
  afterAll(() => t.close());

  const anonymousSessions = async () => (await t.app.inject('/api/sessions?count=true')).json();

  it('opens EMB to everyone once its release date has passed, then keeps it open once released', async () => {
    const { releaseExpiredEmbargoes } = await import('../../src/policy/release.ts');
    const db = t.services.database.db;
    expect((await anonymousSessions()).total).toBe(1);

    t.clock.set('2030-01-01T00:00:00Z');
    // Public by date alone, before any job ran: every endpoint agrees.
    expect((await anonymousSessions()).total).toBe(2);
    const ds = await t.app.inject(`/api/datasets/${encodeURIComponent(w.pids.EMB)}`);
    expect(ds.statusCode).toBe(200);
    expect(ds.json().isPublic).toBe(true);
    expect((await t.app.inject(`/api/datafiles/${w.files['emb/data.h5']}`)).statusCode).toBe(200);
    expect((await t.app.inject(`/api/samples/${w.samples.EMB}`)).statusCode).toBe(200);
    expect((await t.app.inject('/api/proposals/P-EMB')).statusCode).toBe(200);
    const bl2 = await t.app.inject({
      url: '/api/sessions/EMB',
      headers: { authorization: `Bearer ${w.bl2Key}` },
    });
    expect(bl2.statusCode).toBe(200);

    const released = await releaseExpiredEmbargoes(db, t.clock.now(), 'test:release');
    expect(released).toEqual(['EMB', 'PUB']);
    // Idempotent: a second run releases nothing and audits nothing new.
    expect(await releaseExpiredEmbargoes(db, t.clock.now(), 'test:release')).toEqual([]);
    const audits = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'session.release')
      .orderBy('target')
      .execute();
    expect(audits.map((a) => [a.actor, a.target])).toEqual([
      ['test:release', 'EMB'],
      ['test:release', 'PUB'],
    ]);
    expect(audits[0]!.details).toMatchObject({ releasedAt: '2030-01-01T00:00:00.000Z' });

    // Even if the clock goes back (or the release date is later moved), a released session stays public.
    t.clock.set('2026-06-01T00:00:00Z');
    const after = await anonymousSessions();
    expect(after.total).toBe(2);
    const emb = (await t.app.inject('/api/sessions/EMB')).json();
    expect(emb).toMatchObject({ isPublic: true, releasedAt: '2030-01-01T00:00:00.000Z' });
  });

  it('does not release sessions whose release date is still ahead', async () => {
    const { releaseExpiredEmbargoes } = await import('../../src/policy/release.ts');
    const db = t.services.database.db;
    await db
      .updateTable('session')
      .set({ release_date: new Date('2100-01-01T00:00:00Z') })
      .where('id', '=', 'EMB')
      .execute();
    const fresh = await startTestApp(dialect);
    try {
      await seedWorld(fresh.services.database.db);
      const ids = await releaseExpiredEmbargoes(
        fresh.services.database.db,
        new Date('2026-06-01T00:00:00Z'),
        'test',
      );
      expect(ids).toEqual(['PUB']);
      expect((await fresh.app.inject('/api/sessions/EMB')).statusCode).toBe(404);
    } finally {
      await fresh.close();
    }
  });
});
