import { doiUrl } from '../doi/name.ts';
import { creatorsOf, initials, type Person } from './people.ts';
import type { SessionRecord } from './record.ts';
import { isoDay, LICENCE } from './licence.ts';
import type { DataCiteAttributes } from './datacite.ts';

const year = (r: SessionRecord) => r.availableAt.getUTCFullYear();
const people = (r: SessionRecord): Person[] => {
  const list = creatorsOf(r.members);
  return list.length
    ? list
    : [{ name: r.facility.fullName, givenName: null, familyName: null, orcid: null, affiliation: null }];
};

/** APA 7 for a data set: "Lovelace, A., & Babbage, C. (2029). Title [Data set]. Publisher. https://doi.org/…" */
export function apaCitation(r: SessionRecord): string {
  const names = people(r).map((p) =>
    p.familyName && p.givenName ? `${p.familyName}, ${initials(p.givenName)}` : p.name,
  );
  let authors: string;
  if (names.length === 1) authors = names[0]!;
  else if (names.length <= 20) authors = `${names.slice(0, -1).join(', ')}, & ${names[names.length - 1]}`;
  else authors = `${names.slice(0, 19).join(', ')}, … ${names[names.length - 1]}`;
  return `${authors} (${year(r)}). ${r.title} [Data set]. ${r.facility.fullName}. ${doiUrl(r.doi)}`;
}

/** DataCite's recommended form: "Creator (PublicationYear): Title. Publisher. (Dataset). DOI". */
export function dataciteCitation(r: SessionRecord): string {
  return `${people(r)
    .map((p) => p.name)
    .join('; ')} (${year(r)}): ${r.title}. ${r.facility.fullName}. (Dataset). ${doiUrl(r.doi)}`;
}

// BibTeX special characters; braces are escaped so titles cannot unbalance the entry.
const bib = (s: string) =>
  s.replace(/[\\{}%&$#_^~]/g, (c) =>
    c === '\\' ? '\\textbackslash{}' : c === '^' || c === '~' ? `\\${c}{}` : `\\${c}`,
  );

export function bibtex(r: SessionRecord, a: DataCiteAttributes): string {
  const key = r.doi.replace(/[^A-Za-z0-9]+/g, '_');
  const fields: [string, string][] = [
    ['doi', r.doi],
    ['url', doiUrl(r.doi)],
    [
      'author',
      people(r)
        .map((p) => bib(p.name))
        .join(' and '),
    ],
    ['title', bib(r.title)],
    ['publisher', bib(r.facility.fullName)],
    ['year', String(year(r))],
    ['note', bib(`Dataset. Instrument ${r.instrument.name}`)],
    ['copyright', LICENCE.name],
  ];
  if (a.subjects.length) fields.push(['keywords', a.subjects.map((s) => bib(s.subject)).join(', ')]);
  return `@misc{${key},\n${fields.map(([k, v]) => `  ${k} = {${v}}`).join(',\n')}\n}\n`;
}

/** RIS (tagged lines, CRLF as the format has it): TY DATA … ER. */
export function ris(r: SessionRecord, a: DataCiteAttributes): string {
  const line = (tag: string, value: string) => `${tag}  - ${value.replace(/\s*[\r\n]+\s*/g, ' ')}`;
  const lines = [
    line('TY', 'DATA'),
    line('T1', r.title),
    ...people(r).map((p) => line('AU', p.name)),
    line('DO', r.doi),
    line('UR', doiUrl(r.doi)),
    line('PY', String(year(r))),
    line('DA', isoDay(r.availableAt).replace(/-/g, '/')),
    line('PB', r.facility.fullName),
    ...a.descriptions.map((d) => line(d.descriptionType === 'Abstract' ? 'AB' : 'N1', d.description)),
    ...a.subjects.map((s) => line('KW', s.subject)),
    line('LA', 'en'),
    line('ER', ''),
  ];
  return `${lines.join('\r\n')}\r\n`;
}
