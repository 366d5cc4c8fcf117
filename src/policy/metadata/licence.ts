/** The one licence of the seed policy: data open under CC-BY-4.0 after the embargo. */
export const LICENCE = {
  id: 'CC-BY-4.0',
  name: 'Creative Commons Attribution 4.0 International',
  uri: 'https://creativecommons.org/licenses/by/4.0/legalcode',
  pageUri: 'https://creativecommons.org/licenses/by/4.0/',
} as const;

export const PANET_BASE = 'http://purl.org/pan-science/PaNET/';
export const DATACITE_SCHEMA = 'http://datacite.org/schema/kernel-4';
export const DATACITE_XSD = 'http://schema.datacite.org/meta/kernel-4/metadata.xsd';
export const RESOURCE_TYPE = 'Experimental session';

/** ISO 8601 date-time without milliseconds: 2026-01-05T00:00:00Z. */
export const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
export const isoDay = (d: Date): string => d.toISOString().slice(0, 10);
