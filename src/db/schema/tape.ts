import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Defaulted, Json, Nullable, Timestamp, UpdatedAt } from './columns.ts';

// Tape archive (migration 0005).
/** A row a worker claims for a while (src/archive/workflow/lease.ts): who, and until when. */
export interface Leased {
  lease_owner: Nullable<string>;
  lease_until: Nullable<Date | string>;
}
export type TapeLibraryKind = 'virtual' | 'ltfs';
export interface TapeLibraryTable {
  name: string;
  kind: TapeLibraryKind;
  config: Json;
  created_at: CreatedAt;
}
export interface TapePoolTable {
  name: string;
  library: string;
  copy: 1 | 2;
  created_at: CreatedAt;
}
export type CartridgeState = 'available' | 'full' | 'failed';
export interface TapeCartridgeTable extends Leased {
  barcode: string;
  library: string;
  pool: string;
  generation: 'lto7' | 'lto8' | 'lto9';
  capacity: number;
  used: Defaulted<number>;
  errors: Defaulted<number>;
  last_error: Nullable<string>;
  state: Defaulted<CartridgeState>;
  created_at: CreatedAt;
}
export interface TapeDriveTable {
  library: string;
  name: string;
  errors: Defaulted<number>;
  last_error: Nullable<string>;
  bytes_read: Defaulted<number>;
  bytes_written: Defaulted<number>;
  updated_at: UpdatedAt;
}
export type ArchiveStep = 'pack' | 'write' | 'verify' | 'catalogue' | 'release' | 'done' | 'failed';
export interface ArchiveRunTable extends Leased {
  id: Generated<number>;
  dataset_pid: string;
  reason: 'request' | 'policy';
  release: Defaulted<boolean>;
  step: Defaulted<ArchiveStep>;
  error: Nullable<string>;
  actor: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  finished_at: Nullable<Date | string>;
}
export interface ArchiveObjectTable {
  id: Generated<number>;
  run_id: number;
  kind: 'container' | 'file';
  name: string;
  source: string;
  bytes: number;
  sha256: string;
}
/** [offset, length] byte ranges of a container file. */
export type Extents = [number, number][];
export interface ArchiveMemberTable {
  run_id: number;
  datafile_id: number;
  object_id: number;
  member_path: string | null;
  extents: ColumnType<Extents | null, string | null, string | null>;
}
export interface TapeFileTable {
  id: Generated<number>;
  cartridge: string;
  tape_file: number;
  object_id: number | null;
  copy: 1 | 2;
  kind: 'container' | 'file';
  bytes: number;
  sha256: string;
  written_at: CreatedAt;
  verified_at: Nullable<Date | string>;
}
export interface TapeCopyTable {
  datafile_id: number;
  copy: 1 | 2;
  tape_file_id: number;
  member_path: string | null;
  offset: number;
  length: number;
  extents: ColumnType<Extents | null, string | null, string | null>;
  verified_at: Timestamp;
}
export type RecallState = 'queued' | 'running' | 'done' | 'failed';
export interface RecallTable extends Leased {
  id: Generated<number>;
  datafile_id: number;
  target: string | null;
  state: Defaulted<RecallState>;
  download_id: string | null;
  actor: string;
  copy_used: Nullable<number>;
  bytes: Defaulted<number>;
  attempts: Defaulted<number>;
  error: Nullable<string>;
  batch: Nullable<string>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  finished_at: Nullable<Date | string>;
}
export interface ArchivePolicyTable {
  id: number;
  enabled: boolean;
  min_age_days: number;
  min_bytes: number | null;
  release: boolean;
  container_bytes: number;
  large_file_bytes: number;
}

// Containers recorded by `archive pack --session` (migration 0019).
export interface SessionPackTable {
  id: Generated<number>;
  session_id: string;
  out_dir: string;
  source: string;
  target_size: number;
  large_file_threshold: number;
  files: number;
  bytes: number;
  problems: ColumnType<{ path: string; reason: string }[], string, string>;
  generation: Defaulted<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}
export interface SessionContainerTable {
  id: Generated<number>;
  pack_id: number;
  name: string;
  file: string;
  file_size: number;
  file_mtime: Timestamp;
  members: number;
  files: number;
  packed_bytes: number;
  plan_digest: string;
  sha256: string;
  created: Timestamp;
}
export interface SessionOwnTapeFileTable {
  pack_id: number;
  path: string;
  size: number;
  reason: 'large' | 'hdf5';
  datafile_id: number | null;
}
export interface SessionContainerMemberTable {
  container_id: number;
  datafile_id: number;
  member_path: string;
  blob_offset: number;
  length: number;
  extents: ColumnType<Extents | null, string | null, string | null>;
}

export interface TapeTables {
  tape_library: TapeLibraryTable;
  tape_pool: TapePoolTable;
  tape_cartridge: TapeCartridgeTable;
  tape_drive: TapeDriveTable;
  archive_run: ArchiveRunTable;
  archive_object: ArchiveObjectTable;
  archive_member: ArchiveMemberTable;
  tape_file: TapeFileTable;
  tape_copy: TapeCopyTable;
  recall: RecallTable;
  archive_policy: ArchivePolicyTable;
  session_pack: SessionPackTable;
  session_container: SessionContainerTable;
  session_own_tape_file: SessionOwnTapeFileTable;
  session_container_member: SessionContainerMemberTable;
}
