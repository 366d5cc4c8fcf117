import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seedWorld } from '../helpers/world.ts';
import { tempRoot } from '../ingest/trees.ts';

const BIG = 64 * 1024 * 1024; // sparse: far more than the socket and stream buffers hold

/** Descriptors of this process open on `file` (the app serves from this process). */
const openOn = (file: string) =>
  fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  }).length;

async function until(check: () => boolean, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50)))
    if (check()) return true;
  return check();
}

describe.each(dialects)('a client leaving mid-download (%s)', (dialect) => {
  let t: TestApp;
  let root: ReturnType<typeof tempRoot>;
  let port: number;
  let cookie: string;
  let pid: string;
  let fileId: number;
  let big: string;

  beforeAll(async () => {
    root = tempRoot();
    t = await startTestApp(dialect, { env: { FAIRBEAM_DATA_ROOTS: root.dir } });
    await seedWorld(t.services.database.db);
    cookie = await t.login('ada');
    const dir = path.join(root.dir, 'big');
    fs.mkdirSync(dir);
    big = path.join(dir, 'frames.dat');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, BIG);
    const reg = await t.app.inject({
      method: 'POST',
      url: '/api/datasets',
      headers: { cookie: await t.login('sam') },
      payload: { session: 'EMB', name: 'big', directory: dir, files: [{ path: 'frames.dat', size: BIG }] },
    });
    expect(reg.statusCode).toBe(201);
    pid = reg.json().pid;
    fileId = (await t.services.database.db
      .selectFrom('datafile')
      .select('id')
      .where('dataset_pid', '=', pid)
      .executeTakeFirstOrThrow())!.id;
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await t?.close();
    root?.remove();
  });

  /** Starts a download, reads its first bytes, then drops the connection. */
  const readSomeThenLeave = (url: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: url, headers: { cookie } }, (res) => {
        let got = 0;
        res.on('data', (chunk: Buffer) => {
          got += chunk.length;
          if (got >= 1024 * 1024) {
            req.destroy();
            resolve(res.statusCode!);
          }
        });
        res.on('end', () => reject(new Error(`the whole ${got} bytes came before we could leave`)));
      });
      req.on('error', () => {});
    });

  it.each([
    ['one file', () => `/api/datafiles/${fileId}/content`],
    ['a tar', () => `/api/datasets/${encodeURIComponent(pid)}/download?format=tar`],
    ['a zip', () => `/api/datasets/${encodeURIComponent(pid)}/download?format=zip`],
  ])('closes the file when the client leaves %s', async (_, url) => {
    expect(openOn(big)).toBe(0);
    expect(await readSomeThenLeave(url())).toBe(200);
    expect(await until(() => openOn(big) === 0), `descriptors left open on ${big}`).toBe(true);
  });
  /** Bytes this process has read (read(2) and friends, every thread). */
  const bytesRead = () => Number(/rchar: (\d+)/.exec(fs.readFileSync('/proc/self/io', 'utf8'))![1]);

  // Fastify answers HEAD with the GET handler and drains the stream it sends.
  it.each([
    ['one file', () => `/api/datafiles/${fileId}/content`],
    ['a zip', () => `/api/datasets/${encodeURIComponent(pid)}/download`],
  ])('answers HEAD of %s without reading the data', async (_, url) => {
    const before = bytesRead();
    const res = await t.app.inject({ method: 'HEAD', url: url(), headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.length).toBe(0);
    if (url().includes('/content')) expect(res.headers['content-length']).toBe(String(BIG));
    await new Promise((r) => setTimeout(r, 1000));
    expect(bytesRead() - before).toBeLessThan(BIG / 4);
  });
});
