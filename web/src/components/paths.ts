// Portal URLs of catalogue records; ids and pids may contain "/" (DOIs), so each is one encoded segment.
export const sessionPath = (id: string) => `/sessions/${encodeURIComponent(id)}`;
export const datasetPath = (pid: string) => `/datasets/${encodeURIComponent(pid)}`;
export const proposalPath = (id: string) => `/proposals/${encodeURIComponent(id)}`;
export const orcidUrl = (orcid: string) => `https://orcid.org/${encodeURIComponent(orcid)}`;
