import type { File as H5File } from 'h5wasm';
import { CONTAINER_FORMAT, CONTAINER_VERSION } from './format.ts';

/** Root attributes of a container. `plan_digest` is ours: it lets a re-run recognise finished containers. */
export interface ContainerAttributes {
  format: string;
  version: number;
  session: string;
  created: string;
  memberCount: number;
  planDigest: string;
}

export function writeAttributes(file: H5File, attrs: Omit<ContainerAttributes, 'format' | 'version'>): void {
  file.create_attribute('format', CONTAINER_FORMAT);
  file.create_attribute('version', CONTAINER_VERSION);
  file.create_attribute('session', attrs.session);
  file.create_attribute('created', attrs.created);
  file.create_attribute('member_count', attrs.memberCount);
  file.create_attribute('plan_digest', attrs.planDigest);
}

/** Returns null when the file is HDF5 but not a fairbeam container. */
export function readAttributes(file: H5File): ContainerAttributes | null {
  const attrs = file.attrs;
  if (attrs.format?.value !== CONTAINER_FORMAT) return null;
  return {
    format: CONTAINER_FORMAT,
    version: Number(attrs.version?.value ?? NaN),
    session: String(attrs.session?.value ?? ''),
    created: String(attrs.created?.value ?? ''),
    memberCount: Number(attrs.member_count?.value ?? NaN),
    planDigest: String(attrs.plan_digest?.value ?? ''),
  };
}
