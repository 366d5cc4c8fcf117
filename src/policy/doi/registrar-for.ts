import type { Services } from '../../services.ts';
import { dataciteRegistrar } from './datacite-client.ts';
import { localRegistrar } from './local-registrar.ts';
import type { DoiRegistrar } from './registrar.ts';

/** DataCite when it is configured, otherwise the built-in local registrar. */
export function registrarFor(services: Pick<Services, 'config' | 'database' | 'clock'>): DoiRegistrar {
  const dc = services.config.datacite;
  return dc ? dataciteRegistrar(dc) : localRegistrar(services.database.db, services.clock);
}
