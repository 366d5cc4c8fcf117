// The operators' tape API (src/archive/workflow/routes.ts), one function per endpoint. The shapes are
// the API's own TypeBox schemas (type-only imports: nothing of the server reaches the bundle).
import type { Static } from '@sinclair/typebox';
import type * as wire from '../../../src/archive/workflow/wire.ts';
import type { ArchiveRun } from '../../../src/archive/workflow/runs.ts';
import type * as packs from '../../../src/archive/packs/wire.ts';
import { get, send } from './client.ts';

/** GET /api/admin/tape/status */
export type TapeStatus = Static<typeof wire.Status>;
/** GET /api/admin/tape/cartridges */
export type Cartridge = Static<typeof wire.Cartridge>;
/** GET /api/admin/tape/drives (`loaded` null: empty, or the library could not be opened) */
export type Drive = Static<typeof wire.Drive>;
/** GET /api/admin/tape/queue */
export type TapeQueue = Static<typeof wire.Queue>;
/** GET /api/admin/archive/policy: which datasets the scheduled pass archives, and how. */
export type ArchivePolicy = Static<typeof wire.Policy>;
export type { ArchiveRun };
/** GET /api/admin/archive/sessions/:id/containers: what `archive pack --session` recorded. */
export type SessionContainers = Static<typeof packs.SessionContainers>;

export const tapeApi = {
  status: (signal?: AbortSignal) => get<TapeStatus>('/admin/tape/status', undefined, signal),
  cartridges: (signal?: AbortSignal) => get<Cartridge[]>('/admin/tape/cartridges', undefined, signal),
  drives: (signal?: AbortSignal) => get<Drive[]>('/admin/tape/drives', undefined, signal),
  queue: (signal?: AbortSignal) => get<TapeQueue>('/admin/tape/queue', { limit: 100 }, signal),
  policy: (signal?: AbortSignal) => get<ArchivePolicy>('/admin/archive/policy', undefined, signal),
  requestArchive: (dataset: string, release: boolean) =>
    send<ArchiveRun>('POST', '/admin/archive/requests', { dataset, release }),
  sessionContainers: (session: string, signal?: AbortSignal) =>
    get<SessionContainers>(
      `/admin/archive/sessions/${encodeURIComponent(session)}/containers`,
      undefined,
      signal,
    ),
  restore: (what: { datasets?: string[]; files?: number[] }) =>
    send<{ recalls: number[] }>('POST', '/admin/restore', what),
};
