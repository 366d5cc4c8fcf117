import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seedWorld } from '../helpers/world.ts';
import { syncDois } from '../../src/policy/doi/sync.ts';
import type { DoiRegistrar, DoiRegistration } from '../../src/policy/doi/registrar.ts';
import { auditOf } from './helpers.ts';

/** A registrar that records each call and holds the first until `release()`. */
function heldRegistrar() {
  const calls: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const inside = new Promise<void>((r) => (entered = r));
  const registrar: DoiRegistrar = {
    name: 'held',
    async register(r: DoiRegistration) {
      calls.push(`${r.doi}:${r.state}`);
      if (calls.length === 1) {
        entered();
        await held;
      }
    },
  };
  return { registrar, calls, release, inside };
}

describe.each(dialects)('DOI registration leases (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await seedWorld(t.services.database.db);
  });
  afterAll(() => t.close());

  it('keeps a DOI from the job while `policy release --now <past>` is registering it', async () => {
    const db = t.services.database.db;
    const baseUrl = 'https://data.tf.example';
    const cli = heldRegistrar();
    // The operator catches up as of an earlier time while the scheduled job runs at the real time.
    const catchingUp = syncDois(db, cli.registrar, {
      baseUrl,
      now: new Date('2024-01-01T00:00:00Z'),
      actor: 'cli:policy-release',
      limit: 1,
    });
    await cli.inside;
    const job = heldRegistrar();
    job.release();
    const jobRun = await syncDois(db, job.registrar, {
      baseUrl,
      now: new Date(),
      actor: 'job:policy.release',
    });
    cli.release();
    const cliRun = await catchingUp;
    // The DOI the CLI was registering went to the registrar once, from the CLI.
    expect(cliRun.registered.map((r) => r.doi)).toEqual([cli.calls[0]!.split(':')[0]]);
    expect(job.calls).not.toContain(cli.calls[0]);
    expect(jobRun.registered.map((r) => r.doi)).not.toContain(cliRun.registered[0]!.doi);
    const target = await db
      .selectFrom('doi_registration')
      .select('session_id')
      .where('doi', '=', cliRun.registered[0]!.doi)
      .executeTakeFirstOrThrow();
    const steps = [
      ...(await auditOf(t, 'doi.draft', target.session_id)),
      ...(await auditOf(t, 'doi.publish', target.session_id)),
    ];
    expect(steps.map((a) => a.actor)).toEqual(['cli:policy-release']);
  });
});
