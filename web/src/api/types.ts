// Wire shapes of the native API (src/catalogue/wire.ts, src/auth/routes.ts, src/http/wire.ts).
// Kept by hand: the portal is built separately from the server and must not import server code.

export interface Page<T> {
  items: T[];
  next: string | null;
  total?: number;
}

export interface ApiErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

export interface TechniqueRef {
  id: string;
  name: string;
}

export interface Me {
  kind: 'anonymous' | 'user' | 'apikey';
  username?: string;
  fullName?: string | null;
  role?: string | null;
  apiKey?: string;
  instrumentId?: string | null;
}

/** GET /api/auth/oidc: whether single sign-on is offered. */
export interface OidcInfo {
  enabled: boolean;
  name?: string;
  loginUrl?: string;
}

export interface Instrument {
  id: string;
  name: string;
  facility: string;
  techniques: TechniqueRef[];
}

export interface SessionMember {
  username: string;
  fullName: string | null;
  orcid: string | null;
  affiliation: string | null;
  role: string;
}

export interface Session {
  id: string;
  proposalId: string;
  title: string;
  instrumentId: string;
  start: string;
  end: string;
  releaseDate: string;
  releasedAt: string | null;
  isPublic: boolean;
  license: string;
  doi: string | null;
  datasetCount: number;
  members: SessionMember[];
}

export interface Proposal {
  id: string;
  title: string;
  summary: string;
  /** ids of the sessions visible to the caller */
  sessions: string[];
  members: { username: string; fullName: string | null; role: string }[];
}

export interface Parameter {
  name: string;
  value: number | string | null;
  unit: string | null;
  siValue: number | null;
  siUnit: string | null;
  datafileId: number | null;
}

export interface Dataset {
  pid: string;
  name: string;
  title: string | null;
  sessionId: string;
  proposalId: string;
  instrumentId: string;
  sample: { id: number; name: string } | null;
  techniques: TechniqueRef[];
  parameters: Parameter[];
  /** bytes, sum of its files */
  size: number;
  fileCount: number;
  /** GET /datasets/{pid} only: files whose bytes are only on tape now (a download of them answers 202) */
  filesOnTape?: number;
  createdAt: string;
  isPublic: boolean;
  license: string;
  metadata: Record<string, unknown>;
}

export interface Datafile {
  id: number;
  datasetPid: string;
  path: string;
  size: number;
  sha256: string | null;
  mtime: string | null;
  state: string;
  metadata: Record<string, unknown>;
}

/** A download that waits for files to come back from tape (`202` of a content or archive request). */
export interface DownloadRequest {
  id: string;
  status: 'restoring' | 'ready' | 'failed';
  format: string;
  files: number[];
  /** files still to come back from tape */
  pending: number[];
  createdAt: string;
}

export interface Sample {
  id: number;
  sessionId: string;
  key: string;
  name: string;
  description: string;
}

/** An embargo extension or early release asked by a PI and decided by a data manager. */
export interface PolicyRequest {
  id: number;
  sessionId: string;
  kind: 'extension' | 'early_release';
  requestedReleaseDate: string | null;
  reason: string;
  status: 'pending' | 'approved' | 'rejected';
  requestedBy: string;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  /** the session's release date now */
  releaseDate: string;
}
