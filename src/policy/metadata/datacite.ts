import { AppError } from '../../errors.ts';
import { landingPath } from '../doi/name.ts';
import { creatorsOf } from './people.ts';
import type { SessionRecord } from './record.ts';
import { DATACITE_SCHEMA, isoDay, isoSeconds, LICENCE, PANET_BASE, RESOURCE_TYPE } from './licence.ts';

/** DataCite metadata (kernel-4) as the REST API takes it in `data.attributes`. */
export interface DataCiteAttributes {
  doi: string;
  prefix: string;
  suffix: string;
  url: string;
  schemaVersion: string;
  creators: {
    name: string;
    nameType: 'Personal' | 'Organizational';
    givenName?: string;
    familyName?: string;
    nameIdentifiers: { nameIdentifier: string; nameIdentifierScheme: string; schemeUri: string }[];
    affiliation: { name: string }[];
  }[];
  titles: { title: string }[];
  publisher: string;
  publicationYear: number;
  types: {
    resourceTypeGeneral: 'Dataset';
    resourceType: string;
    schemaOrg: string;
    bibtex: string;
    ris: string;
    citeproc: string;
  };
  subjects: { subject: string; subjectScheme: string; schemeUri: string; valueUri: string }[];
  dates: { date: string; dateType: 'Collected' | 'Available' }[];
  rightsList: {
    rights: string;
    rightsUri: string;
    rightsIdentifier: string;
    rightsIdentifierScheme: string;
    schemeUri: string;
  }[];
  descriptions: { description: string; descriptionType: 'Abstract' | 'TechnicalInfo' }[];
  relatedIdentifiers: {
    relatedIdentifier: string;
    relatedIdentifierType: 'DOI' | 'URL';
    relationType: 'HasPart';
  }[];
  event?: 'publish';
}

const isDoi = (s: string) => /^10\.\d{4,9}\/\S+$/.test(s);

/** The DataCite view of a session record; `baseUrl` makes the landing page URL. */
export function dataciteAttributes(r: SessionRecord, baseUrl: string): DataCiteAttributes {
  const slash = r.doi.indexOf('/');
  const people = creatorsOf(r.members);
  const creators: DataCiteAttributes['creators'] = people.length
    ? people.map((p) => ({
        name: p.name,
        nameType: 'Personal' as const,
        ...(p.givenName ? { givenName: p.givenName } : {}),
        ...(p.familyName ? { familyName: p.familyName } : {}),
        nameIdentifiers: p.orcid
          ? [
              {
                nameIdentifier: `https://orcid.org/${p.orcid}`,
                nameIdentifierScheme: 'ORCID',
                schemeUri: 'https://orcid.org',
              },
            ]
          : [],
        affiliation: p.affiliation ? [{ name: p.affiliation }] : [],
      }))
    : // A session without members is still somebody's work: the facility stands in as creator.
      [
        {
          name: r.facility.fullName,
          nameType: 'Organizational' as const,
          nameIdentifiers: [],
          affiliation: [],
        },
      ];
  return {
    doi: r.doi,
    prefix: r.doi.slice(0, slash),
    suffix: r.doi.slice(slash + 1),
    url: `${baseUrl}${landingPath(r.doi)}`,
    schemaVersion: DATACITE_SCHEMA,
    creators,
    titles: [{ title: r.title }],
    publisher: r.facility.fullName,
    publicationYear: r.availableAt.getUTCFullYear(),
    types: {
      resourceTypeGeneral: 'Dataset',
      resourceType: RESOURCE_TYPE,
      schemaOrg: 'Dataset',
      bibtex: 'misc',
      ris: 'DATA',
      citeproc: 'dataset',
    },
    subjects: r.techniques.map((t) => ({
      subject: t.name,
      subjectScheme: 'PaNET',
      schemeUri: PANET_BASE,
      valueUri: `${PANET_BASE}${t.id}`,
    })),
    dates: [
      { date: `${isoSeconds(r.start)}/${isoSeconds(r.end)}`, dateType: 'Collected' },
      { date: isoDay(r.availableAt), dateType: 'Available' },
    ],
    rightsList: [
      {
        rights: LICENCE.name,
        rightsUri: LICENCE.uri,
        rightsIdentifier: LICENCE.id.toLowerCase(),
        rightsIdentifierScheme: 'SPDX',
        schemeUri: 'https://spdx.org/licenses/',
      },
    ],
    descriptions: [
      ...(r.summary.trim() ? [{ description: r.summary.trim(), descriptionType: 'Abstract' as const }] : []),
      { description: technicalInfo(r), descriptionType: 'TechnicalInfo' as const },
    ],
    relatedIdentifiers: r.datasets.map((d) =>
      isDoi(d.pid)
        ? {
            relatedIdentifier: d.pid,
            relatedIdentifierType: 'DOI' as const,
            relationType: 'HasPart' as const,
          }
        : {
            relatedIdentifier: `${baseUrl}/api/datasets/${encodeURIComponent(d.pid)}`,
            relatedIdentifierType: 'URL' as const,
            relationType: 'HasPart' as const,
          },
    ),
  };
}

/** Where and when the data were taken: public even during the embargo. */
export const technicalInfo = (r: SessionRecord): string =>
  `Experimental session ${r.sessionId} (proposal ${r.proposalId}) on instrument ${r.instrument.name} at ${r.facility.fullName}, ` +
  `${isoDay(r.start)} to ${isoDay(r.end)}.`;

/**
 * Checks the properties DataCite requires (kernel-4 mandatory: identifier, creator, title,
 * publisher, publicationYear, resourceType; plus the URL a findable DOI resolves to) before
 * anything is sent. Returns the JSON pointers of what is missing or wrong.
 */
export function dataciteProblems(a: DataCiteAttributes): string[] {
  const problems: string[] = [];
  if (!isDoi(a.doi)) problems.push('/doi');
  if (!a.creators.length) problems.push('/creators');
  a.creators.forEach((c, i) => !c.name.trim() && problems.push(`/creators/${i}/name`));
  if (!a.titles.length || a.titles.some((t) => !t.title.trim())) problems.push('/titles');
  if (!a.publisher.trim()) problems.push('/publisher');
  if (!Number.isInteger(a.publicationYear) || a.publicationYear < 1000 || a.publicationYear > 9999)
    problems.push('/publicationYear');
  if (a.types.resourceTypeGeneral !== 'Dataset') problems.push('/types/resourceTypeGeneral');
  if (!/^https?:\/\/\S+$/.test(a.url)) problems.push('/url');
  if (a.schemaVersion !== DATACITE_SCHEMA) problems.push('/schemaVersion');
  return problems;
}

export function validateDatacite(a: DataCiteAttributes): DataCiteAttributes {
  const problems = dataciteProblems(a);
  if (problems.length) {
    throw new AppError(
      'invalid_doi_metadata',
      422,
      `DataCite metadata for ${a.doi} is incomplete: ${problems.join(', ')}`,
      { pointers: problems },
    );
  }
  return a;
}
