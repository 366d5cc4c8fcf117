import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seedSearchWorld } from './world.ts';
import { fuzzRequest } from './filter-fuzz.ts';
import { mulberry32 } from '../helpers/random.ts';

// 10k requests on PGlite (the embedded default), a smaller sample on PostgreSQL.
const RUNS = { pglite: 10_000, postgres: 1_000 } as const;

describe.each(dialects)('PaNOSC filter fuzzing (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    await seedSearchWorld(t.services.database.db);
  });
  afterAll(() => t.close());

  it(`never answers 500 to ${RUNS[dialect]} random filters, valid or not`, { timeout: 120_000 }, async () => {
    const rand = mulberry32(20260601);
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    for (let i = 0; i < RUNS[dialect]; i++) {
      const url = fuzzRequest(rand);
      const res = await t.app.inject({ method: 'GET', url });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode >= 500 || ![200, 400, 404].includes(res.statusCode))
        failures.push(`${res.statusCode} ${url} ${res.body.slice(0, 300)}`);
      else if (res.statusCode !== 200)
        expect(res.json()).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    }
    expect(failures.slice(0, 5)).toEqual([]);
    // The generator must exercise both sides: a good share of valid filters and of rejected ones.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(RUNS[dialect] * 0.15);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(RUNS[dialect] * 0.15);
  });
});
