import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../services.ts';
import { landingRoutes } from './landing/routes.ts';
import { oaiRoutes } from './oai/routes.ts';

/** The open-data endpoints outside /api: DOI landing pages (/doi/…) and OAI-PMH (/oai). */
export const openDataRoutes =
  (services: Services): FastifyPluginAsync =>
  async (app) => {
    await app.register(landingRoutes(services));
    await app.register(oaiRoutes(services));
  };
