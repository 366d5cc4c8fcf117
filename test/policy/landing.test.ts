import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { NOW, type World } from '../helpers/world.ts';
import { EMB_DOI, LANDING_ORCID, PUB_DOI, seedLandingWorld } from './helpers.ts';
import { assertWellFormed, n, runXmlTests, xpath, XMLLINT_SKIP_REASON } from './xmllint.ts';

const DC = 'http://datacite.org/schema/kernel-4';
const ORCID = LANDING_ORCID;

describe.each(dialects)('DOI landing pages (%s)', (dialect) => {
  let t: TestApp;
  let w: World;
  let ada: string;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    w = await seedLandingWorld(t);
    ada = await t.login('ada');
  });
  afterAll(() => t.close());

  const get = (doi: string, accept?: string, cookie?: string) =>
    t.app.inject({
      method: 'GET',
      url: `/doi/${doi}`,
      headers: { ...(accept ? { accept } : {}), ...(cookie ? { cookie } : {}) },
    });

  it('shows a public session to anyone: escaped title, people with ORCID, citation, datasets, downloads, JSON-LD', async () => {
    t.clock.set(NOW);
    const res = await get(PUB_DOI, 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers.vary).toMatch(/Accept/);
    const html = res.body;
    expect(html).toContain('<h1>Public &lt;b&gt;saxs&lt;/b&gt; &amp; &quot;study&quot;</h1>');
    expect(html).not.toContain('<b>saxs</b>');
    expect(html).not.toContain('<i>summary</i>');
    expect(html).toContain('Open &lt;i&gt;summary&lt;/i&gt;');
    expect(html).toContain(`href="https://orcid.org/${ORCID}"`);
    expect(html).toContain('Ada Lovelace');
    expect(html).toContain('Beamline 2');
    expect(html).toContain(
      'Lovelace, A. (2023). Public &lt;b&gt;saxs&lt;/b&gt; &amp; &quot;study&quot; [Data set]. Test Facility. https://doi.org/10.5072/tf.pub',
    );
    expect(html).toContain(w.pids.PUB);
    expect(html).toContain(`/api/datafiles/${w.files['pub/data.h5']}/content`);
    expect(html).toContain('Creative Commons Attribution 4.0 International');
    const ld = /<script type="application\/ld\+json">(.*?)<\/script>/s.exec(html);
    expect(ld).not.toBeNull();
    expect(JSON.parse(ld![1]!)).toMatchObject({
      '@type': 'Dataset',
      name: 'Public <b>saxs</b> & "study"',
      '@id': `https://doi.org/${PUB_DOI}`,
    });
  });

  it('shows only the public DOI metadata of an embargoed session to outsiders, everything to its members', async () => {
    t.clock.set(NOW);
    const anon = (await get(EMB_DOI)).body;
    expect(anon).toContain('Embargoed lysozyme study');
    expect(anon).toContain('Beamline 1');
    expect(anon).toContain('2026-01-01');
    expect(anon).toContain('Ada Lovelace');
    expect(anon).toContain('Bob Babbage');
    expect(anon).toContain('Embargoed until 2029-01-05');
    for (const secret of ['secret', w.pids.EMB, 'emb_scan', '/api/datafiles/'])
      expect(anon).not.toContain(secret);
    const json = (await get(EMB_DOI, 'application/vnd.datacite.datacite+json')).json();
    expect(json.descriptions.map((d: { descriptionType: string }) => d.descriptionType)).toEqual([
      'TechnicalInfo',
    ]);
    expect(json.relatedIdentifiers).toEqual([]);
    expect(JSON.stringify((await get(EMB_DOI, 'application/ld+json')).json())).not.toContain('secret');

    const member = (await get(EMB_DOI, 'text/html', ada)).body;
    expect(member).toContain('secret summary');
    expect(member).toContain(w.pids.EMB);
  });

  it('opens the landing page of a session at its release date', async () => {
    t.clock.set('2029-01-05T00:00:01Z');
    const html = (await get(EMB_DOI)).body;
    expect(html).toContain('secret summary');
    expect(html).toContain(w.pids.EMB);
    expect(html).toContain(`/api/datafiles/${w.files['emb/data.h5']}/content`);
    expect(html).toContain('Open data');
    const dc = (await get(EMB_DOI, 'application/vnd.datacite.datacite+json')).json();
    expect(dc.relatedIdentifiers).toEqual([
      { relatedIdentifier: w.pids.EMB, relatedIdentifierType: 'DOI', relationType: 'HasPart' },
    ]);
    t.clock.set(NOW);
  });

  it('answers each machine format by content negotiation', async () => {
    t.clock.set(NOW);
    const dcJson = await get(PUB_DOI, 'application/vnd.datacite.datacite+json');
    expect(dcJson.headers['content-type']).toBe('application/vnd.datacite.datacite+json; charset=utf-8');
    expect(dcJson.json()).toMatchObject({
      doi: PUB_DOI,
      creators: [
        {
          name: 'Lovelace, Ada',
          nameType: 'Personal',
          givenName: 'Ada',
          familyName: 'Lovelace',
          nameIdentifiers: [{ nameIdentifier: `https://orcid.org/${ORCID}`, nameIdentifierScheme: 'ORCID' }],
        },
      ],
      publisher: 'Test Facility',
      publicationYear: 2023,
      types: { resourceTypeGeneral: 'Dataset' },
      subjects: [{ subjectScheme: 'PaNET', valueUri: 'http://purl.org/pan-science/PaNET/PaNET01188' }],
      dates: [
        { date: '2020-01-01T00:00:00Z/2020-01-05T00:00:00Z', dateType: 'Collected' },
        { date: '2023-01-05', dateType: 'Available' },
      ],
    });

    const ld = await get(PUB_DOI, 'application/ld+json');
    expect(ld.headers['content-type']).toBe('application/ld+json; charset=utf-8');
    expect(ld.json()).toMatchObject({
      '@context': 'https://schema.org',
      '@type': 'Dataset',
      license: 'https://creativecommons.org/licenses/by/4.0/',
      isAccessibleForFree: true,
    });

    const bib = await get(PUB_DOI, 'application/x-bibtex');
    expect(bib.headers['content-type']).toBe('application/x-bibtex; charset=utf-8');
    expect(bib.body).toMatch(/^@misc\{10_5072_tf_pub,\n/);
    expect(bib.body).toContain('author = {Lovelace, Ada}');
    expect(bib.body).toContain('doi = {10.5072/tf.pub}');
    expect(bib.body).toContain('year = {2023}');
    expect(bib.body.split('{').length).toBe(bib.body.split('}').length); // balanced braces

    const risRes = await get(PUB_DOI, 'application/x-research-info-systems');
    expect(risRes.headers['content-type']).toBe('application/x-research-info-systems; charset=utf-8');
    const lines = risRes.body.split('\r\n');
    expect(lines[0]).toBe('TY  - DATA');
    expect(lines).toContain('AU  - Lovelace, Ada');
    expect(lines).toContain('DO  - 10.5072/tf.pub');
    expect(lines).toContain('PY  - 2023');
    expect(lines.at(-2)).toBe('ER  - ');

    expect(
      (await get(PUB_DOI, 'application/x-bibtex;q=0.5, application/x-research-info-systems')).body,
    ).toMatch(/^TY {2}- DATA/);
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: `/doi/${PUB_DOI}?format=bibtex`,
          headers: { accept: 'text/html' },
        })
      ).body,
    ).toMatch(/^@misc/);
    expect((await get('10.5072/TF.PUB', 'application/json')).json().doi).toBe(PUB_DOI);
    expect(
      (await t.app.inject({ method: 'GET', url: `/doi/${encodeURIComponent(PUB_DOI)}` })).statusCode,
    ).toBe(200);
  });

  (runXmlTests ? it : it.skip)(
    `serves DataCite kernel-4 XML that is well-formed and has the required properties${runXmlTests ? '' : ` (${XMLLINT_SKIP_REASON})`}`,
    async () => {
      t.clock.set(NOW);
      const res = await get(PUB_DOI, 'application/vnd.datacite.datacite+xml');
      expect(res.headers['content-type']).toBe('application/vnd.datacite.datacite+xml; charset=utf-8');
      const xml = res.body;
      assertWellFormed(xml);
      const r = `/${n(DC, 'resource')}`;
      expect(xpath(xml, `string(${r}/${n(DC, 'identifier')}/@identifierType)`)).toBe('DOI');
      expect(xpath(xml, `string(${r}/${n(DC, 'identifier')})`)).toBe(PUB_DOI);
      expect(
        xpath(xml, `string(${r}/${n(DC, 'creators')}/${n(DC, 'creator')}/${n(DC, 'creatorName')})`),
      ).toBe('Lovelace, Ada');
      expect(
        xpath(
          xml,
          `string(${r}/${n(DC, 'creators')}/${n(DC, 'creator')}/${n(DC, 'nameIdentifier')}/@nameIdentifierScheme)`,
        ),
      ).toBe('ORCID');
      expect(xpath(xml, `string(${r}/${n(DC, 'titles')}/${n(DC, 'title')})`)).toBe(
        'Public <b>saxs</b> & "study"',
      );
      expect(xpath(xml, `string(${r}/${n(DC, 'publisher')})`)).toBe('Test Facility');
      expect(xpath(xml, `string(${r}/${n(DC, 'publicationYear')})`)).toBe('2023');
      expect(xpath(xml, `string(${r}/${n(DC, 'resourceType')}/@resourceTypeGeneral)`)).toBe('Dataset');
      expect(xpath(xml, `string(${r}/${n(DC, 'rightsList')}/${n(DC, 'rights')}/@rightsURI)`)).toBe(
        'https://creativecommons.org/licenses/by/4.0/legalcode',
      );
      expect(xpath(xml, `count(${r}/${n(DC, 'dates')}/${n(DC, 'date')})`)).toBe('2');
      expect(
        xpath(xml, `string(${r}/${n(DC, 'relatedIdentifiers')}/${n(DC, 'relatedIdentifier')}/@relationType)`),
      ).toBe('HasPart');
      expect(xpath(xml, `string(${r}/@*[local-name()='schemaLocation'])`)).toBe(
        `${DC} http://schema.datacite.org/meta/kernel-4/metadata.xsd`,
      );
    },
  );

  it('answers 404 for an unknown DOI in the negotiated form, 406 and 400 for formats it cannot give', async () => {
    const html = await get('10.5072/nope', 'text/html');
    expect([html.statusCode, html.headers['content-type']]).toEqual([404, 'text/html; charset=utf-8']);
    expect(html.body).toContain('DOI not found');
    const json = await get('10.5072/nope', 'application/ld+json');
    expect([json.statusCode, json.json().code]).toEqual([404, 'doi_not_found']);
    const script = await get('10.5072/<script>alert(1)</script>', 'text/html');
    expect(script.statusCode).toBe(404);
    expect(script.body).not.toContain('<script>alert');
    const png = await get(PUB_DOI, 'image/png');
    expect([png.statusCode, png.json().code]).toEqual([406, 'not_acceptable']);
    const bad = await t.app.inject({ method: 'GET', url: `/doi/${PUB_DOI}?format=pdf` });
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'invalid_format']);
    expect((await get('', 'text/html')).statusCode).toBe(404);
  });
});
