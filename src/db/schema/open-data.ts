import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Defaulted, Json, OptionalTime, Timestamp } from './columns.ts';

// Open data lifecycle: DOIs, embargo requests, OIDC identities (migration 0006).
export type DoiState = 'draft' | 'findable';
export interface DoiRegistrationTable {
  doi: string;
  session_id: string;
  target_state: DoiState;
  registered_state: DoiState | null;
  registrar: string | null;
  attempts: Defaulted<number>;
  last_error: string | null;
  lease_until: OptionalTime;
  created_at: CreatedAt;
  registered_at: OptionalTime;
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
  status: Defaulted<PolicyRequestStatus>;
  requested_by: number;
  requested_at: Timestamp;
  decided_by: number | null;
  decided_at: OptionalTime;
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

export interface OpenDataTables {
  doi_registration: DoiRegistrationTable;
  local_doi: LocalDoiTable;
  policy_request: PolicyRequestTable;
  oidc_identity: OidcIdentityTable;
}
