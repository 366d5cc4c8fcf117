import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../services.ts';
import { PRIVILEGED_ROLES } from '../../auth/caller.ts';
import { requireRole } from '../../http/auth.ts';
import { errors } from '../workflow/wire.ts';
import { sessionContainers } from './list.ts';
import { SessionContainers } from './wire.ts';

/**
 * GET /api/admin/archive/sessions/:id/containers: what `archive pack --session` recorded. Read like
 * the other archive and tape pages: staff, data managers and admins (who see every session anyway).
 */
export const sessionContainerRoutes =
  (services: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/admin/archive/sessions/:id/containers',
      {
        schema: {
          tags: ['tape'],
          summary: "A session's packed containers and own tape files (recorded by `archive pack --session`)",
          params: Type.Object({ id: Type.String({ minLength: 1 }) }),
          response: { 200: SessionContainers, ...errors },
        },
      },
      async (req) => {
        requireRole(req, ...PRIVILEGED_ROLES);
        return sessionContainers(services.database.db, req.params.id);
      },
    );
  };
