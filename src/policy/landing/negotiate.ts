/** The representations of a DOI landing page, by content negotiation on Accept (or ?format=). */
export const FORMATS = {
  html: 'text/html',
  'datacite-json': 'application/vnd.datacite.datacite+json',
  'datacite-xml': 'application/vnd.datacite.datacite+xml',
  jsonld: 'application/ld+json',
  bibtex: 'application/x-bibtex',
  ris: 'application/x-research-info-systems',
} as const;
export type Format = keyof typeof FORMATS;

const BY_TYPE: Record<string, Format> = {
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'text/*': 'html',
  '*/*': 'html',
  'application/vnd.datacite.datacite+json': 'datacite-json',
  'application/json': 'datacite-json',
  'application/vnd.datacite.datacite+xml': 'datacite-xml',
  'application/ld+json': 'jsonld',
  'application/vnd.schemaorg.ld+json': 'jsonld',
  'application/x-bibtex': 'bibtex',
  'application/x-research-info-systems': 'ris',
};

/**
 * The best format the Accept header allows: highest q first, then the more specific media type
 * (a browser's `*\/*;q=0.8` loses to its `text/html`), then header order. No header: HTML.
 * undefined when nothing offered is acceptable (406).
 */
export function negotiate(accept: string | undefined): Format | undefined {
  if (!accept?.trim()) return 'html';
  const ranges = accept
    .split(',')
    .map((part, index) => {
      const [type, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const quality = q ? Number(q.slice(2)) : 1;
      return { type: type!.trim(), q: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter((r) => r.q > 0 && BY_TYPE[r.type] !== undefined);
  const specificity = (t: string) => (t === '*/*' ? 0 : t.endsWith('/*') ? 1 : 2);
  ranges.sort((a, b) => b.q - a.q || specificity(b.type) - specificity(a.type) || a.index - b.index);
  return ranges[0] ? BY_TYPE[ranges[0].type] : undefined;
}

export const isFormat = (s: string): s is Format => Object.hasOwn(FORMATS, s);
