import { doiUrl } from '../doi/name.ts';
import { creatorsOf } from '../metadata/people.ts';
import type { SessionRecord } from '../metadata/record.ts';
import { isoDay, LICENCE } from '../metadata/licence.ts';
import { apaCitation, dataciteCitation } from '../metadata/citation.ts';
import { scriptJson } from '../metadata/schema-org.ts';
import { STYLE } from './style.ts';

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface LandingFile {
  id: number;
  datasetPid: string;
  path: string;
  size: number;
}

const bytes = (n: number) => {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) ((v /= 1000), i++);
  return `${i ? v.toFixed(1) : v} ${units[i]}`;
};

const page = (title: string, body: string, head = '') => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style>${head}</head>
<body><main>${body}</main></body></html>
`;

/**
 * The human landing page of a DOI. Only what the record holds is shown: for an embargoed session
 * seen by someone outside it, that is the public DOI metadata (title, instrument, dates, people).
 */
export function landingHtml(
  r: SessionRecord,
  opts: { jsonLd: unknown; files: LandingFile[]; baseUrl: string },
): string {
  const e = escapeHtml;
  const doiLink = doiUrl(r.doi);
  const people = creatorsOf(r.members)
    .map(
      (p) =>
        `<li><span class="name">${e(p.givenName && p.familyName ? `${p.givenName} ${p.familyName}` : p.name)}</span>` +
        (p.orcid
          ? ` <a class="orcid" href="https://orcid.org/${e(p.orcid)}" title="ORCID iD">ORCID ${e(p.orcid)}</a>`
          : '') +
        (p.affiliation ? ` <span class="aff">${e(p.affiliation)}</span>` : '') +
        '</li>',
    )
    .join('');
  const status = r.isPublic
    ? `<span class="badge open">Open data · ${e(LICENCE.id)}</span>`
    : `<span class="badge embargo">Embargoed until ${e(isoDay(r.releaseDate))}</span>`;
  const formats = (['bibtex', 'ris', 'datacite-xml', 'datacite-json', 'jsonld'] as const)
    .map(
      (f) =>
        `<a href="?format=${f}">${{ bibtex: 'BibTeX', ris: 'RIS', 'datacite-xml': 'DataCite XML', 'datacite-json': 'DataCite JSON', jsonld: 'schema.org JSON-LD' }[f]}</a>`,
    )
    .join(' · ');
  const filesOf = (pid: string) => opts.files.filter((f) => f.datasetPid === pid);
  const datasets = r.detailed
    ? `<section><h2>Datasets</h2>${
        r.datasets.length
          ? `<table><thead><tr><th>Dataset</th><th>PID</th><th>Files</th><th>Size</th></tr></thead><tbody>${r.datasets
              .map((d) => {
                const files = filesOf(d.pid);
                const links = files.length
                  ? `<ul class="files">${files.map((f) => `<li><a href="${e(`${opts.baseUrl}/api/datafiles/${f.id}/content`)}" download>${e(f.path)}</a> <span class="muted">${bytes(f.size)}</span></li>`).join('')}${
                      d.fileCount > files.length
                        ? `<li class="muted">… and ${d.fileCount - files.length} more</li>`
                        : ''
                    }</ul>`
                  : '';
                return `<tr><td>${e(d.title ?? d.name)}${links}</td><td><code>${e(d.pid)}</code></td><td>${d.fileCount}</td><td>${bytes(d.size)}</td></tr>`;
              })
              .join('')}</tbody></table>`
          : '<p class="muted">No datasets registered yet.</p>'
      }</section>`
    : `<section><h2>Data</h2><p class="muted">The data of this session are under embargo until ${e(isoDay(r.releaseDate))}. They will then be open under ${e(LICENCE.name)}.</p></section>`;
  const body = `
<header><p class="facility">${e(r.facility.fullName)}</p><h1>${e(r.title)}</h1>
<p class="doi"><a href="${e(doiLink)}">${e(doiLink)}</a> ${status}</p></header>
<section class="facts"><dl>
<dt>Instrument</dt><dd>${e(r.instrument.name)} <span class="muted">(${e(r.instrument.id)})</span></dd>
<dt>Collected</dt><dd><time datetime="${e(r.start.toISOString())}">${e(isoDay(r.start))}</time> – <time datetime="${e(r.end.toISOString())}">${e(isoDay(r.end))}</time></dd>
<dt>${r.isPublic ? 'Available since' : 'Available from'}</dt><dd>${e(isoDay(r.availableAt))}</dd>
<dt>Licence</dt><dd><a href="${LICENCE.pageUri}">${e(LICENCE.name)}</a></dd>
<dt>Session</dt><dd>${e(r.sessionId)} <span class="muted">proposal ${e(r.proposalId)}</span></dd>
${r.techniques.length ? `<dt>Techniques</dt><dd>${r.techniques.map((t) => e(t.name)).join(', ')}</dd>` : ''}
</dl></section>
<section><h2>People</h2><ul class="people">${people || '<li class="muted">none recorded</li>'}</ul></section>
${r.detailed && r.summary.trim() ? `<section><h2>Description</h2><p class="summary">${e(r.summary)}</p></section>` : ''}
<section class="cite"><h2>Cite as</h2>
<h3>APA</h3><p class="citation" id="cite-apa">${e(apaCitation(r))}</p>
<h3>DataCite</h3><p class="citation" id="cite-datacite">${e(dataciteCitation(r))}</p>
<p class="formats">Export: ${formats}</p></section>
${datasets}
<footer>Published by ${e(r.facility.fullName)} with fairbeam · metadata also via <a href="${e(opts.baseUrl)}/oai?verb=Identify">OAI-PMH</a></footer>`;
  return page(
    `${r.title} · ${r.doi}`,
    body,
    `<script type="application/ld+json">${scriptJson(opts.jsonLd)}</script>`,
  );
}

export function notFoundHtml(doi: string): string {
  return page(
    'DOI not found',
    `<h1>DOI not found</h1><p>No dataset here has the DOI <code>${escapeHtml(doi)}</code>.</p>`,
  );
}
