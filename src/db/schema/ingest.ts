import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Defaulted, OptionalTime, UpdatedAt } from './columns.ts';

// Ingest and downloads (migration 0004).
export interface DatasetLocationTable {
  dataset_pid: string;
  root: string;
  updated_at: UpdatedAt;
}
export type IngestRunStatus = 'running' | 'done' | 'failed';
export interface IngestRunTable {
  id: Generated<number>;
  dataset_pid: string;
  directory: string | null;
  actor: string;
  status: Defaulted<IngestRunStatus>;
  registered: Defaulted<number>;
  bytes: Defaulted<number>;
  errors: ColumnType<unknown[], string | undefined, string>;
  started_at: CreatedAt;
  finished_at: OptionalTime;
}
export type DownloadStatus = 'restoring' | 'ready' | 'failed';
export interface DownloadTable {
  id: string;
  actor: string;
  status: DownloadStatus;
  format: 'zip' | 'tar' | 'file';
  datafile_ids: number[];
  pending_ids: Defaulted<number[]>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface IngestTables {
  dataset_location: DatasetLocationTable;
  ingest_run: IngestRunTable;
  download: DownloadTable;
}
