import type { FacilityRole } from '../db/schema.ts';

/** Who is asking. Every catalogue query takes one and lets SQL decide what it may see. */
export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'user'; userId: number; username: string; role: FacilityRole | null }
  | { kind: 'apikey'; keyId: string; name: string; instrumentId: string | null };

export const anonymous: Caller = { kind: 'anonymous' };

/** Facility roles that see every session, embargoed or not. */
export const PRIVILEGED_ROLES: readonly FacilityRole[] = ['staff', 'data_manager', 'admin'];

export function isPrivileged(caller: Caller): boolean {
  return caller.kind === 'user' && caller.role !== null && PRIVILEGED_ROLES.includes(caller.role);
}

export function hasRole(caller: Caller, ...roles: FacilityRole[]): boolean {
  return caller.kind === 'user' && caller.role !== null && roles.includes(caller.role);
}

/** A short stable name for audit entries. */
export function actorName(caller: Caller): string {
  switch (caller.kind) {
    case 'anonymous':
      return 'anonymous';
    case 'user':
      return `user:${caller.username}`;
    case 'apikey':
      return `apikey:${caller.name}`;
  }
}
