import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, untilWaitingOnLock } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { NOW, seedWorld } from '../helpers/world.ts';
import { ensureDraftDois } from '../../src/policy/doi/drafts.ts';
import { addEndedSession, auditOf } from './helpers.ts';

describe.each(dialects)('draft DOIs assigned by two release passes at once (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await seedWorld(t.services.database.db);
  });
  afterAll(() => t.close());

  it('assigns and audits each DOI once when the passes run one after the other', async () => {
    const db = t.services.database.db;
    await addEndedSession(t, 'TWICE-1');
    expect(await ensureDraftDois(db, NOW, '10.5072', 'job:a')).toEqual(['10.5072/tf.twice-1']);
    expect(await ensureDraftDois(db, NOW, '10.5072', 'job:b')).toEqual([]);
    expect(await auditOf(t, 'doi.assign', 'TWICE-1')).toHaveLength(1);
  });

  // The second pass reads the session before the first commits: needs two connections (not PGlite).
  if (dialect === 'postgres')
    it('assigns and audits each DOI once when the second pass overlaps the first', async () => {
      const db = t.services.database.db;
      await addEndedSession(t, 'TWICE-2');
      let commit!: () => void;
      const held = new Promise<void>((r) => (commit = r));
      let assigned!: (dois: string[]) => void;
      const firstAssigned = new Promise<string[]>((r) => (assigned = r));
      const first = db.transaction().execute(async (tx) => {
        assigned(await ensureDraftDois(tx, NOW, '10.5072', 'job:a'));
        await held;
      });
      expect(await firstAssigned).toEqual(['10.5072/tf.twice-2']);
      const second = ensureDraftDois(db, NOW, '10.5072', 'job:b');
      // Let the second pass read the session and wait on the first's row lock, then commit the first.
      await untilWaitingOnLock(db);
      commit();
      await first;
      expect(await second).toEqual([]);
      expect((await auditOf(t, 'doi.assign', 'TWICE-2')).map((a) => a.actor)).toEqual(['job:a']);
    });
});
