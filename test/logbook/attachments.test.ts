import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { note, startLogbookApp, type LogbookTestApp } from './helpers.ts';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe.each(dialects)('logbook attachments on %s', (dialect) => {
  let t: LogbookTestApp;
  let lb: string;
  let png: Buffer;
  const upload = (
    name: string,
    body: Buffer | string,
    contentType: string,
    headers: Record<string, string> = { cookie: t.cookies.ada },
  ) =>
    t.app.inject({
      method: 'POST',
      url: `/api/logbooks/${lb}/attachments?name=${encodeURIComponent(name)}`,
      payload: body,
      headers: { ...headers, 'content-type': contentType },
    });
  beforeAll(async () => {
    t = await startLogbookApp(dialect);
    lb = await t.logbookOf('EMB');
    png = await sharp({
      create: { width: 800, height: 600, channels: 3, background: { r: 200, g: 30, b: 30 } },
    })
      .png()
      .toBuffer();
  });
  afterAll(() => t.close());

  it('stores an image content-addressed under FAIRBEAM_HOME and makes a thumbnail', async () => {
    const res = await upload('diffraction.png', png, 'image/png');
    expect(res.statusCode).toBe(201);
    const a = res.json();
    expect(a).toMatchObject({
      sha256: sha(png),
      name: 'diffraction.png',
      mediaType: 'image/png',
      size: png.length,
      thumbnail: true,
      width: 800,
      height: 600,
    });
    const file = path.join(t.home, 'attachments', a.sha256.slice(0, 2), a.sha256.slice(2, 4), a.sha256);
    expect(fs.readFileSync(file).equals(png)).toBe(true);
    const thumb = await t.app.inject({ url: a.thumbnailUrl, headers: { cookie: t.cookies.bob } });
    expect(thumb.statusCode).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/png');
    const meta = await sharp(thumb.rawPayload).metadata();
    expect(Math.max(meta.width!, meta.height!)).toBe(320);
    const full = await t.app.inject({ url: a.url, headers: { cookie: t.cookies.bob } });
    expect(full.rawPayload.equals(png)).toBe(true);
  });

  it('stores the same bytes once', async () => {
    const again = await upload('copy.png', png, 'image/png', { cookie: t.cookies.bob });
    expect(again.statusCode).toBe(201);
    const dir = path.join(t.home, 'attachments', sha(png).slice(0, 2), sha(png).slice(2, 4));
    expect(fs.readdirSync(dir).sort()).toEqual([sha(png), `${sha(png)}.thumb.png`]);
  });

  it('makes one thumbnail when the same new image is uploaded several times at once', async () => {
    const shot = await sharp({
      create: { width: 1200, height: 900, channels: 3, background: { r: 10, g: 120, b: 200 } },
    })
      .png()
      .toBuffer();
    const all = await Promise.all(
      Array.from({ length: 6 }, (_, i) => upload(`screenshot-${i}.png`, shot, 'image/png')),
    );
    expect(all.map((r) => r.statusCode)).toEqual(Array(6).fill(201));
    expect(all.map((r) => r.json().thumbnail)).toEqual(Array(6).fill(true));
    const dir = path.join(t.home, 'attachments', sha(shot).slice(0, 2), sha(shot).slice(2, 4));
    expect(fs.readdirSync(dir).sort()).toEqual([sha(shot), `${sha(shot)}.thumb.png`]);
    const meta = await sharp(path.join(dir, `${sha(shot)}.thumb.png`)).metadata();
    expect([meta.width, meta.height]).toEqual([320, 240]);
  });

  it('attaches uploads to events by sha256', async () => {
    const res = await t.post(
      lb,
      note('see the plot', { attachments: [{ sha256: sha(png), name: 'plot.png' }] }),
      { cookie: t.cookies.ada },
    );
    expect(res.statusCode).toBe(201);
    expect(res.json().attachments).toEqual([
      expect.objectContaining({
        sha256: sha(png),
        name: 'plot.png',
        mediaType: 'image/png',
        thumbnail: true,
        url: `/api/logbooks/${lb}/attachments/${sha(png)}`,
      }),
    ]);
    const unknown = await t.post(lb, note('x', { attachments: [{ sha256: 'f'.repeat(64) }] }), {
      cookie: t.cookies.ada,
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().code).toBe('attachment_not_found');
  });

  it('serves non-images as sandboxed downloads, never inline', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>';
    const a = (await upload('evil.svg', svg, 'image/svg+xml')).json();
    expect(a.thumbnail).toBe(false);
    const res = await t.app.inject({ url: a.url, headers: { cookie: t.cookies.ada } });
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-disposition']).toMatch(/^attachment;/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain('sandbox');
    const lying = (await upload('fake.png', '<html><script>alert(1)</script></html>', 'image/png')).json();
    expect(lying.thumbnail).toBe(false);
    expect(
      (await t.app.inject({ url: lying.url, headers: { cookie: t.cookies.ada } })).headers['content-type'],
    ).toBe('application/octet-stream');
  });

  it('refuses attachments over the size limit with 413', async () => {
    const res = await upload('huge.bin', Buffer.alloc(25 * 1024 * 1024 + 1), 'application/octet-stream');
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('attachment_too_large');
    expect(fs.readdirSync(path.join(t.home, 'attachments', 'tmp'))).toEqual([]);
    const empty = await upload('empty.txt', '', 'text/plain');
    expect(empty.statusCode).toBe(400);
  });

  it('keeps attachments of an embargoed logbook from outsiders', async () => {
    const url = `/api/logbooks/${lb}/attachments/${sha(png)}`;
    expect((await t.app.inject({ url, headers: { cookie: t.cookies.eve } })).statusCode).toBe(404);
    expect((await t.app.inject({ url })).statusCode).toBe(404);
    const res = await upload('x.txt', 'hello', 'text/plain', { cookie: t.cookies.eve });
    expect(res.statusCode).toBe(404);
  });
});
