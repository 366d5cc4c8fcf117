import { get, post, seg, type Query } from './client.ts';
import type {
  Datafile,
  Dataset,
  DownloadRequest,
  Instrument,
  Me,
  OidcInfo,
  PolicyRequest,
  Page,
  Proposal,
  Sample,
  Session,
  TechniqueRef,
} from './types.ts';

/** One typed function per endpoint of the native API the portal uses. */
export const api = {
  me: (signal?: AbortSignal) => get<Me>('/me', undefined, signal),
  login: (username: string, password: string) => post<Me>('/login', { username, password }),
  logout: () => post<void>('/logout'),
  oidc: (signal?: AbortSignal) => get<OidcInfo>('/auth/oidc', undefined, signal),

  instruments: (q: Query = {}, signal?: AbortSignal) => get<Page<Instrument>>('/instruments', q, signal),
  techniques: (q: Query = {}, signal?: AbortSignal) =>
    get<{ items: TechniqueRef[] }>('/techniques', q, signal),

  proposals: (q: Query = {}, signal?: AbortSignal) => get<Page<Proposal>>('/proposals', q, signal),
  proposal: (id: string, signal?: AbortSignal) => get<Proposal>(`/proposals/${seg(id)}`, undefined, signal),

  sessions: (q: Query = {}, signal?: AbortSignal) => get<Page<Session>>('/sessions', q, signal),
  session: (id: string, signal?: AbortSignal) => get<Session>(`/sessions/${seg(id)}`, undefined, signal),

  datasets: (q: Query = {}, signal?: AbortSignal) => get<Page<Dataset>>('/datasets', q, signal),
  dataset: (pid: string, signal?: AbortSignal) => get<Dataset>(`/datasets/${seg(pid)}`, undefined, signal),
  datasetFiles: (pid: string, q: Query = {}, signal?: AbortSignal) =>
    get<Page<Datafile>>(`/datasets/${seg(pid)}/files`, q, signal),
  datafile: (id: number, signal?: AbortSignal) => get<Datafile>(`/datafiles/${seg(id)}`, undefined, signal),
  download: (id: string, signal?: AbortSignal) =>
    get<DownloadRequest>(`/downloads/${seg(id)}`, undefined, signal),

  samples: (q: Query = {}, signal?: AbortSignal) => get<Page<Sample>>('/samples', q, signal),

  sessionPolicyRequests: (id: string, signal?: AbortSignal) =>
    get<{ items: PolicyRequest[] }>(`/sessions/${seg(id)}/policy-requests`, undefined, signal),
  policyRequests: (q: { status?: PolicyRequest['status'] } = {}, signal?: AbortSignal) =>
    get<{ items: PolicyRequest[] }>('/policy-requests', q, signal),
  askPolicyChange: (
    sessionId: string,
    body: { kind: PolicyRequest['kind']; releaseDate?: string; reason: string },
  ) => post<PolicyRequest>(`/sessions/${seg(sessionId)}/policy-requests`, body),
  decidePolicyRequest: (id: number, decision: 'approve' | 'reject', note?: string) =>
    post<PolicyRequest>(`/policy-requests/${seg(id)}/${decision}`, note ? { note } : {}),
};
