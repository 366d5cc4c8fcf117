import { randomBytes } from 'node:crypto';

/** A dataset pid: the DOI prefix plus a random suffix, stable once assigned (upserts keep it). */
export const newDatasetPid = (prefix: string): string => `${prefix}/fb-ds.${randomBytes(6).toString('hex')}`;
