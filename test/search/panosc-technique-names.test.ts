import { sql } from 'kysely';
import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { panoscGet, seedSearchWorld, type SearchWorld } from './world.ts';
import { searchCount } from '../../src/search/panosc/count.ts';
import { searchList } from '../../src/search/panosc/execute.ts';
import { parseFilterParam } from '../../src/search/panosc/parse.ts';
import type { Db } from '../../src/db/connect.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// The ids a technique `where` matched are kept between searches and checked inside the search's own
// statement (src/search/panosc/techniques.ts): a renamed technique must show at once, in pages
// (empty or not) and in counts (one family, several families).
describe.each(dialects)('PaNOSC technique names kept between searches (%s)', (dialect) => {
  let t: TestApp;
  let w: SearchWorld;
  let db: Db;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    db = t.services.database.db;
    w = await seedSearchWorld(db);
  });
  afterAll(() => t.close());

  const byName = (name: string) => ({
    include: [{ relation: 'techniques', scope: { where: { name } } }],
  });
  const twoFamilies = {
    include: [
      {
        relation: 'techniques',
        scope: { where: { name: { inq: ['x-ray absorption', 'small angle x-ray scattering'] } } },
      },
    ],
  };
  const get = (path: string, filter: Json) => panoscGet<Json>(t.app, path, { filter });
  const pids = async (filter: Json) => ((await get('datasets', filter)) as Json[]).map((d) => d.pid).sort();
  const count = async (filter: Json) => (await get('datasets/count', filter)).count as number;
  const names = (...keys: (keyof SearchWorld['pids'])[]) => keys.map((k) => w.pids[k]).sort();
  const rename = (id: string, name: string) =>
    sql`UPDATE technique SET name = ${name} WHERE id = ${id}`.execute(db);

  it('takes one statement fewer once a filter is known, with the same results', async () => {
    let statements = 0;
    const counting: KyselyPlugin = {
      transformQuery: (args) => {
        statements++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const counted = db.withPlugin(counting);
    const now = new Date();
    const filter = () =>
      parseFilterParam(
        'Dataset',
        JSON.stringify({
          include: [
            {
              relation: 'techniques',
              scope: { where: { name: { inq: ['x-ray absorption spectroscopy', `none ${dialect}`] } } },
            },
          ],
          limit: 5,
        }),
      );
    // A where no other search of this process uses (the ids are kept per process): the first search
    // resolves it in a statement of its own.
    statements = 0;
    const first = await searchList(counted, { entity: 'Dataset', filter: filter(), now });
    const cold = statements;
    statements = 0;
    const second = await searchList(counted, { entity: 'Dataset', filter: filter(), now });
    expect(second).toEqual(first);
    expect(first.map((d) => d.pid)).toEqual(names('xas_2'));
    expect(statements).toBe(cold - 1);
    statements = 0;
    expect(await searchCount(counted, { entity: 'Dataset', filter: filter(), now })).toBe(1);
    expect(statements).toBe(1);
  });

  it('sees a renamed technique at once in pages and counts', async () => {
    expect(await pids(byName('x-ray absorption'))).toEqual(names('xas_1', 'xas_2'));
    expect(await count(byName('x-ray absorption'))).toBe(2);
    expect(await pids(twoFamilies)).toEqual(names('pub_scan', 'xas_1', 'xas_2'));
    expect(await count(twoFamilies)).toBe(3);

    // Nothing has that name any more: the kept ids are stale and the answers empty.
    await rename('PaNET01227', 'x-ray absorption (renamed)');
    expect(await pids(byName('x-ray absorption'))).toEqual([]);
    expect(await count(byName('x-ray absorption'))).toBe(0);
    expect(await count(twoFamilies)).toBe(1);
    expect(await pids(twoFamilies)).toEqual(names('pub_scan'));

    // Another technique takes the name: the kept (empty) ids are stale again, the answers not empty.
    await rename('PaNET01103', 'x-ray absorption');
    expect(await pids(byName('x-ray absorption'))).toEqual(names('hax_1'));
    expect(await count(byName('x-ray absorption'))).toBe(1);
    expect(await count(twoFamilies)).toBe(2);
    const page = (await get('datasets', twoFamilies)) as Json[];
    expect(page.map((d) => d.pid).sort()).toEqual(names('hax_1', 'pub_scan'));
    expect(page.find((d) => d.pid === w.pids.hax_1)!.techniques).toEqual([
      {
        pid: 'http://purl.org/pan-science/PaNET/PaNET01103',
        panetId: 'http://purl.org/pan-science/PaNET/PaNET01103',
        name: 'x-ray absorption',
      },
    ]);

    await rename('PaNET01103', 'hard x-ray photoelectron spectroscopy');
    await rename('PaNET01227', 'x-ray absorption');
    expect(await pids(byName('x-ray absorption'))).toEqual(names('xas_1', 'xas_2'));
    expect(await count(twoFamilies)).toBe(3);
  });
});
