import type { ColumnType, Generated } from 'kysely';

/** Kysely's view of the tables (snake_case as in SQL). Keep in step with migrations/. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json = ColumnType<
  Record<string, unknown>,
  string | Record<string, unknown> | undefined,
  string | Record<string, unknown>
>;

export interface FacilityTable {
  name: string;
  full_name: string | null;
}
export interface TechniqueTable {
  id: string;
  name: string;
}
export interface InstrumentTable {
  id: string;
  name: string;
  facility: string;
  techniques: ColumnType<string[], string[] | undefined, string[]>;
}
export type FacilityRole = 'staff' | 'data_manager' | 'admin';
export type MemberRole = 'principal_investigator' | 'local_contact' | 'collaborator';
export interface AppUserTable {
  id: Generated<number>;
  username: string;
  full_name: string | null;
  email: string | null;
  orcid: string | null;
  affiliation: string | null;
  password_hash: string | null;
  facility_role: FacilityRole | null;
  created_at: CreatedAt;
}
export interface ProposalTable {
  id: string;
  title: ColumnType<string, string | undefined, string>;
  summary: ColumnType<string, string | undefined, string>;
  created_at: CreatedAt;
}
export interface MemberTable {
  user_id: number;
  role: MemberRole;
}
export interface ProposalMemberTable extends MemberTable {
  proposal_id: string;
}
export interface SessionMemberTable extends MemberTable {
  session_id: string;
}
export interface SessionTable {
  id: string;
  proposal_id: string;
  instrument_id: string;
  start_at: Timestamp;
  end_at: Timestamp;
  release_date: Timestamp;
  released_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  doi: string | null;
  created_at: CreatedAt;
}
export interface SampleTable {
  id: Generated<number>;
  session_id: string;
  sample_key: string;
  name: string;
  description: ColumnType<string, string | undefined, string>;
}
export interface DatasetTable {
  pid: string;
  session_id: string;
  name: string;
  title: string | null;
  sample_id: number | null;
  techniques: ColumnType<string[], string[] | undefined, string[]>;
  metadata: Json;
  size: ColumnType<number, number | undefined, number>;
  file_count: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  /** Migration 0003: full-text document for PaNOSC search, maintained by triggers; never written by code. */
  search_vector: ColumnType<string | null, never, never>;
}
export type DatafileState = 'online' | 'archiving' | 'archived' | 'offline' | 'restoring';
export interface DatafileTable {
  id: Generated<number>;
  dataset_pid: string;
  path: string;
  size: ColumnType<number, number | undefined, number>;
  sha256: string | null;
  mtime: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  state: ColumnType<DatafileState, DatafileState | undefined, DatafileState>;
  metadata: Json;
  created_at: CreatedAt;
}
export interface ParameterTable {
  id: Generated<number>;
  dataset_pid: string;
  datafile_id: number | null;
  name: string;
  value_number: number | null;
  value_text: string | null;
  unit: string | null;
  si_value: number | null;
  si_unit: string | null;
}
/** Search postings and technique links, maintained by triggers (migration 0010). */
export interface DatasetTermTable {
  term: string;
  dataset_pid: string;
  weight: number;
  public_from: Date;
}
export interface DatasetTechniqueTable {
  technique_id: string;
  dataset_pid: string;
  public_from: Date;
}
export interface UserSessionTable {
  token_hash: string;
  user_id: number;
  created_at: CreatedAt;
  expires_at: Timestamp;
}
export interface ApiKeyTable {
  id: string;
  name: string;
  secret_hash: string;
  instrument_id: string | null;
  created_at: CreatedAt;
  revoked_at: Date | null;
}
export interface AuditLogTable {
  id: Generated<number>;
  at: CreatedAt;
  actor: string;
  action: string;
  target: string | null;
  details: Json;
}

// Logbook (migration 0002).
export type LogbookScope = 'session' | 'instrument' | 'facility';
export type EventKind = 'annotation' | 'notification' | 'broadcast';
export type EventCategory = 'info' | 'error' | 'debug' | 'commandLine' | 'comment';
export type ContentFormat = 'plainText' | 'markdown' | 'html';
type TextArray = ColumnType<string[], string[] | undefined, string[]>;
type OptionalTime = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Counter = ColumnType<number, number | undefined, number>;
export interface LogbookTable {
  id: string;
  scope: LogbookScope;
  session_id: string | null;
  instrument_id: string | null;
  facility: string | null;
  last_seq: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  /** Counts of its events, kept by posts and deletes (migration 0009). */
  live_events: Counter;
  live_annotations: Counter;
  live_notifications: Counter;
  live_broadcasts: Counter;
  live_comments: Counter;
  deleted_events: Counter;
}
export interface LogbookEventTable {
  id: string;
  logbook_id: string;
  seq: number;
  client_id: string | null;
  input_hash: string | null;
  kind: EventKind;
  category: EventCategory;
  source: string;
  author: string | null;
  author_user_id: number | null;
  occurred_at: Timestamp;
  received_at: Timestamp;
  parent_id: string | null;
  tags: TextArray;
  dataset_ids: TextArray;
  attachments: ColumnType<unknown[], string | undefined, string>;
  content_format: ContentFormat;
  content_text: string;
  content_html: string;
  plain_text: string;
  search: ColumnType<string, never, never>;
  revision: ColumnType<number, number | undefined, number>;
  edited_at: OptionalTime;
  edited_by: string | null;
  deleted_at: OptionalTime;
}
export interface LogbookEventRevisionTable {
  event_id: string;
  revision: number;
  category: EventCategory;
  tags: string[];
  content_format: ContentFormat;
  content_text: string;
  content_html: string;
  deleted: boolean;
  author: string | null;
  at: Timestamp;
}
export interface LogbookIdempotencyTable {
  logbook_id: string;
  key: string;
  body_hash: string;
  response: ColumnType<unknown, string | null | undefined, string | null>;
  created_at: Timestamp;
}
export interface LogbookAttachmentTable {
  logbook_id: string;
  sha256: string;
  name: string;
  media_type: string;
  size: number;
  thumbnail: ColumnType<boolean, boolean | undefined, boolean>;
  width: number | null;
  height: number | null;
  created_at: Timestamp;
}

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

