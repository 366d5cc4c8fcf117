import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../services.ts';
import { requireRole } from './auth.ts';
import { audit } from '../audit/log.ts';
import { actorName } from '../auth/caller.ts';
import { importCatalogue } from '../catalogue/import/run.ts';
import { decodeCursor, toPage } from '../catalogue/pagination.ts';
import { ListQuery, Page } from './wire.ts';

const AuditEntry = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String(),
  action: Type.String(),
  target: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
});

export const adminRoutes =
  (services: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const db = services.database.db;
    const tags = ['admin'];

    app.post(
      '/import',
      {
        bodyLimit: 64 * 1024 * 1024,
        schema: {
          tags,
          summary: 'Upsert a user-office export (admins)',
          body: Type.Unknown(),
          response: { 200: Type.Record(Type.String(), Type.Integer()), 422: Type.Ref('Error') },
        },
      },
      async (req) => {
        requireRole(req, 'admin');
        const summary = await importCatalogue(db, req.body, services.config);
        await audit(db, {
          actor: actorName(req.caller),
          action: 'catalogue.import',
          details: { ...summary },
        });
        return summary;
      },
    );

    app.get(
      '/audit',
      {
        schema: {
          tags,
          summary: 'The append-only audit log, newest first (admins)',
          querystring: Type.Object({
            ...ListQuery,
            action: Type.Optional(Type.String()),
            actor: Type.Optional(Type.String()),
          }),
          response: { 200: Page(AuditEntry) },
        },
      },
      async (req) => {
        requireRole(req, 'admin');
        const limit = req.query.limit ?? 50;
        const after = decodeCursor(req.query.cursor, 1);
        let q = db
          .selectFrom('audit_log')
          .selectAll()
          .orderBy('id', 'desc')
          .limit(limit + 1);
        if (after) q = q.where('id', '<', Number(after[0]));
        if (req.query.action) q = q.where('action', '=', req.query.action);
        if (req.query.actor) q = q.where('actor', '=', req.query.actor);
        return toPage(
          await q.execute(),
          limit,
          (r) => [r.id],
          (r) => ({ ...r, at: r.at.toISOString() }),
        );
      },
    );
  };
