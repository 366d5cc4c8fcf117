import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { NOW, seedWorld, type World } from '../helpers/world.ts';
import { tempRoot } from '../ingest/trees.ts';
import { auditOf, EMB_DOI, EMB_RELEASE, releasePassAt } from './helpers.ts';

// Acceptance: the embargo seen from every door at once, with the clock fixed before and after the
// release date, and through the extension and early-release flows. Each test starts from the policy
// world (EMB embargoed until 2029-01-05, ada PI, bob collaborator) plus a dataset of EMB with a
// real file on disk and a logbook entry.

const BYTES = 'embargoed bytes\n';
const JUST_BEFORE = new Date(Date.parse(EMB_RELEASE) - 1).toISOString();

describe.each(dialects)('embargo visibility, before and after release (%s)', (dialect) => {
  let t: TestApp;
  let w: World;
  let root: ReturnType<typeof tempRoot>;
  let pid: string;
  let fileId: number;
  const cookies: Record<string, string> = {};

  beforeEach(async () => {
    root = tempRoot('fb-visibility-');
    t = await startTestApp(dialect, { env: { FAIRBEAM_DATA_ROOTS: root.dir } });
    w = await seedWorld(t.services.database.db);
    await loginAll();
    const dir = path.join(root.dir, 'emb-run');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'frame.dat'), BYTES);
    const reg = await t.app.inject({
      method: 'POST',
      url: '/api/datasets',
      headers: { authorization: `Bearer ${w.bl1Key}` },
      payload: { session: 'EMB', name: 'emb_run', directory: dir },
    });
    expect(reg.statusCode, reg.body).toBeLessThan(300);
    pid = reg.json().pid;
    const files = await get(`/api/datasets/${encodeURIComponent(pid)}/files`, 'ada');
    fileId = files.json().items[0].id;
    const lb = await logbookId();
    expect((await writeLogbook(lb, 'ada', 'beam aligned')).statusCode).toBe(201);
    await releasePassAt(t, NOW.toISOString()); // the job has been running: PUB released, EMB's DOI a draft
  });
  afterEach(async () => {
    await t.close();
    root.remove();
  });

  /** Logs everyone in at the clock's time (a session cookie lasts 12 hours of that clock). */
  const loginAll = async () => {
    for (const u of ['ada', 'bob', 'eve', 'sam', 'dora']) cookies[u] = await t.login(u);
  };
  const headers = (who?: string) => (who ? { cookie: cookies[who]! } : {});
  const get = (url: string, who?: string) => t.app.inject({ url, headers: headers(who) });
  const post = (url: string, who: string | undefined, payload: object) =>
    t.app.inject({ method: 'POST', url, payload, headers: headers(who) });
  const logbookId = async () => (await get('/api/sessions/EMB/logbook', 'sam')).json().id as string;
  const writeLogbook = (lb: string, who: string, text: string) =>
    post(`/api/logbooks/${lb}/events`, who, { content: { format: 'plainText', text } });

  /** Everything about EMB that `who` (anonymous when undefined) can reach, door by door. */
  async function seenBy(who?: string) {
    const ids = (r: { json(): { items: Record<string, unknown>[] } }, key: string) =>
      r.json().items.map((i) => i[key]);
    const sessions = await get('/api/sessions?count=true&limit=100', who);
    const datasets = await get('/api/datasets?count=true&limit=100', who);
    const content = await get(`/api/datafiles/${fileId}/content`, who);
    const lb = await get('/api/sessions/EMB/logbook', who);
    const events = lb.statusCode === 200 ? await get(`/api/logbooks/${lb.json().id}/events`, who) : undefined;
    const sample = w.samples.EMB;
    const panoscCount = await get('/panosc/api/datasets/count');
    return {
      sessionListed: ids(sessions, 'id').includes('EMB'),
      sessionTotal: sessions.json().total,
      session: (await get('/api/sessions/EMB', who)).statusCode,
      proposalListed: ids(await get('/api/proposals?limit=100', who), 'id').includes('P-EMB'),
      proposal: (await get('/api/proposals/P-EMB', who)).statusCode,
      datasetsListed: ids(datasets, 'pid').filter((p) => p === pid || p === w.pids.EMB).length,
      datasetTotal: datasets.json().total,
      dataset: (await get(`/api/datasets/${encodeURIComponent(pid)}`, who)).statusCode,
      datasetFiles: (await get(`/api/datasets/${encodeURIComponent(pid)}/files`, who)).statusCode,
      datafile: (await get(`/api/datafiles/${fileId}`, who)).statusCode,
      content: content.statusCode === 200 ? content.body : content.statusCode,
      zip: (await post('/api/downloads', who, { datasets: [pid], format: 'zip' })).statusCode,
      sample: (await get(`/api/samples/${sample}`, who)).statusCode,
      logbook: lb.statusCode === 200 ? lb.json().state : lb.statusCode,
      logbookEvents: events?.json().items.map((e: { content: { text?: string } }) => e.content.text),
      panoscCount: panoscCount.json().count,
      panoscDataset: (await get(`/panosc/api/datasets/${encodeURIComponent(pid)}`)).statusCode,
      oai: /idDoesNotExist/.test(
        (
          await get(
            `/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:${new URL(t.services.config.baseUrl).hostname}:${EMB_DOI}`,
          )
        ).body,
      )
        ? 'idDoesNotExist'
        : 'record',
    };
  }

  const HIDDEN = {
    sessionListed: false,
    sessionTotal: 1,
    session: 404,
    proposalListed: false,
    proposal: 404,
    datasetsListed: 0,
    datasetTotal: 1,
    dataset: 404,
    datasetFiles: 404,
    datafile: 404,
    content: 404,
    zip: 404,
    sample: 404,
    logbook: 404,
    logbookEvents: undefined,
    panoscCount: 1,
    panoscDataset: 404,
    oai: 'idDoesNotExist',
  };
  const PUBLIC = {
    sessionListed: true,
    sessionTotal: 2,
    session: 200,
    proposalListed: true,
    proposal: 200,
    datasetsListed: 2,
    datasetTotal: 3,
    dataset: 200,
    datasetFiles: 200,
    datafile: 200,
    content: BYTES,
    zip: 200,
    sample: 200,
    logbook: 'frozen',
    logbookEvents: expect.arrayContaining(['beam aligned']),
    panoscCount: 3,
    panoscDataset: 200,
    oai: 'record',
  };

  it('hides EMB from anonymous users and outsiders at every door until the last millisecond of the embargo', async () => {
    await releasePassAt(t, JUST_BEFORE);
    await loginAll();
    expect(await seenBy()).toEqual(HIDDEN);
    expect(await seenBy('eve')).toEqual(HIDDEN);
    // Members and staff see it, logbook open; the public counts stay the same.
    for (const who of ['ada', 'sam'])
      expect(await seenBy(who)).toEqual({
        ...PUBLIC,
        sessionTotal: 2,
        datasetTotal: 3,
        logbook: 'open',
        panoscCount: 1,
        panoscDataset: 404,
        oai: 'idDoesNotExist',
      });
    expect((await writeLogbook(await logbookId(), 'bob', 'still open')).statusCode).toBe(201);
  });

  it('opens EMB at every door at its release date, before any job runs, and freezes its logbook', async () => {
    t.clock.set(EMB_RELEASE);
    await loginAll();
    expect(await seenBy()).toEqual(PUBLIC);
    expect(await seenBy('eve')).toEqual(PUBLIC);
    const frozen = await writeLogbook(await logbookId(), 'ada', 'too late');
    expect(frozen.statusCode).toBe(403);
    expect(frozen.json().code).toBe('logbook_frozen');
    expect((await get('/api/sessions/EMB')).json()).toMatchObject({
      isPublic: true,
      license: 'CC-BY-4.0',
      doi: EMB_DOI,
    });
  });

  it('keeps EMB public once the job has stored its release, and the job acts once however often it runs', async () => {
    const first = await releasePassAt(t, '2029-01-05T00:15:00Z');
    expect(first.released).toEqual(['EMB']);
    for (const at of ['2029-01-05T00:30:00Z', '2029-01-05T00:45:00Z', '2029-02-01T00:00:00Z']) {
      expect(await releasePassAt(t, at)).toEqual({
        released: [],
        draftDois: [],
        dois: { registered: [], failed: [] },
      });
    }
    expect(await auditOf(t, 'session.release', 'EMB')).toHaveLength(1);
    expect(await auditOf(t, 'doi.publish', 'EMB')).toHaveLength(1);
    expect(await auditOf(t, 'doi.draft', 'EMB')).toHaveLength(1);
    // Stored: even a clock set back (an operator's mistake) cannot hide released data again.
    t.clock.set(NOW);
    expect(await seenBy()).toEqual(PUBLIC);
  });

  it('keeps EMB hidden past its old release date after an approved extension, and opens it at the new one', async () => {
    t.clock.set(NOW);
    const asked = await post('/api/sessions/EMB/policy-requests', 'ada', {
      kind: 'extension',
      releaseDate: '2030-03-01T00:00:00Z',
      reason: 'patent filing',
    });
    expect(asked.statusCode, asked.body).toBe(201);
    const decided = await post(`/api/policy-requests/${asked.json().id}/approve`, 'dora', { note: 'ok' });
    expect(decided.json()).toMatchObject({ status: 'approved' });
    expect((await get('/api/sessions/EMB', 'ada')).json().releaseDate).toBe('2030-03-01T00:00:00.000Z');

    expect((await releasePassAt(t, '2029-06-01T00:00:00Z')).released).toEqual([]);
    await loginAll();
    expect(await seenBy()).toEqual(HIDDEN);
    expect(await seenBy('eve')).toEqual(HIDDEN);
    expect((await releasePassAt(t, '2030-03-01T00:00:00Z')).released).toEqual(['EMB']);
    expect(await seenBy()).toEqual(PUBLIC);
    const trail = (
      await t.services.database.db
        .selectFrom('audit_log')
        .select('action')
        .where('target', '=', 'EMB')
        .orderBy('id')
        .execute()
    ).map((a) => a.action);
    expect(trail).toEqual(expect.arrayContaining(['session.release']));
    expect(trail.filter((a) => a === 'session.release')).toHaveLength(1);
  });

  it('opens EMB at once on an approved early release; the job then has nothing left to do', async () => {
    t.clock.set(NOW);
    const asked = await post('/api/sessions/EMB/policy-requests', 'ada', {
      kind: 'early_release',
      reason: 'published',
    });
    expect(asked.statusCode, asked.body).toBe(201);
    expect(await seenBy()).toEqual(HIDDEN); // asking alone changes nothing
    expect((await post(`/api/policy-requests/${asked.json().id}/approve`, 'dora', {})).statusCode).toBe(200);
    expect(await seenBy()).toEqual(PUBLIC);
    const doi = await t.services.database.db
      .selectFrom('local_doi')
      .select('state')
      .where('doi', '=', EMB_DOI)
      .executeTakeFirstOrThrow();
    expect(doi.state).toBe('findable');
    const again = await releasePassAt(t, '2026-06-01T00:15:00Z');
    expect(again.released).not.toContain('EMB');
    expect(again.dois.registered.filter((r) => r.doi === EMB_DOI)).toEqual([]);
    expect(await auditOf(t, 'doi.publish', 'EMB')).toHaveLength(1);
  });

  it('keeps EMB hidden after a rejected early release', async () => {
    t.clock.set(NOW);
    const asked = await post('/api/sessions/EMB/policy-requests', 'ada', {
      kind: 'early_release',
      reason: 'why not',
    });
    const rejected = await post(`/api/policy-requests/${asked.json().id}/reject`, 'dora', {
      note: 'no paper yet',
    });
    expect(rejected.json()).toMatchObject({ status: 'rejected', decisionNote: 'no paper yet' });
    expect(await seenBy()).toEqual(HIDDEN);
  });
});
