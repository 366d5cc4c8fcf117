import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { NOW, seedWorld } from '../helpers/world.ts';

const token = (s: object) =>
  Buffer.from(JSON.stringify({ v: 1, verb: 'ListRecords', prefix: 'oai_dc', cursor: 1, ...s })).toString(
    'base64url',
  );

describe.each(dialects)('OAI-PMH resumption tokens made up by a client (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await seedWorld(t.services.database.db);
  });
  afterAll(() => t.close());

  it('answers badResumptionToken, per OAI-PMH, to positions and dates the database cannot take', async () => {
    t.clock.set(NOW);
    for (const forged of [
      { after: ['-100000-01-01T00:00:00.000Z', '10.5072/x'] },
      { after: ['2024-01-01T00:00:00.000Z', '10.5072/\u0000'] },
      { after: ['2024-01-01T00:00:00.000Z', '10.5072/x'], from: '-100000-01-01T00:00:00.000Z' },
      { after: ['2024-01-01T00:00:00.000Z', '10.5072/x'], until: '+275000-01-01T00:00:00.000Z' },
    ]) {
      const res = await t.app.inject({
        method: 'GET',
        url: `/oai?verb=ListRecords&resumptionToken=${token(forged)}`,
      });
      expect([res.statusCode, res.headers['content-type']], JSON.stringify(forged)).toEqual([
        200,
        'text/xml; charset=utf-8',
      ]);
      expect(res.body, JSON.stringify(forged)).toContain('<error code="badResumptionToken">');
    }
  });
});
