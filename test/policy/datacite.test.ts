import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seedWorld } from '../helpers/world.ts';
import { EMB_DOI, PUB_DOI, releasePassAt } from './helpers.ts';
import { startFakeDataCite } from './fake-datacite.ts';
import { dataciteRegistrar } from '../../src/policy/doi/datacite-client.ts';
import {
  dataciteProblems,
  validateDatacite,
  type DataCiteAttributes,
} from '../../src/policy/metadata/datacite.ts';
import { RegistrarError } from '../../src/policy/doi/registrar.ts';

const CREDENTIALS = { username: 'TF.FAIRBEAM', password: 's3cret' };

describe.each(dialects)('DataCite registration through the REST API (%s)', (dialect) => {
  let dc: Awaited<ReturnType<typeof startFakeDataCite>>;
  let t: TestApp;
  beforeAll(async () => {
    dc = await startFakeDataCite({ ...CREDENTIALS, prefixes: ['10.5072'] });
  });
  afterAll(() => dc.close());
  beforeEach(async () => {
    dc.calls.length = 0;
    dc.dois.clear();
    t = await startTestApp(dialect, {
      env: {
        FAIRBEAM_DATACITE_URL: dc.url,
        FAIRBEAM_DATACITE_USERNAME: CREDENTIALS.username,
        FAIRBEAM_DATACITE_PASSWORD: CREDENTIALS.password,
        FAIRBEAM_BASE_URL: 'https://data.tf.example',
      },
    });
    await seedWorld(t.services.database.db);
  });
  afterEach(() => t.close());

  it('creates drafts, publishes at release and never sends the same step twice', async () => {
    const first = await releasePassAt(t, '2026-06-01T00:00:00Z');
    expect(first.dois.failed).toEqual([]);
    expect(
      dc.calls.map((c) => [c.method, c.path, c.body?.data?.attributes?.event ?? null, c.status]),
    ).toEqual([
      ['POST', '/dois', null, 201], // EMB: draft
      ['POST', '/dois', 'publish', 201], // PUB: public since import, published at once
    ]);
    for (const c of dc.calls) {
      expect(c.authorization).toBe(`Basic ${Buffer.from('TF.FAIRBEAM:s3cret').toString('base64')}`);
      expect(c.contentType).toBe('application/vnd.api+json');
      expect(c.body?.data?.type).toBe('dois');
    }
    const draft = dc.calls[0]!.body!.data!.attributes!;
    expect(draft).toMatchObject({
      doi: EMB_DOI,
      url: `https://data.tf.example/doi/${EMB_DOI}`,
      schemaVersion: 'http://datacite.org/schema/kernel-4',
      titles: [{ title: 'Embargoed lysozyme study' }],
      publisher: 'Test Facility',
      publicationYear: 2029,
      types: { resourceTypeGeneral: 'Dataset' },
      rightsList: [{ rightsUri: 'https://creativecommons.org/licenses/by/4.0/legalcode' }],
    });
    expect(dc.dois.get(EMB_DOI)?.state).toBe('draft');
    expect(dc.dois.get(PUB_DOI)?.state).toBe('findable');

    dc.calls.length = 0;
    await releasePassAt(t, '2026-06-01T00:15:00Z');
    expect(dc.calls).toEqual([]);

    await releasePassAt(t, '2029-01-05T00:15:00Z');
    expect(dc.calls.map((c) => [c.method, c.path, c.body?.data?.attributes?.event, c.status])).toEqual([
      ['PUT', `/dois/${encodeURIComponent(EMB_DOI)}`, 'publish', 200],
    ]);
    expect(dc.dois.get(EMB_DOI)?.state).toBe('findable');

    dc.calls.length = 0;
    await releasePassAt(t, '2029-01-05T00:30:00Z');
    await releasePassAt(t, '2029-01-05T00:45:00Z');
    expect(dc.calls).toEqual([]);
  });

  it('records a refusal on the DOI and retries it on the next run', async () => {
    t.services.config.datacite!.password = 'wrong';
    const run = await releasePassAt(t, '2026-06-01T00:00:00Z');
    expect(run.dois.registered).toEqual([]);
    expect(run.dois.failed.map((f) => f.doi)).toEqual([EMB_DOI, PUB_DOI]);
    expect(run.dois.failed[0]!.error).toMatch(/401.*Bad credentials/);
    const row = await t.services.database.db
      .selectFrom('doi_registration')
      .selectAll()
      .where('doi', '=', EMB_DOI)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ registered_state: null, attempts: 1, lease_until: null });
    expect(row.last_error).toMatch(/Bad credentials/);

    t.services.config.datacite!.password = CREDENTIALS.password;
    const retry = await releasePassAt(t, '2026-06-01T00:15:00Z');
    expect(retry.dois.registered.map((r) => r.doi)).toEqual([EMB_DOI, PUB_DOI]);
    expect(
      await t.services.database.db
        .selectFrom('doi_registration')
        .select(['attempts', 'last_error'])
        .where('doi', '=', EMB_DOI)
        .executeTakeFirstOrThrow(),
    ).toEqual({ attempts: 0, last_error: null });
  });

  it('finishes a registration whose success was not recorded (crash after the call)', async () => {
    await releasePassAt(t, '2026-06-01T00:00:00Z');
    await t.services.database.db
      .updateTable('doi_registration')
      .set({ registered_state: null })
      .where('doi', '=', EMB_DOI)
      .execute();
    dc.calls.length = 0;
    const run = await releasePassAt(t, '2026-06-01T00:15:00Z');
    expect(run.dois).toEqual({ registered: [{ doi: EMB_DOI, state: 'draft' }], failed: [] });
    expect(dc.calls.map((c) => [c.method, c.status])).toEqual([
      ['POST', 422],
      ['PUT', 200],
    ]);
  });
});

