import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { NOW, seedWorld, type World } from '../helpers/world.ts';
import { importCatalogue } from '../../src/catalogue/import/run.ts';
import { tempRoot } from '../ingest/trees.ts';
import { auditOf, EMB_RELEASE, releasePassAt } from './helpers.ts';

// Acceptance: the embargo seen from every door at once, with the clock fixed before and after the
// release date, and through the extension and early-release flows. Each test gets a session of its
// own, like EMB of the policy world (ended 2026-01-05, embargoed until 2029-01-05, ada PI, bob
// collaborator) with its own proposal, sample, DOI, a dataset with a real file on disk and a
// logbook entry; counts are checked against the lists they count, since other tests' sessions
// share the database.

const BYTES = 'embargoed bytes\n';
const JUST_BEFORE = new Date(Date.parse(EMB_RELEASE) - 1).toISOString();

describe.each(dialects)('embargo visibility, before and after release (%s)', (dialect) => {
  let t: TestApp;
  let w: World;
  let root: ReturnType<typeof tempRoot>;
  const cookies: Record<string, string> = {};

  beforeAll(async () => {
    root = tempRoot('fb-visibility-');
    t = await startTestApp(dialect, { env: { FAIRBEAM_DATA_ROOTS: root.dir } });
    w = await seedWorld(t.services.database.db);
    await releasePassAt(t, NOW.toISOString()); // the job has been running: PUB released, DOIs drafted
  });
  afterAll(async () => {
    await t?.close();
    root?.remove();
  });

  /** Logs users in at the clock's time (a session cookie lasts 12 hours of that clock). */
  const loginAs = async (...users: string[]) => {
    for (const u of users) cookies[u] = await t.login(u);
  };
  const headers = (who?: string) => (who ? { cookie: cookies[who]! } : {});
  const get = (url: string, who?: string) => t.app.inject({ url, headers: headers(who) });
  const post = (url: string, who: string | undefined, payload: object) =>
    t.app.inject({ method: 'POST', url, payload, headers: headers(who) });
  const writeLogbook = (lb: string, who: string, text: string) =>
    post(`/api/logbooks/${lb}/events`, who, { content: { format: 'plainText', text } });

  interface Embargoed {
    id: string;
    proposal: string;
    pid: string;
    fileId: number;
    sampleId: number;
    logbook: string;
    doi: string;
  }

  /** A session like EMB, imported as the user office would, with data registered by BL1's software. */
  async function embargoedSession(id: string): Promise<Embargoed> {
    t.clock.set(NOW);
    await loginAs('ada', 'sam', 'dora');
    const db = t.services.database.db;
    const proposal = `P-${id}`;
    await importCatalogue(
      db,
      {
        facility: { name: 'TF', fullName: 'Test Facility' },
        users: [
          { username: 'ada', fullName: 'ADA' },
          { username: 'bob', fullName: 'BOB' },
        ],
        proposals: [
          {
            id: proposal,
            title: `Embargoed study ${id}`,
            summary: 'secret',
            members: [{ username: 'ada', role: 'principal_investigator' }],
            sessions: [
              {
                id,
                instrument: 'BL1',
                start: '2026-01-01T00:00:00Z',
                end: '2026-01-05T00:00:00Z',
                members: [
                  { username: 'ada', role: 'principal_investigator' },
                  { username: 'bob', role: 'collaborator' },
                ],
                samples: [{ id: `S-${id}`, name: `sample of ${id}` }],
              },
            ],
          },
        ],
      },
      { doiPrefix: '10.5072', embargoYears: 3 },
    );
    const dir = path.join(root.dir, id);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'frame.dat'), BYTES);
    const reg = await t.app.inject({
      method: 'POST',
      url: '/api/datasets',
      headers: { authorization: `Bearer ${w.bl1Key}` },
      payload: { session: id, name: `${id}_run`, directory: dir },
    });
    expect(reg.statusCode, reg.body).toBeLessThan(300);
    const pid = reg.json().pid as string;
    const files = await get(`/api/datasets/${encodeURIComponent(pid)}/files`, 'ada');
    const session = await db
      .selectFrom('session')
      .select(['doi', 'release_date'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(session.release_date.toISOString()).toBe(EMB_RELEASE);
    const sample = await db
      .selectFrom('sample')
      .select('id')
      .where('session_id', '=', id)
      .executeTakeFirstOrThrow();
    const logbook = (await get(`/api/sessions/${id}/logbook`, 'sam')).json().id as string;
    expect((await writeLogbook(logbook, 'ada', 'beam aligned')).statusCode).toBe(201);
    return {
      id,
      proposal,
      pid,
      fileId: files.json().items[0].id,
      sampleId: Number(sample.id),
      logbook,
      doi: session.doi!,
    };
  }

  /** Everything about session `s` that `who` (anonymous when undefined) can reach, door by door. */
  async function seenBy(s: Embargoed, who?: string) {
    const list = async (url: string, key: string, me = who) => {
      const r = (await get(url, me)).json() as { items: Record<string, unknown>[]; total?: number };
      return { ids: r.items.map((i) => i[key]), total: r.total };
    };
    const sessions = await list('/api/sessions?count=true&limit=1000', 'id');
    const datasets = await list('/api/datasets?count=true&limit=1000', 'pid');
    const proposals = await list('/api/proposals?limit=1000', 'id');
    const content = await get(`/api/datafiles/${s.fileId}/content`, who);
    const lb = await get(`/api/logbooks/${s.logbook}`, who);
    const events = lb.statusCode === 200 ? await get(`/api/logbooks/${s.logbook}/events`, who) : undefined;
    const panosc = (await get('/panosc/api/datasets?filter={"limit":1000}')).json() as { pid: string }[];
    const panoscCount = (await get('/panosc/api/datasets/count')).json().count;
    const host = new URL(t.services.config.baseUrl).hostname;
    const oai = await get(`/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:${host}:${s.doi}`);
    return {
      sessionListed: sessions.ids.includes(s.id),
      // The policy is one SQL predicate: counts always agree with the lists they count.
      sessionCountAgrees: sessions.total === sessions.ids.length,
      session: (await get(`/api/sessions/${s.id}`, who)).statusCode,
      proposalListed: proposals.ids.includes(s.proposal),
      proposal: (await get(`/api/proposals/${s.proposal}`, who)).statusCode,
      datasetListed: datasets.ids.includes(s.pid),
      datasetCountAgrees: datasets.total === datasets.ids.length,
      dataset: (await get(`/api/datasets/${encodeURIComponent(s.pid)}`, who)).statusCode,
      datasetFiles: (await get(`/api/datasets/${encodeURIComponent(s.pid)}/files`, who)).statusCode,
      datafile: (await get(`/api/datafiles/${s.fileId}`, who)).statusCode,
      content: content.statusCode === 200 ? content.body : content.statusCode,
      zip: (await post('/api/downloads', who, { datasets: [s.pid], format: 'zip' })).statusCode,
      sample: (await get(`/api/samples/${s.sampleId}`, who)).statusCode,
      logbook: lb.statusCode === 200 ? lb.json().state : lb.statusCode,
      logbookEvents: events?.json().items.map((e: { content: { text?: string } }) => e.content.text),
      panoscListed: panosc.some((d) => d.pid === s.pid),
      panoscCountAgrees: panoscCount === panosc.length,
      panoscDataset: (await get(`/panosc/api/datasets/${encodeURIComponent(s.pid)}`)).statusCode,
      oai: /idDoesNotExist/.test(oai.body)
        ? 'idDoesNotExist'
        : /<GetRecord>/.test(oai.body)
          ? 'record'
          : oai.body,
    };
  }

  const HIDDEN = {
    sessionListed: false,
    sessionCountAgrees: true,
    session: 404,
    proposalListed: false,
    proposal: 404,
    datasetListed: false,
    datasetCountAgrees: true,
    dataset: 404,
    datasetFiles: 404,
    datafile: 404,
    content: 404,
    zip: 404,
    sample: 404,
    logbook: 404,
    logbookEvents: undefined,
    panoscListed: false,
    panoscCountAgrees: true,
    panoscDataset: 404,
    oai: 'idDoesNotExist',
  };
  const PUBLIC = {
    ...HIDDEN,
    sessionListed: true,
    session: 200,
    proposalListed: true,
    proposal: 200,
    datasetListed: true,
    dataset: 200,
    datasetFiles: 200,
    datafile: 200,
    content: BYTES,
    zip: 200,
    sample: 200,
    logbook: 'frozen',
    logbookEvents: ['beam aligned'],
    panoscListed: true,
    panoscDataset: 200,
    oai: 'record',
  };
  /** What members and staff see during the embargo: everything, through the native API only. */
  const INSIDER = {
    ...PUBLIC,
    logbook: 'open',
    panoscListed: false,
    panoscDataset: 404,
    oai: 'idDoesNotExist',
  };

  it('hides a session from anonymous users and outsiders at every door until the last millisecond of the embargo', async () => {
    const s = await embargoedSession('VIS-BEFORE');
    await releasePassAt(t, JUST_BEFORE);
    await loginAs('ada', 'bob', 'eve', 'sam');
    expect(await seenBy(s)).toEqual(HIDDEN);
    expect(await seenBy(s, 'eve')).toEqual(HIDDEN);
    expect(await seenBy(s, 'ada')).toEqual(INSIDER);
    expect(await seenBy(s, 'sam')).toEqual(INSIDER);
    expect((await writeLogbook(s.logbook, 'bob', 'still open')).statusCode).toBe(201);
  });

  it('opens a session at every door at its release date, before any job runs, and freezes its logbook', async () => {
    const s = await embargoedSession('VIS-AT');
    t.clock.set(EMB_RELEASE);
    await loginAs('ada', 'eve');
    expect(await seenBy(s)).toEqual(PUBLIC);
    expect(await seenBy(s, 'eve')).toEqual(PUBLIC);
    const frozen = await writeLogbook(s.logbook, 'ada', 'too late');
    expect(frozen.statusCode).toBe(403);
    expect(frozen.json().code).toBe('logbook_frozen');
    expect((await get(`/api/sessions/${s.id}`)).json()).toMatchObject({
      isPublic: true,
      releasedAt: null,
      license: 'CC-BY-4.0',
      doi: s.doi,
    });
  });

  it('keeps a session public once the job has stored its release; the job acts on it once however often it runs', async () => {
    const s = await embargoedSession('VIS-JOB');
    expect((await releasePassAt(t, '2029-01-05T00:15:00Z')).released).toContain(s.id);
    for (const at of ['2029-01-05T00:30:00Z', '2029-01-05T00:45:00Z', '2029-02-01T00:00:00Z']) {
      const again = await releasePassAt(t, at);
      expect(again.released).not.toContain(s.id);
      expect(again.dois.registered.map((r) => r.doi)).not.toContain(s.doi);
    }
    expect(await auditOf(t, 'session.release', s.id)).toHaveLength(1);
    expect(await auditOf(t, 'doi.publish', s.id)).toHaveLength(1);
    expect(await auditOf(t, 'doi.assign', s.id)).toHaveLength(1);
    // Stored: even a clock set back (an operator's mistake) cannot hide released data again.
    t.clock.set(NOW);
    expect(await seenBy(s)).toEqual(PUBLIC);
  });

  it('keeps a session hidden past its old release date after an approved extension, and opens it at the new one', async () => {
    const s = await embargoedSession('VIS-EXT');
    const asked = await post(`/api/sessions/${s.id}/policy-requests`, 'ada', {
      kind: 'extension',
      releaseDate: '2030-03-01T00:00:00Z',
      reason: 'patent filing',
    });
    expect(asked.statusCode, asked.body).toBe(201);
    const decided = await post(`/api/policy-requests/${asked.json().id}/approve`, 'dora', { note: 'ok' });
    expect(decided.json()).toMatchObject({ status: 'approved', releaseDate: '2030-03-01T00:00:00.000Z' });

    expect((await releasePassAt(t, '2029-06-01T00:00:00Z')).released).not.toContain(s.id);
    await loginAs('eve');
    expect(await seenBy(s)).toEqual(HIDDEN);
    expect(await seenBy(s, 'eve')).toEqual(HIDDEN);
    expect((await releasePassAt(t, '2030-03-01T00:00:00Z')).released).toContain(s.id);
    expect(await seenBy(s)).toEqual(PUBLIC);
    for (const action of ['policy_request.create', 'policy_request.approve', 'session.embargo_extend'])
      expect(await auditOf(t, action, s.id)).toHaveLength(1);
    expect(await auditOf(t, 'session.release', s.id)).toHaveLength(1);
  });

  it('opens a session at once on an approved early release; the job then has nothing left to do for it', async () => {
    const s = await embargoedSession('VIS-EARLY');
    const asked = await post(`/api/sessions/${s.id}/policy-requests`, 'ada', {
      kind: 'early_release',
      reason: 'published',
    });
    expect(asked.statusCode, asked.body).toBe(201);
    expect(await seenBy(s)).toEqual(HIDDEN); // asking alone changes nothing
    expect((await post(`/api/policy-requests/${asked.json().id}/approve`, 'dora', {})).statusCode).toBe(200);
    expect(await seenBy(s)).toEqual(PUBLIC);
    const doi = await t.services.database.db
      .selectFrom('local_doi')
      .select('state')
      .where('doi', '=', s.doi)
      .executeTakeFirstOrThrow();
    expect(doi.state).toBe('findable');
    const again = await releasePassAt(t, '2026-06-01T00:15:00Z');
    expect(again.released).not.toContain(s.id);
    expect(again.dois.registered.map((r) => r.doi)).not.toContain(s.doi);
    expect(await auditOf(t, 'doi.publish', s.id)).toHaveLength(1);
    expect(await auditOf(t, 'session.release', s.id)).toHaveLength(1);
  });

  it('keeps a session hidden after a rejected early release', async () => {
    const s = await embargoedSession('VIS-REJECT');
    const asked = await post(`/api/sessions/${s.id}/policy-requests`, 'ada', {
      kind: 'early_release',
      reason: 'why not',
    });
    const rejected = await post(`/api/policy-requests/${asked.json().id}/reject`, 'dora', {
      note: 'no paper yet',
    });
    expect(rejected.json()).toMatchObject({ status: 'rejected', decisionNote: 'no paper yet' });
    expect(await seenBy(s)).toEqual(HIDDEN);
  });
});