// Open data lifecycle (migration 0006).
export type DoiState = 'draft' | 'findable';
export interface DoiRegistrationTable {
  doi: string;
  session_id: string;
  target_state: DoiState;
  registered_state: DoiState | null;
  registrar: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  lease_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: CreatedAt;
  registered_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}
export interface LocalDoiTable {
  doi: string;
  state: DoiState;
  url: string;
  metadata: Json;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export type PolicyRequestKind = 'extension' | 'early_release';
export type PolicyRequestStatus = 'pending' | 'approved' | 'rejected';
export interface PolicyRequestTable {
  id: Generated<number>;
  session_id: string;
  kind: PolicyRequestKind;
  requested_release_date: ColumnType<Date | null, Date | string | null, Date | string | null>;
  reason: string;
  status: ColumnType<PolicyRequestStatus, PolicyRequestStatus | undefined, PolicyRequestStatus>;
  requested_by: number;
  requested_at: Timestamp;
  decided_by: number | null;
  decided_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  decision_note: string | null;
}
export interface OidcIdentityTable {
  issuer: string;
  subject: string;
  user_id: number;
  email: string | null;
  linked_at: Timestamp;
  last_login_at: Timestamp;
}

// Tape archive (migration 0005).
type Nullable<T> = ColumnType<T | null, T | null | undefined, T | null>;
type Defaulted<T> = ColumnType<T, T | undefined, T>;
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
export interface TapeCartridgeTable {
  barcode: string;
  library: string;
  pool: string;
  generation: 'lto7' | 'lto8' | 'lto9';
  capacity: number;
  used: Defaulted<number>;
  errors: Defaulted<number>;
  last_error: Nullable<string>;
  state: Defaulted<CartridgeState>;
  lease_owner: Nullable<string>;
  lease_until: Nullable<Date | string>;
  created_at: CreatedAt;
}
export interface TapeDriveTable {
  library: string;
  name: string;
  errors: Defaulted<number>;
  last_error: Nullable<string>;
  bytes_read: Defaulted<number>;
  bytes_written: Defaulted<number>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
export type ArchiveStep = 'pack' | 'write' | 'verify' | 'catalogue' | 'release' | 'done' | 'failed';
export interface ArchiveRunTable {
  id: Generated<number>;
  dataset_pid: string;
  reason: 'request' | 'policy';
  release: Defaulted<boolean>;
  step: Defaulted<ArchiveStep>;
  error: Nullable<string>;
  actor: string;
  lease_owner: Nullable<string>;
  lease_until: Nullable<Date | string>;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
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
export interface RecallTable {
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
  lease_owner: Nullable<string>;
  lease_until: Nullable<Date | string>;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
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

export interface DB {
  facility: FacilityTable;
  technique: TechniqueTable;
  instrument: InstrumentTable;
  app_user: AppUserTable;
  proposal: ProposalTable;
  proposal_member: ProposalMemberTable;
  session: SessionTable;
  session_member: SessionMemberTable;
  sample: SampleTable;
  dataset: DatasetTable;
  datafile: DatafileTable;
  parameter: ParameterTable;
  dataset_term: DatasetTermTable;
  dataset_technique: DatasetTechniqueTable;
  user_session: UserSessionTable;
  api_key: ApiKeyTable;
  audit_log: AuditLogTable;
  dataset_location: DatasetLocationTable;
  ingest_run: IngestRunTable;
  download: DownloadTable;
  logbook: LogbookTable;
  logbook_event: LogbookEventTable;
  logbook_event_revision: LogbookEventRevisionTable;
  logbook_idempotency: LogbookIdempotencyTable;
  logbook_attachment: LogbookAttachmentTable;
  doi_registration: DoiRegistrationTable;
  local_doi: LocalDoiTable;
  policy_request: PolicyRequestTable;
  oidc_identity: OidcIdentityTable;
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
}
