import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { note, startLogbookApp, type LogbookTestApp } from './helpers.ts';

function hasPdftotext(): boolean {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const pdftotext = hasPdftotext();
if (!pdftotext && process.env.CI)
  throw new Error('pdftotext (Debian poppler-utils) is required in CI for the PDF export test');

function pdfText(pdf: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fairbeam-pdf-'));
  try {
    fs.writeFileSync(path.join(dir, 'x.pdf'), pdf);
    return execFileSync('pdftotext', ['-layout', path.join(dir, 'x.pdf'), '-'], { encoding: 'utf8' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(dialects)('exporting a logbook on %s', (dialect) => {
  let t: LogbookTestApp;
  let lb: string;
  let notification: { id: string };
  beforeAll(async () => {
    t = await startLogbookApp(dialect);
    lb = await t.logbookOf('EMB');
    const png = await sharp({
      create: { width: 400, height: 300, channels: 3, background: { r: 0, g: 90, b: 200 } },
    })
      .png()
      .toBuffer();
    const a = (
      await t.app.inject({
        method: 'POST',
        url: `/api/logbooks/${lb}/attachments?name=plot.png`,
        payload: png,
        headers: { cookie: t.cookies.ada, 'content-type': 'image/png' },
      })
    ).json();
    notification = (
      await t.post(lb, note('Energy scan finished at 12.4 keV', { tags: ['scan'] }), t.bearer(t.world.bl1Key))
    ).json();
    await t.post(
      lb,
      {
        parentId: notification.id,
        content: { format: 'markdown', text: 'Peak looks **sharp**, see plot' },
        attachments: [{ sha256: a.sha256 }],
      },
      { cookie: t.cookies.bob },
    );
    await t.post(lb, note('Detector error 42', { category: 'error' }), t.bearer(t.world.bl1Key));
  });
  afterAll(() => t.close());

  it('exports the whole logbook as JSON', async () => {
    const res = await t.app.inject({
      url: `/api/logbooks/${lb}/export?format=json`,
      headers: { cookie: t.cookies.ada },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.headers['content-disposition']).toBe('attachment; filename="logbook-EMB.json"');
    const body = res.json();
    expect(body.logbook).toMatchObject({ id: lb, sessionId: 'EMB', state: 'open' });
    expect(body.events.map((e: { content: { text: string } }) => e.content.text)).toEqual([
      'Energy scan finished at 12.4 keV',
      'Peak looks **sharp**, see plot',
      'Detector error 42',
    ]);
  });

  it('exports a filtered view as JSON', async () => {
    const res = await t.app.inject({
      url: `/api/logbooks/${lb}/export?format=json&category=error`,
      headers: { cookie: t.cookies.ada },
    });
    expect(res.json().events.map((e: { content: { text: string } }) => e.content.text)).toEqual([
      'Detector error 42',
    ]);
    const search = await t.app.inject({
      url: `/api/logbooks/${lb}/export?format=json&q=energy`,
      headers: { cookie: t.cookies.ada },
    });
    expect(search.json().events).toHaveLength(1);
  });

  it.skipIf(!pdftotext)(
    'exports a readable PDF with times, authors, indented comments and images (needs pdftotext)',
    async () => {
      const res = await t.app.inject({
        url: `/api/logbooks/${lb}/export?format=pdf`,
        headers: { cookie: t.cookies.ada },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
      expect(res.rawPayload.includes(Buffer.from('/Subtype /Image'))).toBe(true);
      const text = pdfText(res.rawPayload);
      expect(text).toContain('Logbook of session EMB');
      expect(text).toContain('Energy scan finished at 12.4 keV');
      expect(text).toContain('Peak looks sharp, see plot');
      expect(text).toContain('Detector error 42');
      expect(text).toContain('bl1-software');
      expect(text).toContain('bob');
      expect(text).toMatch(/2026-06-01 00:00:00/);
      const lines = text.split('\n');
      const indent = (s: string) => lines.find((l) => l.includes(s))!.search(/\S/);
      expect(indent('Peak looks sharp')).toBeGreaterThan(indent('Energy scan finished'));
    },
  );

  it.skipIf(!pdftotext)('exports a filtered view as PDF (needs pdftotext)', async () => {
    const res = await t.app.inject({
      url: `/api/logbooks/${lb}/export?format=pdf&category=error`,
      headers: { cookie: t.cookies.ada },
    });
    const text = pdfText(res.rawPayload);
    expect(text).toContain('Detector error 42');
    expect(text).not.toContain('Energy scan');
  });

  it('rejects an unknown export format with 400', async () => {
    const res = await t.app.inject({
      url: `/api/logbooks/${lb}/export?format=docx`,
      headers: { cookie: t.cookies.ada },
    });
    expect(res.statusCode).toBe(400);
  });
});
