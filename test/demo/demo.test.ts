import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { tempRoot } from '../ingest/trees.ts';
import { NOW } from '../helpers/world.ts';
import { DEMO_PASSWORD } from '../../src/demo/facility.ts';
import { demoDataDirectory, loadDemoIfEmpty } from '../../src/demo/load.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('demo facility', () => {
  let t: TestApp;
  let home: ReturnType<typeof tempRoot>;
  let cookie: string;

  beforeAll(async () => {
    home = tempRoot('fb-demo-home-');
    t = await startTestApp('pglite', { env: { FAIRBEAM_HOME: home.dir } });
    expect(await loadDemoIfEmpty(t.services.database.db, t.services.config, NOW)).toBe(true);
    cookie = await t.login('admin', DEMO_PASSWORD); // sees every session, embargoed or not
  });
  afterAll(async () => {
    await t?.close();
    home?.remove();
  });

  const get = (url: string) => t.app.inject({ url, headers: { cookie } });

  it('writes real scan files under FAIRBEAM_HOME and registers them with their NeXus metadata', async () => {
    expect(demoDataDirectory(t.services.config).startsWith(home.dir)).toBe(true);
    const datasets = (await get('/api/datasets?limit=100')).json().items as {
      pid: string;
      fileCount: number;
      metadata: { nexus?: { definitions: string[]; startTime: string } };
      parameters: { name: string; unit: string | null; siUnit: string | null }[];
    }[];
    expect(datasets).toHaveLength(18);
    for (const d of datasets) {
      expect(d.fileCount).toBe(3);
      expect(d.metadata.nexus?.definitions).toHaveLength(1);
    }
    const mx = datasets.find((d) => d.metadata.nexus?.definitions[0] === 'NXmx')!;
    expect(mx.parameters).toContainEqual(
      expect.objectContaining({ name: 'instrument.photon_energy', unit: 'keV', siUnit: 'J' }),
    );
  });

  it('serves the files byte for byte and previews the NeXus structure', async () => {
    const [d] = (await get('/api/datasets?limit=1')).json().items as { pid: string }[];
    const files = (await get(`/api/datasets/${encodeURIComponent(d!.pid)}/files`)).json().items as {
      id: number;
      path: string;
      sha256: string;
    }[];
    expect(files.map((f) => f.path).sort()).toEqual(['image_0001.tif', 'master.nxs', 'notes.txt']);
    for (const f of files) {
      const res = await get(`/api/datafiles/${f.id}/content`);
      expect(res.statusCode).toBe(200);
      expect(sha256(res.rawPayload)).toBe(f.sha256);
    }
    const tif = files.find((f) => f.path === 'image_0001.tif')!;
    expect((await get(`/api/datafiles/${tif.id}/content`)).rawPayload.subarray(0, 4).toString('latin1')).toBe(
      'II*\0',
    );
    const nxs = files.find((f) => f.path === 'master.nxs')!;
    const tree = (await get(`/api/datafiles/${nxs.id}/tree`)).json().root;
    const data = tree.children[0].children.find((c: { name: string }) => c.name === 'data');
    expect(data.children[0]).toMatchObject({ path: '/entry/data/data', shape: [128, 128], dtype: '<f' });
  });

  it('leaves a catalogue that is not empty alone', async () => {
    const before = fs.readdirSync(path.join(demoDataDirectory(t.services.config)));
    expect(await loadDemoIfEmpty(t.services.database.db, t.services.config, NOW)).toBe(false);
    expect(fs.readdirSync(demoDataDirectory(t.services.config))).toEqual(before);
  });
});
