import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt } from './columns.ts';

// Ingest and downloads (migration 0004).
export interface DatasetLocationTable {
  dataset_pid: string;
  root: string;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
export type IngestRunStatus = 'running' | 'done' | 'failed';
export interface IngestRunTable {
  id: Generated<number>;
  dataset_pid: string;
  directory: string | null;
  actor: string;
  status: ColumnType<IngestRunStatus, IngestRunStatus | undefined, IngestRunStatus>;
  registered: ColumnType<number, number | undefined, number>;
  bytes: ColumnType<number, number | undefined, number>;
  errors: ColumnType<unknown[], string | undefined, string>;
  started_at: CreatedAt;
  finished_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}
export type DownloadStatus = 'restoring' | 'ready' | 'failed';
export interface DownloadTable {
  id: string;
  actor: string;
  status: DownloadStatus;
  format: 'zip' | 'tar' | 'file';
  datafile_ids: number[];
  pending_ids: ColumnType<number[], number[] | undefined, number[]>;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface IngestTables {
  dataset_location: DatasetLocationTable;
  ingest_run: IngestRunTable;
  download: DownloadTable;
}
