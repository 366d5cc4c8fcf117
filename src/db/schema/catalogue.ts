import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Defaulted, Json, OptionalTime, TextArray, Timestamp } from './columns.ts';

// Catalogue: facility, people, proposals, sessions, samples, datasets, files, parameters, search postings, API keys, audit (migrations 0001, 0003, 0008, 0010).
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
  techniques: TextArray;
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
  title: Defaulted<string>;
  summary: Defaulted<string>;
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
  released_at: OptionalTime;
  doi: string | null;
  created_at: CreatedAt;
}
export interface SampleTable {
  id: Generated<number>;
  session_id: string;
  sample_key: string;
  name: string;
  description: Defaulted<string>;
}
export interface DatasetTable {
  pid: string;
  session_id: string;
  name: string;
  title: string | null;
  sample_id: number | null;
  techniques: TextArray;
  metadata: Json;
  size: Defaulted<number>;
  file_count: Defaulted<number>;
  created_at: CreatedAt;
  /** Migration 0003: full-text document for PaNOSC search, maintained by triggers; never written by code. */
  search_vector: ColumnType<string | null, never, never>;
}
export type DatafileState = 'online' | 'archiving' | 'archived' | 'offline' | 'restoring';
export interface DatafileTable {
  id: Generated<number>;
  dataset_pid: string;
  path: string;
  size: Defaulted<number>;
  sha256: string | null;
  mtime: OptionalTime;
  state: Defaulted<DatafileState>;
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
  /** The dataset's strong-term bits and weak maximum (migration 0020); the defaults bound nothing.
   * int8 comes back as a JS number (connect.ts), which drops low bits: select `strong_bits::text`. */
  strong_bits: Generated<number>;
  weak_max: Generated<number>;
}
export interface DatasetTechniqueTable {
  technique_id: string;
  dataset_pid: string;
  public_from: Date;
}
export interface TechniqueAncestorTable {
  technique_id: string;
  ancestor_id: string;
}
export interface TechniqueFamilyCountTable {
  technique_id: string;
  session_id: string;
  public_from: Date;
  n: number;
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

export interface CatalogueTables {
  facility: FacilityTable;
  technique: TechniqueTable;
  instrument: InstrumentTable;
  app_user: AppUserTable;
  proposal: ProposalTable;
  proposal_member: ProposalMemberTable;
  session_member: SessionMemberTable;
  session: SessionTable;
  sample: SampleTable;
  dataset: DatasetTable;
  datafile: DatafileTable;
  parameter: ParameterTable;
  dataset_term: DatasetTermTable;
  dataset_technique: DatasetTechniqueTable;
  technique_ancestor: TechniqueAncestorTable;
  technique_family_count: TechniqueFamilyCountTable;
  user_session: UserSessionTable;
  api_key: ApiKeyTable;
  audit_log: AuditLogTable;
}
