import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { NOW } from '../helpers/world.ts';
import { ensureDraftDois } from '../../src/policy/doi/drafts.ts';
import { EMB_DOI, PUB_DOI, seedLandingWorld } from './helpers.ts';
import { assertWellFormed, n, runXmlTests, values, xpath, XMLLINT_SKIP_REASON } from './xmllint.ts';

const OAI = 'http://www.openarchives.org/OAI/2.0/';
const OAI_DC = 'http://www.openarchives.org/OAI/2.0/oai_dc/';
const DC = 'http://purl.org/dc/elements/1.1/';
const DATACITE = 'http://datacite.org/schema/kernel-4';
const BASE = 'https://data.tf.example';
const id = (doi: string) => `oai:data.tf.example:${doi}`;
const o = (name: string) => n(OAI, name);
const root = `/${o('OAI-PMH')}`;

(runXmlTests ? describe.each(dialects) : describe.skip.each(dialects))(
  `OAI-PMH 2.0 at /oai (%s)${runXmlTests ? '' : ` (${XMLLINT_SKIP_REASON})`}`,
  (dialect) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect, {
        env: {
          FAIRBEAM_BASE_URL: BASE,
          FAIRBEAM_OAI_PAGE_SIZE: '2',
          FAIRBEAM_ADMIN_EMAIL: 'data@tf.example',
        },
      });
      await seedLandingWorld(t);
      const db = t.services.database.db;
      // Three more public sessions, made public on different days, on both instruments.
      for (const [sid, instrument, release] of [
        ['OPEN-A', 'BL1', '2024-03-01T12:00:00Z'],
        ['OPEN-B', 'BL2', '2024-06-01T12:00:00Z'],
        ['OPEN-C', 'BL1', '2025-01-01T00:00:00Z'],
      ] as const) {
        await db
          .insertInto('session')
          .values({
            id: sid,
            proposal_id: 'P-PUB',
            instrument_id: instrument,
            start_at: '2021-01-01T00:00:00Z',
            end_at: '2021-01-02T00:00:00Z',
            release_date: release,
          })
          .execute();
      }
      await ensureDraftDois(db, NOW, '10.5072', 'test');
    });
    afterAll(() => t.close());

    const oai = async (query: string) => {
      t.clock.set(NOW);
      const res = await t.app.inject({ method: 'GET', url: `/oai?${query}` });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/xml; charset=utf-8');
      assertWellFormed(res.body);
      return res.body;
    };
    const errorOf = (xml: string) => xpath(xml, `string(${root}/${o('error')}/@code)`);
    const allPublic = ['10.5072/tf.pub', '10.5072/tf.open-a', '10.5072/tf.open-b', '10.5072/tf.open-c'];

    it('identifies itself with the envelope and elements OAI-PMH requires', async () => {
      const xml = await oai('verb=Identify');
      expect(xpath(xml, `count(${root})`)).toBe('1');
      expect(xpath(xml, `string(${root}/${o('responseDate')})`)).toBe('2026-06-01T00:00:00Z');
      expect(xpath(xml, `string(${root}/${o('request')}/@verb)`)).toBe('Identify');
      expect(xpath(xml, `string(${root}/${o('request')})`)).toBe(`${BASE}/oai`);
      const idf = `${root}/${o('Identify')}`;
      expect(xpath(xml, `string(${idf}/${o('repositoryName')})`)).toBe('Test Facility open data (fairbeam)');
      expect(xpath(xml, `string(${idf}/${o('baseURL')})`)).toBe(`${BASE}/oai`);
      expect(xpath(xml, `string(${idf}/${o('protocolVersion')})`)).toBe('2.0');
      expect(xpath(xml, `string(${idf}/${o('adminEmail')})`)).toBe('data@tf.example');
      expect(xpath(xml, `string(${idf}/${o('earliestDatestamp')})`)).toBe('2023-01-05T00:00:00Z');
      expect(xpath(xml, `string(${idf}/${o('deletedRecord')})`)).toBe('no');
      expect(xpath(xml, `string(${idf}/${o('granularity')})`)).toBe('YYYY-MM-DDThh:mm:ssZ');
    });

    it('lists metadata formats and instrument sets', async () => {
      const formats = await oai('verb=ListMetadataFormats');
      const mf = `${root}/${o('ListMetadataFormats')}/${o('metadataFormat')}`;
      expect(values(formats, `${mf}/${o('metadataPrefix')}`)).toEqual(['oai_dc', 'oai_datacite']);
      expect(values(formats, `${mf}/${o('metadataNamespace')}`)).toEqual([OAI_DC, DATACITE]);
      expect(
        values(
          await oai(`verb=ListMetadataFormats&identifier=${id(PUB_DOI)}`),
          `${mf}/${o('metadataPrefix')}`,
        ),
      ).toHaveLength(2);
      expect(errorOf(await oai(`verb=ListMetadataFormats&identifier=${id(EMB_DOI)}`))).toBe('idDoesNotExist');

      const sets = await oai('verb=ListSets');
      expect(values(sets, `${root}/${o('ListSets')}/${o('set')}/${o('setSpec')}`)).toEqual([
        'instrument',
        'instrument:BL1',
        'instrument:BL2',
      ]);
      expect(values(sets, `${root}/${o('ListSets')}/${o('set')}/${o('setName')}`)).toContain(
        'Beamline 1 (Test Facility)',
      );
    });

    it('harvests every public session and no embargoed one, in pages joined by resumption tokens', async () => {
      const first = await oai('verb=ListRecords&metadataPrefix=oai_dc');
      const lr = `${root}/${o('ListRecords')}`;
      expect(xpath(first, `string(${root}/${o('request')}/@metadataPrefix)`)).toBe('oai_dc');
      expect(values(first, `${lr}/${o('record')}/${o('header')}/${o('identifier')}`)).toEqual([
        id(PUB_DOI),
        id('10.5072/tf.open-a'),
      ]);
      expect(values(first, `${lr}/${o('record')}/${o('header')}/${o('datestamp')}`)).toEqual([
        '2023-01-05T00:00:00Z',
        '2024-03-01T12:00:00Z',
      ]);
      expect(values(first, `${lr}/${o('record')}/${o('header')}/${o('setSpec')}`)).toEqual([
        'instrument:BL2',
        'instrument:BL1',
      ]);
      const dc = `${lr}/${o('record')}[1]/${o('metadata')}/${n(OAI_DC, 'dc')}`;
      expect(xpath(first, `string(${dc}/${n(DC, 'title')})`)).toBe('Public <b>saxs</b> & "study"');
      expect(xpath(first, `string(${dc}/${n(DC, 'creator')})`)).toBe('Lovelace, Ada');
      expect(values(first, `${dc}/${n(DC, 'identifier')}`)).toEqual([
        `https://doi.org/${PUB_DOI}`,
        `doi:${PUB_DOI}`,
      ]);
      expect(xpath(first, `string(${dc}/${n(DC, 'type')})`)).toBe('Dataset');
      expect(xpath(first, `string(${lr}/${o('resumptionToken')}/@completeListSize)`)).toBe('4');
      expect(xpath(first, `string(${lr}/${o('resumptionToken')}/@cursor)`)).toBe('0');
      const token = xpath(first, `string(${lr}/${o('resumptionToken')})`);
      expect(token).not.toBe('');

      const second = await oai(`verb=ListRecords&resumptionToken=${encodeURIComponent(token)}`);
      expect(xpath(second, `string(${root}/${o('request')}/@resumptionToken)`)).toBe(token);
      expect(values(second, `${lr}/${o('record')}/${o('header')}/${o('identifier')}`)).toEqual([
        id('10.5072/tf.open-b'),
        id('10.5072/tf.open-c'),
      ]);
      // The last page carries an empty token: the list is complete.
      expect(xpath(second, `count(${lr}/${o('resumptionToken')})`)).toBe('1');
      expect(xpath(second, `string(${lr}/${o('resumptionToken')})`)).toBe('');
      expect(xpath(second, `string(${lr}/${o('resumptionToken')}/@cursor)`)).toBe('2');
      expect(first + second).not.toContain('tf.emb');
    });

    it('gives records in DataCite kernel-4 and filters by set and datestamps', async () => {
      const rec = await oai(`verb=GetRecord&metadataPrefix=oai_datacite&identifier=${id(PUB_DOI)}`);
      const resource = `${root}/${o('GetRecord')}/${o('record')}/${o('metadata')}/${n(DATACITE, 'resource')}`;
      expect(xpath(rec, `string(${resource}/${n(DATACITE, 'identifier')}/@identifierType)`)).toBe('DOI');
      expect(xpath(rec, `string(${resource}/${n(DATACITE, 'identifier')})`)).toBe(PUB_DOI);
      expect(
        xpath(
          rec,
          `string(${resource}/${n(DATACITE, 'creators')}/${n(DATACITE, 'creator')}/${n(DATACITE, 'creatorName')})`,
        ),
      ).toBe('Lovelace, Ada');
      expect(xpath(rec, `string(${resource}/${n(DATACITE, 'publisher')})`)).toBe('Test Facility');
      expect(xpath(rec, `string(${resource}/${n(DATACITE, 'publicationYear')})`)).toBe('2023');
      expect(xpath(rec, `string(${resource}/${n(DATACITE, 'resourceType')}/@resourceTypeGeneral)`)).toBe(
        'Dataset',
      );

      const ids = (xml: string) =>
        values(xml, `${root}/${o('ListIdentifiers')}/${o('header')}/${o('identifier')}`);
      expect(ids(await oai('verb=ListIdentifiers&metadataPrefix=oai_datacite&set=instrument:BL1'))).toEqual([
        id('10.5072/tf.open-a'),
        id('10.5072/tf.open-c'),
      ]);
      expect(
        ids(await oai('verb=ListIdentifiers&metadataPrefix=oai_dc&from=2024-06-01&until=2024-12-31')),
      ).toEqual([id('10.5072/tf.open-b')]);
      expect(
        ids(
          await oai(
            'verb=ListIdentifiers&metadataPrefix=oai_dc&from=2024-03-01T12:00:00Z&until=2024-03-01T12:00:00Z',
          ),
        ),
      ).toEqual([id('10.5072/tf.open-a')]);
      expect(errorOf(await oai('verb=ListIdentifiers&metadataPrefix=oai_dc&from=2030-01-01'))).toBe(
        'noRecordsMatch',
      );
      expect(errorOf(await oai('verb=ListIdentifiers&metadataPrefix=oai_dc&set=instrument:NOPE'))).toBe(
        'noRecordsMatch',
      );
    });

    it('shows a session to harvesters from its release on, dated by its release', async () => {
      const before = await oai(`verb=GetRecord&metadataPrefix=oai_dc&identifier=${id(EMB_DOI)}`);
      expect(errorOf(before)).toBe('idDoesNotExist');
      t.clock.set('2029-01-05T00:00:00Z');
      const res = await t.app.inject({
        method: 'GET',
        url: `/oai?verb=ListIdentifiers&metadataPrefix=oai_dc&from=2029-01-01`,
      });
      assertWellFormed(res.body);
      expect(values(res.body, `${root}/${o('ListIdentifiers')}/${o('header')}/${o('identifier')}`)).toEqual([
        id(EMB_DOI),
      ]);
      expect(values(res.body, `${root}/${o('ListIdentifiers')}/${o('header')}/${o('datestamp')}`)).toEqual([
        '2029-01-05T00:00:00Z',
      ]);
    });

    it('answers protocol errors as HTTP 200 with <error code>', async () => {
      const cases: [string, string][] = [
        ['', 'badVerb'],
        ['verb=Explode', 'badVerb'],
        ['verb=Identify&verb=Identify', 'badVerb'],
        ['verb=Identify&extra=1', 'badArgument'],
        ['verb=ListRecords', 'badArgument'],
        ['verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc', 'badArgument'],
        ['verb=GetRecord&metadataPrefix=oai_dc', 'badArgument'],
        ['verb=ListRecords&metadataPrefix=marc21', 'cannotDisseminateFormat'],
        [`verb=GetRecord&metadataPrefix=marc21&identifier=${id(PUB_DOI)}`, 'cannotDisseminateFormat'],
        ['verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:elsewhere:10.5072/tf.pub', 'idDoesNotExist'],
        ['verb=ListRecords&metadataPrefix=oai_dc&from=2024-02-30', 'badArgument'],
        ['verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01T00:00:00.000Z', 'badArgument'],
        ['verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01&until=2024-12-31T00:00:00Z', 'badArgument'],
        ['verb=ListRecords&metadataPrefix=oai_dc&from=2025-01-01&until=2024-01-01', 'badArgument'],
        ['verb=ListRecords&resumptionToken=garbage!', 'badResumptionToken'],
        ['verb=ListRecords&resumptionToken=eyJ2IjoxfQ', 'badResumptionToken'],
        ['verb=ListRecords&resumptionToken=abc&metadataPrefix=oai_dc', 'badArgument'],
        ['verb=ListSets&resumptionToken=abc', 'badResumptionToken'],
      ];
      for (const [query, code] of cases) {
        const xml = await oai(query);
        expect(errorOf(xml), query).toBe(code);
        if (code === 'badVerb' || code === 'badArgument')
          expect(xpath(xml, `count(${root}/${o('request')}/@*)`), query).toBe('0');
      }
      const first = await oai('verb=ListIdentifiers&metadataPrefix=oai_dc');
      const token = xpath(first, `string(${root}/${o('ListIdentifiers')}/${o('resumptionToken')})`);
      expect(errorOf(await oai(`verb=ListRecords&resumptionToken=${token}`))).toBe('badResumptionToken');
    });

    it('takes the same requests as an HTML form POST', async () => {
      t.clock.set(NOW);
      const res = await t.app.inject({
        method: 'POST',
        url: '/oai',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `verb=GetRecord&metadataPrefix=oai_dc&identifier=${encodeURIComponent(id(PUB_DOI))}`,
      });
      expect(res.statusCode).toBe(200);
      assertWellFormed(res.body);
      expect(
        xpath(res.body, `string(${root}/${o('GetRecord')}/${o('record')}/${o('header')}/${o('identifier')})`),
      ).toBe(id(PUB_DOI));
    });
  },
);
