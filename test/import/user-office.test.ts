import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { PASSWORD } from '../helpers/world.ts';
import { upsertLocalUser } from '../../src/auth/users.ts';
import type { Db } from '../../src/db/connect.ts';
import { exampleDocument } from './example.ts';

type Doc = ReturnType<typeof exampleDocument>;

const TABLES = [
  'facility',
  'instrument',
  'app_user',
  'proposal',
  'proposal_member',
  'session',
  'session_member',
  'sample',
  'dataset',
  'datafile',
  'parameter',
] as const;

async function rowCounts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) {
    const { n } = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    out[table] = Number(n);
  }
  return out;
}

describe.each(dialects)('user-office import on %s', (dialect) => {
  let t: TestApp;
  let rootCookie: string;
  let db: Db;
  beforeAll(async () => {
    t = await startTestApp(dialect, { now: new Date('2024-01-01T00:00:00Z') });
    db = t.services.database.db;
    await upsertLocalUser(db, { username: 'root', password: PASSWORD, role: 'admin' });
    await upsertLocalUser(db, { username: 'sam', password: PASSWORD, role: 'staff' });
    rootCookie = await t.login('root');
  });
  afterAll(() => t.close());
  beforeEach(() => t.clock.set('2024-01-01T00:00:00Z'));

  const post = (doc: unknown, cookie: string | undefined = rootCookie) =>
    t.app.inject({
      method: 'POST',
      url: '/api/import',
      payload: doc as object,
      headers: cookie ? { cookie } : {},
    });
  const pids = async () => await db.selectFrom('dataset').select(['pid', 'name']).orderBy('name').execute();

  it('imports the full example of the interface spec', async () => {
    const res = await post(exampleDocument());
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      facilities: 1,
      instruments: 1,
      users: 2,
      proposals: 1,
      sessions: 1,
      datasets: 1,
      files: 1,
    });

    const session = (
      await t.app.inject({ url: '/api/sessions/MX-2101-ID16A-2023-05-02', headers: { cookie: rootCookie } })
    ).json();
    expect(session).toMatchObject({
      proposalId: 'MX-2101',
      title: 'Lysozyme at high pressure',
      instrumentId: 'ID16A',
      start: '2023-05-02T08:00:00.000Z',
      end: '2023-05-05T08:00:00.000Z',
      releaseDate: '2026-05-05T08:00:00.000Z',
      isPublic: false,
    });
    expect(session.members).toEqual([
      {
        username: 'ada',
        fullName: 'Ada Lovelace',
        orcid: '0000-0002-1825-0097',
        affiliation: 'University X',
        role: 'principal_investigator',
      },
      { username: 'bob', fullName: 'Bob', orcid: null, affiliation: null, role: 'collaborator' },
    ]);
    const { pid } = (await pids())[0]!;
    expect(pid).toMatch(/^10\.5072\/fb-ds\.[0-9a-f]{12}$/);
    const ds = (
      await t.app.inject({ url: `/api/datasets/${encodeURIComponent(pid)}`, headers: { cookie: rootCookie } })
    ).json();
    expect(ds).toMatchObject({ name: 'scan_0001', sample: { name: 'lysozyme' }, size: 1024, fileCount: 1 });
    expect(ds.techniques).toEqual([{ id: 'PaNET01188', name: 'small angle x-ray scattering' }]);
    expect(ds.parameters).toEqual([
      expect.objectContaining({
        name: 'photon_energy',
        value: 12.4,
        unit: 'keV',
        siUnit: 'J',
        siValue: expect.closeTo(12.4e3 * 1.602176634e-19, 25),
      }),
    ]);
    const files = (
      await t.app.inject({
        url: `/api/datasets/${encodeURIComponent(pid)}/files`,
        headers: { cookie: rootCookie },
      })
    ).json();
    expect(files.items).toEqual([
      expect.objectContaining({
        path: 'scan_0001/data.h5',
        size: 1024,
        sha256: 'a'.repeat(64),
        state: 'online',
      }),
    ]);
  });

  it('re-imports idempotently: same row counts, same dataset pids', async () => {
    await post(exampleDocument());
    const before = await rowCounts(db);
    const pidsBefore = await pids();
    const again = await post(exampleDocument());
    expect(again.statusCode).toBe(200);
    expect(await rowCounts(db)).toEqual(before);
    expect(await pids()).toEqual(pidsBefore);
  });

  it('updates in place when a title, a release date or a file size changes', async () => {
    await post(exampleDocument());
    const pidsBefore = await pids();
    const counts = await rowCounts(db);
    const doc = exampleDocument();
    doc.proposals[0]!.title = 'Lysozyme at very high pressure';
    doc.proposals[0]!.sessions[0]!.releaseDate = '2027-01-01T00:00:00Z';
    doc.proposals[0]!.sessions[0]!.datasets[0]!.files[0]!.size = 2048;
    doc.proposals[0]!.sessions[0]!.datasets[0]!.parameters[0]!.value = 13;
    expect((await post(doc)).statusCode).toBe(200);
    expect(await rowCounts(db)).toEqual(counts);
    expect(await pids()).toEqual(pidsBefore);
    const s = await db
      .selectFrom('session')
      .innerJoin('proposal', 'proposal.id', 'session.proposal_id')
      .select(['proposal.title', 'session.release_date'])
      .executeTakeFirstOrThrow();
    expect(s.title).toBe('Lysozyme at very high pressure');
    expect(s.release_date.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    const d = await db.selectFrom('dataset').select(['size']).executeTakeFirstOrThrow();
    expect(Number(d.size)).toBe(2048);
    const p = await db.selectFrom('parameter').select(['value_number']).execute();
    expect(p.map((x) => x.value_number)).toEqual([13]);
    await post(exampleDocument());
  });

  describe('rejects unknown fields with 422 invalid_import naming the JSON pointer', () => {
    const cases: [string, (d: Doc) => void, string][] = [
      ['at the top', (d) => Object.assign(d, { extra: 1 }), '/extra'],
      ['in the facility', (d) => Object.assign(d.facility, { country: 'FR' }), '/facility/country'],
      ['in a user', (d) => Object.assign(d.users[1]!, { phone: '123' }), '/users/1/phone'],
      [
        'in a proposal member',
        (d) => Object.assign(d.proposals[0]!.members[0]!, { since: 2020 }),
        '/proposals/0/members/0/since',
      ],
      [
        'in a session',
        (d) => Object.assign(d.proposals[0]!.sessions[0]!, { doi: '10.1/x' }),
        '/proposals/0/sessions/0/doi',
      ],
      [
        'in a sample',
        (d) => Object.assign(d.proposals[0]!.sessions[0]!.samples[0]!, { mass: 1 }),
        '/proposals/0/sessions/0/samples/0/mass',
      ],
      [
        'in a parameter',
        (d) => Object.assign(d.proposals[0]!.sessions[0]!.datasets[0]!.parameters[0]!, { error: 0.1 }),
        '/proposals/0/sessions/0/datasets/0/parameters/0/error',
      ],
      [
        'in a file',
        (d) => Object.assign(d.proposals[0]!.sessions[0]!.datasets[0]!.files[0]!, { checksum: 'x' }),
        '/proposals/0/sessions/0/datasets/0/files/0/checksum',
      ],
      ['with a slash in its name', (d) => Object.assign(d.proposals[0]!, { 'a/b': 1 }), '/proposals/0/a~1b'],
    ];
    it.each(cases)('%s', async (_name, change, pointer) => {
      const doc = exampleDocument();
      change(doc);
      const res = await post(doc);
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'invalid_import', details: { pointer } });
      expect(res.json().message).toContain(pointer);
    });
  });

  describe('rejects wrong values and missing required fields with the pointer', () => {
    const cases: [string, (d: Doc) => void, string][] = [
      [
        'a role that does not exist',
        (d) => void (d.proposals[0]!.sessions[0]!.members[1]!.role = 'boss'),
        '/proposals/0/sessions/0/members/1/role',
      ],
      [
        'a start that is not a date-time',
        (d) => void (d.proposals[0]!.sessions[0]!.start = '2023-05-02'),
        '/proposals/0/sessions/0/start',
      ],
      [
        'an impossible date',
        (d) => void (d.proposals[0]!.sessions[0]!.releaseDate = '2026-02-29T00:00:00Z'),
        '/proposals/0/sessions/0/releaseDate',
      ],
      [
        'an uppercase sha256',
        (d) => void (d.proposals[0]!.sessions[0]!.datasets[0]!.files[0]!.sha256 = 'A'.repeat(64)),
        '/proposals/0/sessions/0/datasets/0/files/0/sha256',
      ],
      [
        'a negative size',
        (d) => void (d.proposals[0]!.sessions[0]!.datasets[0]!.files[0]!.size = -1),
        '/proposals/0/sessions/0/datasets/0/files/0/size',
      ],
      ['a malformed ORCID', (d) => void (d.users[0]!.orcid = '1234'), '/users/0/orcid'],
      [
        'a missing file path',
        (d) => void delete (d.proposals[0]!.sessions[0]!.datasets[0]!.files[0] as { path?: string }).path,
        '/proposals/0/sessions/0/datasets/0/files/0/path',
      ],
      [
        'a missing instrument',
        (d) => void delete (d.proposals[0]!.sessions[0] as { instrument?: string }).instrument,
        '/proposals/0/sessions/0/instrument',
      ],
      [
        'a missing dataset name',
        (d) => void delete (d.proposals[0]!.sessions[0]!.datasets[0] as { name?: string }).name,
        '/proposals/0/sessions/0/datasets/0/name',
      ],
      [
        'an empty session id',
        (d) => void (d.proposals[0]!.sessions[0]!.id = ''),
        '/proposals/0/sessions/0/id',
      ],
      [
        'a session ending before it starts',
        (d) => void (d.proposals[0]!.sessions[0]!.end = '2023-05-01T00:00:00Z'),
        '/proposals/0/sessions/0/end',
      ],
    ];
    it.each(cases)('%s', async (_name, change, pointer) => {
      const doc = exampleDocument();
      change(doc);
      const res = await post(doc);
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'invalid_import', details: { pointer } });
    });
  });

  describe('rejects references to unknown things with the pointer', () => {
    const cases: [string, (d: Doc) => void, string][] = [
      [
        'an unknown instrument',
        (d) => void (d.proposals[0]!.sessions[0]!.instrument = 'ID99'),
        '/proposals/0/sessions/0/instrument',
      ],
      [
        'an unknown session member',
        (d) => void (d.proposals[0]!.sessions[0]!.members[1]!.username = 'zed'),
        '/proposals/0/sessions/0/members/1/username',
      ],
      [
        'an unknown proposal member',
        (d) => void (d.proposals[0]!.members[0]!.username = 'zed'),
        '/proposals/0/members/0/username',
      ],
      [
        'an unknown sample',
        (d) => void (d.proposals[0]!.sessions[0]!.datasets[0]!.sample = 'S9'),
        '/proposals/0/sessions/0/datasets/0/sample',
      ],
      ['an unknown facility', (d) => void (d.instruments[0]!.facility = 'ILL'), '/instruments/0/facility'],
    ];
    it.each(cases)('%s', async (_name, change, pointer) => {
      const doc = exampleDocument();
      change(doc);
      const res = await post(doc);
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'invalid_import', details: { pointer } });
    });
  });

  it('moves no session to another proposal', async () => {
    await post(exampleDocument());
    const doc = exampleDocument();
    doc.proposals.push({ ...doc.proposals[0]!, id: 'MX-9999' });
    const res = await post(doc);
    expect(res.statusCode).toBe(422);
    expect(res.json().details).toEqual({ pointer: '/proposals/1/sessions/0/id' });
    expect(
      await db.selectFrom('proposal').select('id').where('id', '=', 'MX-9999').executeTakeFirst(),
    ).toBeUndefined();
  });

  it('runs in one transaction: a document failing late leaves nothing behind, not even its valid first part', async () => {
    await post(exampleDocument());
    const before = await rowCounts(db);
    const titleBefore = (
      await db.selectFrom('proposal').select('title').where('id', '=', 'MX-2101').executeTakeFirstOrThrow()
    ).title;
    const doc = exampleDocument();
    doc.facility = { name: 'ILL', fullName: 'Institut Laue-Langevin' };
    doc.instruments.push({ id: 'D22', name: 'D22', facility: 'ILL', techniques: [] });
    doc.users.push({ username: 'carol', fullName: 'Carol' });
    doc.proposals[0]!.title = 'changed by a failing import';
    doc.proposals.push({
      id: 'NEW-1',
      title: 'new',
      summary: '',
      members: [],
      sessions: [
        {
          ...doc.proposals[0]!.sessions[0]!,
          id: 'NEW-1-S',
          datasets: [{ ...doc.proposals[0]!.sessions[0]!.datasets[0]!, sample: 'NOPE' }],
        },
      ],
    });
    const res = await post(doc);
    expect(res.statusCode).toBe(422);
    expect(res.json().details.pointer).toBe('/proposals/1/sessions/0/datasets/0/sample');
    expect(await rowCounts(db)).toEqual(before);
    expect(
      (await db.selectFrom('proposal').select('title').where('id', '=', 'MX-2101').executeTakeFirstOrThrow())
        .title,
    ).toBe(titleBefore);
  });

  it('defaults the release date to the end plus three years', async () => {
    const doc = exampleDocument();
    const s = doc.proposals[0]!.sessions[0]! as { releaseDate?: string; id: string };
    delete s.releaseDate;
    s.id = 'DEFAULT-RELEASE';
    expect((await post(doc)).statusCode).toBe(200);
    const row = await db
      .selectFrom('session')
      .select('release_date')
      .where('id', '=', 'DEFAULT-RELEASE')
      .executeTakeFirstOrThrow();
    expect(row.release_date.toISOString()).toBe('2026-05-05T08:00:00.000Z');
  });

  it('makes a session with a past release date public at once, before any release job', async () => {
    const doc = exampleDocument();
    doc.proposals[0]!.id = 'OLD-1';
    doc.proposals[0]!.sessions[0]!.id = 'OLD-1-S';
    doc.proposals[0]!.sessions[0]!.releaseDate = '2023-12-31T00:00:00Z';
    expect((await post(doc)).statusCode).toBe(200);
    const anon = await t.app.inject('/api/sessions/OLD-1-S');
    expect(anon.statusCode).toBe(200);
    expect(anon.json()).toMatchObject({ isPublic: true, releasedAt: null });
    expect((await t.app.inject('/api/proposals/OLD-1')).statusCode).toBe(200);
    // ... while the embargoed example stays hidden from anonymous users
    expect((await t.app.inject('/api/sessions/MX-2101-ID16A-2023-05-02')).statusCode).toBe(404);
  });

  it('lets only admins import: 401 anonymous, 403 staff and API-key software', async () => {
    const anon = await post(exampleDocument(), '');
    expect(anon.statusCode).toBe(401);
    expect(anon.json().code).toBe('unauthenticated');
    const staff = await post(exampleDocument(), await t.login('sam'));
    expect(staff.statusCode).toBe(403);
    expect(staff.json().code).toBe('forbidden');
  });

  it('audits every import with the admin who ran it', async () => {
    const before = await db
      .selectFrom('audit_log')
      .select('id')
      .where('action', '=', 'catalogue.import')
      .execute();
    expect((await post(exampleDocument())).statusCode).toBe(200);
    const after = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'catalogue.import')
      .orderBy('id')
      .execute();
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)).toMatchObject({
      actor: 'user:root',
      details: expect.objectContaining({ sessions: 1 }),
    });
    // A refused import is not audited as one.
    await post({ bogus: true });
    expect(
      await db.selectFrom('audit_log').select('id').where('action', '=', 'catalogue.import').execute(),
    ).toHaveLength(after.length);
  });

  it('imports a document with only optional parts missing', async () => {
    const res = await post({
      instruments: [{ id: 'BARE', facility: 'ESRF' }],
      users: [{ username: 'minimal' }],
      proposals: [
        {
          id: 'BARE-1',
          sessions: [
            {
              id: 'BARE-1-S',
              instrument: 'BARE',
              start: '2023-01-01T00:00:00Z',
              end: '2023-01-01T00:00:00Z',
              datasets: [{ name: 'd', files: [{ path: 'f' }] }],
            },
          ],
        },
      ],
    });
    expect(res.statusCode).toBe(200);
    const row = await db
      .selectFrom('session')
      .innerJoin('proposal', 'proposal.id', 'session.proposal_id')
      .select(['proposal.title', 'proposal.summary'])
      .where('session.id', '=', 'BARE-1-S')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ title: '', summary: '' });
  });
});