describe('DataCite client and metadata checks', () => {
  const valid: DataCiteAttributes = {
    doi: '10.5072/tf.x',
    prefix: '10.5072',
    suffix: 'tf.x',
    url: 'https://data.tf.example/doi/10.5072/tf.x',
    schemaVersion: 'http://datacite.org/schema/kernel-4',
    creators: [{ name: 'Lovelace, Ada', nameType: 'Personal', nameIdentifiers: [], affiliation: [] }],
    titles: [{ title: 'T' }],
    publisher: 'Test Facility',
    publicationYear: 2029,
    types: {
      resourceTypeGeneral: 'Dataset',
      resourceType: 'Experimental session',
      schemaOrg: 'Dataset',
      bibtex: 'misc',
      ris: 'DATA',
      citeproc: 'dataset',
    },
    subjects: [],
    dates: [],
    rightsList: [],
    descriptions: [],
    relatedIdentifiers: [],
  };

  it('names every missing required property before anything is sent', () => {
    expect(dataciteProblems(valid)).toEqual([]);
    const broken = {
      ...valid,
      doi: 'not-a-doi',
      creators: [],
      titles: [{ title: ' ' }],
      publisher: '',
      publicationYear: 20290,
      url: 'ftp:x',
    };
    expect(dataciteProblems(broken)).toEqual([
      '/doi',
      '/creators',
      '/titles',
      '/publisher',
      '/publicationYear',
      '/url',
    ]);
    expect(() => validateDatacite(broken)).toThrow(
      expect.objectContaining({ code: 'invalid_doi_metadata', status: 422 }),
    );
  });

  it('surfaces DataCite 422 and 403 answers as registrar errors', async () => {
    const dc = await startFakeDataCite({ ...CREDENTIALS, prefixes: ['10.5072'] });
    try {
      const client = dataciteRegistrar({ endpoint: dc.url, prefix: '10.5072', ...CREDENTIALS });
      const noTitles = client.register({
        doi: valid.doi,
        state: 'findable',
        previous: null,
        url: valid.url,
        attributes: { ...valid, titles: [] },
      });
      await expect(noTitles).rejects.toThrow(RegistrarError);
      await expect(noTitles).rejects.toMatchObject({ status: 422, message: expect.stringMatching(/titles/) });
      const foreign = dataciteRegistrar({ endpoint: dc.url, prefix: '10.9999', ...CREDENTIALS });
      await expect(
        foreign.register({
          doi: '10.9999/tf.x',
          state: 'draft',
          previous: null,
          url: valid.url,
          attributes: { ...valid, doi: '10.9999/tf.x' },
        }),
      ).rejects.toMatchObject({ status: 403 });
      await expect(
        client.register({
          doi: '10.9999/tf.x',
          state: 'draft',
          previous: null,
          url: valid.url,
          attributes: valid,
        }),
      ).rejects.toThrow(/not under the configured DataCite prefix/);
      await expect(
        client.register({
          doi: valid.doi,
          state: 'draft',
          previous: 'findable',
          url: valid.url,
          attributes: valid,
        }),
      ).rejects.toThrow(/cannot return to draft/);
    } finally {
      await dc.close();
    }
  });
});
