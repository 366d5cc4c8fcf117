import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../services.ts';
import { panoscRoutes } from './panosc/routes.ts';
import { federatedRoutes } from './federated/routes.ts';

/** PaNOSC search for this facility at /panosc/api and the federation of configured providers at /federated/api. */
export const searchRoutes =
  (services: Services): FastifyPluginAsync =>
  async (app) => {
    await app.register(panoscRoutes(services), { prefix: '/panosc/api' });
    await app.register(federatedRoutes({ providers: services.config.federatedProviders }), {
      prefix: '/federated/api',
    });
  };
