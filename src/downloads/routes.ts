import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.ts';
import { accessOf } from '../http/auth.ts';
import { actorName } from '../auth/caller.ts';
import { audit } from '../audit/log.ts';
import { AppError } from '../errors.ts';
import { fileOnDisk, isOnDisk, locateFiles, type LocatedFile } from './locate.ts';
import { sendArchive, sendFile } from './send.ts';
import { createDownload, getDownload } from './requests.ts';
import { readHdf5Tree } from './hdf5-tree.ts';
import { DownloadWire } from './wire.ts';

const errors = {
  400: Type.Ref('Error'),
  404: Type.Ref('Error'),
  409: Type.Ref('Error'),
  416: Type.Ref('Error'),
};
const tags = ['downloads'];

/** File content (with Range), zip/tar of many files, and downloads waiting for a tape restore. */
export const downloadRoutes =
  (services: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const db = services.database.db;
    const roots = services.config.dataRoots;
    app.addSchema(DownloadWire);
    /** What was sent, audited; a HEAD sends no bytes and is no download. */
    const auditSent = (req: FastifyRequest, entry: Parameters<typeof audit>[1]) =>
      req.method === 'HEAD' ? undefined : audit(db, entry);

    /** Streams the files as one archive, or answers 202 with a download id when some are on tape. */
    const archiveOrQueue = async (
      req: FastifyRequest,
      reply: FastifyReply,
      files: LocatedFile[],
      format: 'zip' | 'tar',
      target: string | null,
    ) => {
      const actor = actorName(req.caller);
      const pending = files.filter((f) => !isOnDisk(f.state)).map((f) => f.id);
      if (pending.length) {
        const d = await createDownload(
          db,
          req.caller,
          format,
          files.map((f) => f.id),
          pending,
        );
        await audit(db, {
          actor,
          action: 'download.request',
          target: `download:${d.id}`,
          details: { files: files.length, pending: pending.length, format },
        });
        return reply.status(202).send(d);
      }
      const sent = await sendArchive(reply, files, format, roots);
      await auditSent(req, {
        actor,
        action: 'download.archive',
        target,
        details: {
          format,
          files: files.length,
          bytes: sent.bytes,
          datasets: [...new Set(files.map((f) => f.datasetPid))],
        },
      });
      return sent.reply;
    };

    app.get(
      '/datafiles/:id/content',
      {
        schema: {
          tags,
          summary:
            'The bytes of a file (Range supported); 202 with a download id when it must first be restored from tape',
          params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
          response: { 202: Type.Ref('Download'), ...errors },
        },
      },
      async (req, reply) => {
        const access = accessOf(req, services);
        const [f] = await locateFiles(db, access, { files: [req.params.id] });
        const actor = actorName(req.caller);
        if (!isOnDisk(f!.state)) {
          const d = await createDownload(db, req.caller, 'file', [f!.id], [f!.id]);
          await audit(db, {
            actor,
            action: 'download.request',
            target: `datafile:${f!.id}`,
            details: { download: d.id, state: f!.state },
          });
          return reply.status(202).send(d);
        }
        const sent = await sendFile(req, reply, f!, roots);
        await auditSent(req, {
          actor,
          action: 'download.file',
          target: `datafile:${f!.id}`,
          details: {
            dataset: f!.datasetPid,
            path: f!.path,
            status: sent.status,
            bytes: sent.bytes,
            ...(sent.range ? { range: sent.range } : {}),
          },
        });
        return sent.reply;
      },
    );

    app.post(
      '/downloads',
      {
        schema: {
          tags,
          summary:
            'A zip (default) or tar of whole datasets and single files, streamed; 202 with a download id if some are on tape',
          body: Type.Object(
            {
              datasets: Type.Optional(
                Type.Array(Type.String({ minLength: 1, maxLength: 500 }), { maxItems: 1000 }),
              ),
              files: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 100_000 })),
              format: Type.Optional(Type.Union([Type.Literal('zip'), Type.Literal('tar')])),
            },
            { additionalProperties: false },
          ),
          response: { 202: Type.Ref('Download'), ...errors },
        },
      },
      async (req, reply) => {
        const files = await locateFiles(db, accessOf(req, services), req.body);
        if (files.length === 0)
          throw new AppError('empty_download', 400, 'Name at least one dataset with files, or one file');
        const whole = req.body.datasets?.length === 1 && !req.body.files?.length;
        return archiveOrQueue(
          req,
          reply,
          files,
          req.body.format ?? 'zip',
          whole ? req.body.datasets![0]! : null,
        );
      },
    );

    app.get(
      '/downloads/:id',
      {
        schema: {
          tags,
          summary: 'Status of a download waiting for files to come back from tape',
          params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
          response: { 200: Type.Ref('Download'), ...errors },
        },
      },
      (req) => getDownload(db, req.caller, req.params.id),
    );

    app.get(
      '/downloads/:id/content',
      {
        schema: {
          tags,
          summary: 'The content of a ready download',
          params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
          response: errors,
        },
      },
      async (req, reply) => {
        const d = await getDownload(db, req.caller, req.params.id);
        if (d.status !== 'ready')
          throw new AppError('download_not_ready', 409, `Download ${d.id} is ${d.status}`, {
            pending: d.pending,
          });
        const access = accessOf(req, services);
        const files = await locateFiles(db, access, { files: d.files });
        const actor = actorName(req.caller);
        if (d.format === 'file') {
          const sent = await sendFile(req, reply, files[0]!, roots);
          await auditSent(req, {
            actor,
            action: 'download.file',
            target: `datafile:${files[0]!.id}`,
            details: { download: d.id, status: sent.status, bytes: sent.bytes },
          });
          return sent.reply;
        }
        const sent = await sendArchive(reply, files, d.format, roots);
        await auditSent(req, {
          actor,
          action: 'download.archive',
          target: `download:${d.id}`,
          details: { format: d.format, files: files.length, bytes: sent.bytes },
        });
        return sent.reply;
      },
    );

    app.get(
      '/datasets/:pid/download',
      {
        schema: {
          tags,
          summary:
            'The whole dataset as one zip (default) or tar: a plain link for browsers; same rules as POST /downloads',
          params: Type.Object({ pid: Type.String({ minLength: 1 }) }),
          querystring: Type.Object({
            format: Type.Optional(Type.Union([Type.Literal('zip'), Type.Literal('tar')])),
          }),
          response: { 202: Type.Ref('Download'), ...errors },
        },
      },
      async (req, reply) => {
        const files = await locateFiles(db, accessOf(req, services), { datasets: [req.params.pid] });
        if (files.length === 0) throw new AppError('empty_download', 400, 'This dataset has no files');
        return archiveOrQueue(req, reply, files, req.query.format ?? 'zip', req.params.pid);
      },
    );

    app.get(
      '/datafiles/:id/tree',
      {
        schema: {
          tags,
          summary:
            'Structure of an HDF5/NeXus file (groups, datasets, attributes, small values) for the portal preview',
          params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
          response: {
            200: Type.Object({ root: Type.Unknown(), truncated: Type.Boolean() }),
            ...errors,
            422: Type.Ref('Error'),
          },
        },
      },
      async (req) => {
        const [f] = await locateFiles(db, accessOf(req, services), { files: [req.params.id] });
        if (!isOnDisk(f!.state))
          throw new AppError(
            'datafile_not_online',
            409,
            `Datafile ${f!.id} is ${f!.state}; download it to restore it first`,
          );
        return readHdf5Tree((await fileOnDisk(f!, roots)).absolute);
      },
    );
  };
