import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services.ts';
import { accessOf } from '../../http/auth.ts';
import { AppError } from '../../errors.ts';
import type { Access } from '../../catalogue/access.ts';
import { visibleDatafiles } from '../../catalogue/datafiles/repo.ts';
import type { Db } from '../../db/connect.ts';
import { recordForDoi, type SessionRecord } from '../metadata/record.ts';
import { dataciteAttributes } from '../metadata/datacite.ts';
import { dataciteXml } from '../metadata/datacite-xml.ts';
import { schemaOrgDataset } from '../metadata/schema-org.ts';
import { bibtex, ris } from '../metadata/citation.ts';
import { FORMATS, isFormat, negotiate, type Format } from './negotiate.ts';
import { landingHtml, notFoundHtml, type LandingFile } from './html.ts';

const FILES_PER_DATASET = 20;

/** `/doi/<doi>`: the landing page a DOI resolves to, with DataCite/schema.org/citation formats. */
export const landingRoutes =
  (services: Services): FastifyPluginAsync =>
  async (app) => {
    const db = services.database.db;
    app.get('/doi/*', { schema: { hide: true } }, async (req, reply) => {
      const raw = (req.params as { '*': string })['*'];
      const doi = raw.includes('%') ? safeDecode(raw) : raw;
      const asked = (req.query as { format?: string }).format;
      if (asked !== undefined && !isFormat(asked)) {
        throw new AppError(
          'invalid_format',
          400,
          `format must be one of: ${Object.keys(FORMATS).join(', ')}`,
        );
      }
      const format: Format | undefined = asked ?? negotiate(req.headers.accept);
      reply.header('vary', 'Accept');
      if (!format) {
        return reply.status(406).send({
          code: 'not_acceptable',
          message: `This DOI is available as: ${Object.values(FORMATS).join(', ')}`,
          details: { formats: Object.values(FORMATS) },
        });
      }
      const access = accessOf(req, services);
      const record = doi ? await recordForDoi(db, doi, access.now, access) : undefined;
      if (!record) {
        if (format === 'html')
          return reply.status(404).type('text/html; charset=utf-8').send(notFoundHtml(doi));
        return reply
          .status(404)
          .send({ code: 'doi_not_found', message: `No DOI ${JSON.stringify(doi)} here` });
      }
      const baseUrl = services.config.baseUrl;
      const attributes = dataciteAttributes(record, baseUrl);
      reply.type(`${FORMATS[format]}; charset=utf-8`);
      switch (format) {
        case 'datacite-json':
          return JSON.stringify(attributes, null, 2);
        case 'datacite-xml':
          return dataciteXml(attributes);
        case 'jsonld':
          return JSON.stringify(schemaOrgDataset(record, baseUrl), null, 2);
        case 'bibtex':
          return bibtex(record, attributes);
        case 'ris':
          return ris(record, attributes);
        case 'html':
          return landingHtml(record, {
            jsonLd: schemaOrgDataset(record, baseUrl),
            files: await filesFor(db, access, record),
            baseUrl,
          });
      }
    });
  };

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Download links: the first files of each dataset the caller may see (policy in SQL). */
async function filesFor(db: Db, access: Access, r: SessionRecord): Promise<LandingFile[]> {
  if (!r.detailed || r.datasets.length === 0) return [];
  const rows = await visibleDatafiles(db, access)
    .select(['datafile.id', 'datafile.dataset_pid', 'datafile.path', 'datafile.size'])
    .where('dataset.session_id', '=', r.sessionId)
    .orderBy('datafile.dataset_pid')
    .orderBy('datafile.path')
    .limit(FILES_PER_DATASET * r.datasets.length)
    .execute();
  const perDataset = new Map<string, number>();
  return rows.flatMap((f) => {
    const n = (perDataset.get(f.dataset_pid) ?? 0) + 1;
    perDataset.set(f.dataset_pid, n);
    return n > FILES_PER_DATASET
      ? []
      : [{ id: Number(f.id), datasetPid: f.dataset_pid, path: f.path, size: Number(f.size) }];
  });
}
