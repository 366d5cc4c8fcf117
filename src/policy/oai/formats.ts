import { doiUrl } from '../doi/name.ts';
import type { SessionRecord } from '../metadata/record.ts';
import { dataciteAttributes } from '../metadata/datacite.ts';
import { dataciteXml } from '../metadata/datacite-xml.ts';
import { DATACITE_SCHEMA, DATACITE_XSD, isoDay, LICENCE } from '../metadata/licence.ts';
import { el, text, XSI } from '../metadata/xml.ts';
import { DC_NS, OAI_DC_NS, OAI_DC_XSD } from './protocol.ts';

export interface MetadataFormat {
  prefix: string;
  schema: string;
  namespace: string;
  render(r: SessionRecord, baseUrl: string): string;
}

/** Simple Dublin Core, which every OAI-PMH repository must offer. */
function oaiDc(r: SessionRecord, baseUrl: string): string {
  const a = dataciteAttributes(r, baseUrl);
  return el(
    'oai_dc:dc',
    {
      'xmlns:oai_dc': OAI_DC_NS,
      'xmlns:dc': DC_NS,
      'xmlns:xsi': XSI,
      'xsi:schemaLocation': `${OAI_DC_NS} ${OAI_DC_XSD}`,
    },
    text('dc:title', r.title),
    ...a.creators.map((c) => text('dc:creator', c.name)),
    ...a.subjects.map((s) => text('dc:subject', s.subject)),
    ...a.descriptions.map((d) => text('dc:description', d.description)),
    text('dc:publisher', r.facility.fullName),
    text('dc:date', isoDay(r.availableAt)),
    text('dc:type', 'Dataset'),
    text('dc:identifier', doiUrl(r.doi)),
    text('dc:identifier', `doi:${r.doi}`),
    ...r.datasets.map((d) => text('dc:relation', d.pid)),
    text('dc:coverage', `${r.start.toISOString()}/${r.end.toISOString()}`),
    text('dc:rights', LICENCE.uri),
    text('dc:rights', LICENCE.name),
  );
}

export const METADATA_FORMATS: MetadataFormat[] = [
  { prefix: 'oai_dc', schema: OAI_DC_XSD, namespace: OAI_DC_NS, render: oaiDc },
  {
    prefix: 'oai_datacite',
    schema: DATACITE_XSD,
    namespace: DATACITE_SCHEMA,
    render: (r, baseUrl) => dataciteXml(dataciteAttributes(r, baseUrl), { withDeclaration: false }),
  },
];

export const formatFor = (prefix: string): MetadataFormat | undefined =>
  METADATA_FORMATS.find((f) => f.prefix === prefix);
