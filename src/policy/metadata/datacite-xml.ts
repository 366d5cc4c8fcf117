import type { DataCiteAttributes } from './datacite.ts';
import { DATACITE_SCHEMA, DATACITE_XSD } from './licence.ts';
import { el, text, XML_DECLARATION, XSI } from './xml.ts';

/**
 * The DataCite metadata as kernel-4 XML (the `resource` element). `withDeclaration: false` gives
 * the bare element to embed (OAI-PMH `oai_datacite`).
 */
export function dataciteXml(a: DataCiteAttributes, opts: { withDeclaration?: boolean } = {}): string {
  const resource = el(
    'resource',
    { xmlns: DATACITE_SCHEMA, 'xmlns:xsi': XSI, 'xsi:schemaLocation': `${DATACITE_SCHEMA} ${DATACITE_XSD}` },
    text('identifier', a.doi, { identifierType: 'DOI' }),
    el(
      'creators',
      {},
      ...a.creators.map((c) =>
        el(
          'creator',
          {},
          text('creatorName', c.name, { nameType: c.nameType }),
          c.givenName && text('givenName', c.givenName),
          c.familyName && text('familyName', c.familyName),
          ...c.nameIdentifiers.map((n) =>
            text('nameIdentifier', n.nameIdentifier, {
              nameIdentifierScheme: n.nameIdentifierScheme,
              schemeURI: n.schemeUri,
            }),
          ),
          ...c.affiliation.map((f) => text('affiliation', f.name)),
        ),
      ),
    ),
    el('titles', {}, ...a.titles.map((t) => text('title', t.title))),
    text('publisher', a.publisher),
    text('publicationYear', a.publicationYear),
    text('resourceType', a.types.resourceType, { resourceTypeGeneral: a.types.resourceTypeGeneral }),
    a.subjects.length > 0 &&
      el(
        'subjects',
        {},
        ...a.subjects.map((s) =>
          text('subject', s.subject, {
            subjectScheme: s.subjectScheme,
            schemeURI: s.schemeUri,
            valueURI: s.valueUri,
          }),
        ),
      ),
    el('dates', {}, ...a.dates.map((d) => text('date', d.date, { dateType: d.dateType }))),
    a.relatedIdentifiers.length > 0 &&
      el(
        'relatedIdentifiers',
        {},
        ...a.relatedIdentifiers.map((r) =>
          text('relatedIdentifier', r.relatedIdentifier, {
            relatedIdentifierType: r.relatedIdentifierType,
            relationType: r.relationType,
          }),
        ),
      ),
    el(
      'rightsList',
      {},
      ...a.rightsList.map((r) =>
        text('rights', r.rights, {
          rightsURI: r.rightsUri,
          rightsIdentifier: r.rightsIdentifier,
          rightsIdentifierScheme: r.rightsIdentifierScheme,
          schemeURI: r.schemeUri,
        }),
      ),
    ),
    a.descriptions.length > 0 &&
      el(
        'descriptions',
        {},
        ...a.descriptions.map((d) =>
          text('description', d.description, { descriptionType: d.descriptionType }),
        ),
      ),
  );
  return opts.withDeclaration === false ? resource : XML_DECLARATION + resource + '\n';
}
