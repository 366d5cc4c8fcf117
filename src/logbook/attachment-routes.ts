import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../services.ts';
import { accessOf } from '../http/auth.ts';
import { assertWritable, findLogbook } from './logbooks.ts';
import { attachmentPath, attachmentsRoot, findAttachment, storeAttachment } from './attachments.ts';
import { AttachmentWire } from './wire.ts';
import { notFound } from '../errors.ts';

const Params = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  sha256: Type.String({ pattern: '^[0-9a-fA-F]{64}$' }),
});

/** Upload (raw body, any content type) and download of attachments; reference them in events by sha256. */
export const attachmentRoutes =
  (services: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const db = services.database.db;
    const root = attachmentsRoot(services.config.home);
    const tags = ['logbook'];
    // Bodies here are files: hand the raw stream to the handler whatever the content type says.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

    app.post(
      '/logbooks/:id/attachments',
      {
        schema: {
          tags,
          summary: 'Upload a file (the request body, its Content-Type); images get a thumbnail',
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
          querystring: Type.Object({ name: Type.String({ minLength: 1, maxLength: 255 }) }),
          response: {
            201: AttachmentWire,
            400: Type.Ref('Error'),
            403: Type.Ref('Error'),
            404: Type.Ref('Error'),
            413: Type.Ref('Error'),
          },
        },
      },
      async (req, reply) => {
        const access = accessOf(req, services);
        const logbook = await findLogbook(db, access, req.params.id);
        assertWritable(logbook, access);
        const body = req.body as Readable | undefined;
        if (!body)
          return reply.status(400).send({ code: 'empty_attachment', message: 'The attachment is empty' });
        const contentType = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
        const attachment = await storeAttachment(db, root, logbook, {
          body,
          name: req.query.name,
          mediaType: contentType,
          now: access.now,
        });
        return reply.status(201).send(attachment);
      },
    );

    const serve =
      (thumbnail: boolean) =>
      async (
        req: { params: { id: string; sha256: string } } & Parameters<typeof accessOf>[0],
        reply: import('fastify').FastifyReply,
      ) => {
        const logbook = await findLogbook(db, accessOf(req, services), req.params.id);
        const a = await findAttachment(db, logbook, req.params.sha256);
        if (thumbnail && !a.thumbnail) throw notFound('thumbnail', a.sha256);
        const file = attachmentPath(root, a.sha256, thumbnail);
        if (!fs.existsSync(file)) throw notFound('attachment', a.sha256);
        // Only raster images render inline; anything else downloads, sandboxed, never sniffed.
        reply
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', "default-src 'none'; sandbox")
          .header('cache-control', 'private, max-age=31536000, immutable')
          .header('etag', `"${a.sha256}${thumbnail ? '.thumb' : ''}"`);
        if (thumbnail) return reply.type('image/png').send(fs.createReadStream(file));
        if (!a.inline)
          reply.header('content-disposition', `attachment; filename="${a.name.replace(/[^\w.-]+/g, '_')}"`);
        return reply
          .type(a.inline ? a.media_type : 'application/octet-stream')
          .send(fs.createReadStream(file));
      };
    app.get('/logbooks/:id/attachments/:sha256', { schema: { tags, params: Params } }, serve(false));
    app.get('/logbooks/:id/attachments/:sha256/thumbnail', { schema: { tags, params: Params } }, serve(true));
  };
