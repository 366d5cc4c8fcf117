import os from 'node:os';
import { randomBytes } from 'node:crypto';

/**
 * Who holds a lease: host, pid and a random tag. A lease is stale when it has expired, or at once
 * when its holder was a process on this host that no longer runs (a worker killed with -9), so a
 * successor resumes without waiting for the expiry.
 */
export const newLeaseOwner = (): string =>
  `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

export function leaseIsStale(
  owner: string | null,
  until: Date | string | null,
  now: Date,
  me: string,
): boolean {
  if (owner === null || owner === me) return true;
  const [host, pid] = owner.split(':');
  // On this host the holder's liveness decides (a long tape write may outlast its lease); elsewhere, the expiry.
  if (host === os.hostname()) {
    try {
      process.kill(Number(pid), 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }
  return until === null || new Date(until).getTime() <= now.getTime();
}
