// The operators' tape API (src/archive/workflow/routes.ts): wire shapes kept by hand, one function per endpoint.
import { get, send } from './client.ts';

export type CartridgeState = 'available' | 'full' | 'failed';
export type ArchiveStep = 'pack' | 'write' | 'verify' | 'catalogue' | 'release' | 'done' | 'failed';
export type RecallState = 'queued' | 'running' | 'done' | 'failed';

export interface QueueCounts {
  queued: number;
  running: number;
  done: number;
  failed: number;
}

/** GET /api/admin/tape/status */
export interface TapeStatus {
  libraries: { name: string; kind: string; root: string; cartridges: number; pools: string[] }[];
  cartridges: {
    total: number;
    available: number;
    full: number;
    failed: number;
    capacity: number;
    used: number;
  };
  queue: QueueCounts;
  activeArchiveRuns: number;
  /** Bytes moved by all drives since they were configured (totals, not rates). */
  throughput: { bytesRead: number; bytesWritten: number };
  copies: { datafiles: number; archivedTwice: number };
}

export interface Cartridge {
  barcode: string;
  library: string;
  pool: string;
  copy: number;
  generation: string;
  capacity: number;
  used: number;
  /** used ÷ capacity, 0–1 */
  fill: number;
  tapeFiles: number;
  errors: number;
  lastError: string | null;
  state: CartridgeState | string;
  inUseBy: string | null;
}

export interface Drive {
  library: string;
  name: string;
  /** null: empty, or the library could not be opened (then `failed` is null too) */
  loaded: string | null;
  failed: boolean | null;
  errors: number;
  lastError: string | null;
  bytesRead: number;
  bytesWritten: number;
}

export interface ArchiveRunItem {
  id: number;
  dataset: string;
  step: ArchiveStep | string;
  error: string | null;
  createdAt: string;
}

export interface RecallItem {
  id: number;
  datafileId: number;
  path: string;
  state: RecallState | string;
  cartridge: string | null;
  tapeFile: number | null;
  attempts: number;
  error: string | null;
  downloadId: string | null;
  createdAt: string;
}

/** GET /api/admin/tape/queue */
export interface TapeQueue {
  counts: QueueCounts;
  archiveRuns: ArchiveRunItem[];
  recalls: RecallItem[];
}

/** POST /api/admin/archive/requests (202) */
export interface ArchiveRun {
  id: number;
  datasetPid: string;
  step: ArchiveStep | string;
  error: string | null;
}

/** GET /api/admin/archive/policy: which datasets the scheduled pass archives, and how. */
export interface ArchivePolicy {
  enabled: boolean;
  minAgeDays: number;
  minBytes: number | null;
  release: boolean;
  containerBytes: number;
  largeFileBytes: number;
}

export const tapeApi = {
  status: (signal?: AbortSignal) => get<TapeStatus>('/admin/tape/status', undefined, signal),
  cartridges: (signal?: AbortSignal) => get<Cartridge[]>('/admin/tape/cartridges', undefined, signal),
  drives: (signal?: AbortSignal) => get<Drive[]>('/admin/tape/drives', undefined, signal),
  queue: (signal?: AbortSignal) => get<TapeQueue>('/admin/tape/queue', { limit: 100 }, signal),
  policy: (signal?: AbortSignal) => get<ArchivePolicy>('/admin/archive/policy', undefined, signal),
  requestArchive: (dataset: string, release: boolean) =>
    send<ArchiveRun>('POST', '/admin/archive/requests', { dataset, release }),
  restore: (what: { datasets?: string[]; files?: number[] }) =>
    send<{ recalls: number[] }>('POST', '/admin/restore', what),
};
