import { doiUrl, landingPath } from '../doi/name.ts';
import { creatorsOf } from './people.ts';
import type { SessionRecord } from './record.ts';
import { isoDay, isoSeconds, LICENCE, PANET_BASE } from './licence.ts';
import { technicalInfo } from './datacite.ts';

/** schema.org Dataset (JSON-LD), as search engines and data catalogues harvest it. */
export function schemaOrgDataset(r: SessionRecord, baseUrl: string): Record<string, unknown> {
  return {
    '@context': 'https://schema.org',
    '@type': 'Dataset',
    '@id': doiUrl(r.doi),
    identifier: { '@type': 'PropertyValue', propertyID: 'DOI', value: r.doi, url: doiUrl(r.doi) },
    url: `${baseUrl}${landingPath(r.doi)}`,
    name: r.title,
    description: [r.summary.trim(), technicalInfo(r)].filter(Boolean).join('\n\n'),
    creator: creatorsOf(r.members).map((p) => ({
      '@type': 'Person',
      name: p.givenName && p.familyName ? `${p.givenName} ${p.familyName}` : p.name,
      ...(p.givenName ? { givenName: p.givenName } : {}),
      ...(p.familyName ? { familyName: p.familyName } : {}),
      ...(p.orcid
        ? { '@id': `https://orcid.org/${p.orcid}`, identifier: `https://orcid.org/${p.orcid}` }
        : {}),
      ...(p.affiliation ? { affiliation: { '@type': 'Organization', name: p.affiliation } } : {}),
    })),
    publisher: { '@type': 'Organization', name: r.facility.fullName },
    provider: { '@type': 'Organization', name: r.facility.fullName },
    datePublished: isoDay(r.availableAt),
    temporalCoverage: `${isoSeconds(r.start)}/${isoSeconds(r.end)}`,
    license: LICENCE.pageUri,
    isAccessibleForFree: r.isPublic,
    conditionsOfAccess: r.isPublic
      ? 'Open access under CC-BY-4.0'
      : `Embargoed until ${isoDay(r.releaseDate)}`,
    measurementTechnique: r.techniques.map((t) => ({
      '@type': 'DefinedTerm',
      name: t.name,
      termCode: t.id,
      url: `${PANET_BASE}${t.id}`,
    })),
    keywords: r.techniques.map((t) => t.name),
    variableMeasured: [],
    includedInDataCatalog: {
      '@type': 'DataCatalog',
      name: `${r.facility.fullName} data catalogue`,
      url: baseUrl,
    },
    ...(r.datasets.length
      ? {
          hasPart: r.datasets.map((d) => ({
            '@type': 'Dataset',
            identifier: d.pid,
            name: d.title ?? d.name,
            description: `${d.fileCount} file(s), ${d.size} bytes`,
            url: `${baseUrl}/api/datasets/${encodeURIComponent(d.pid)}`,
          })),
        }
      : {}),
  };
}

/** JSON for a `<script>` element: no `</script>` or HTML comment can close it early. */
export const scriptJson = (value: unknown): string =>
  JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
