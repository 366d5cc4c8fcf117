import type { Caller } from '../auth/caller.ts';

/** The caller and the time at which the policy is evaluated; every catalogue read takes one. */
export interface Access {
  caller: Caller;
  now: Date;
}

export interface ListQuery {
  limit?: number;
  cursor?: string;
  count?: boolean;
}

/** Escapes LIKE wildcards in user text so `q=50%` searches for "50%" literally. */
export const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
