import path from 'node:path';
import type { Db } from '../../db/connect.ts';
import type { Services } from '../../services.ts';
import { LibraryRegistry } from './libraries.ts';
import { newLeaseOwner } from './lease.ts';

/** What the archive and restore steps need; one per process (it holds the libraries' drive state). */
export interface TapeContext {
  db: Db;
  /** Where containers are packed before they go to tape. */
  stagingDir: string;
  dataRoots: string[];
  libraries: LibraryRegistry;
  /** Lease owner of this process: cartridges, archive runs and recalls it is working on. */
  owner: string;
  /** Lease length in seconds; renewed while work goes on. */
  leaseSeconds: number;
}

export function createTapeContext(
  db: Db,
  opts: { home: string; dataRoots: string[]; leaseSeconds?: number },
): TapeContext {
  return {
    db,
    stagingDir: path.join(opts.home, 'archive', 'staging'),
    dataRoots: opts.dataRoots,
    libraries: new LibraryRegistry(),
    owner: newLeaseOwner(),
    leaseSeconds: opts.leaseSeconds ?? 300,
  };
}

const contexts = new WeakMap<Services, TapeContext>();

/** The process-wide context for a services graph (jobs and routes share it). */
export function tapeContextOf(services: Services): TapeContext {
  let ctx = contexts.get(services);
  if (!ctx) {
    ctx = createTapeContext(services.database.db, {
      home: services.config.home,
      dataRoots: services.config.dataRoots,
    });
    contexts.set(services, ctx);
  }
  return ctx;
}
