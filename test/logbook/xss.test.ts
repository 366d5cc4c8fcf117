import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startLogbookApp, type LogbookTestApp } from './helpers.ts';
import { CORPUS } from './xss-corpus.ts';

/**
 * What must never survive sanitising, in stored text or rendered HTML. Only markup counts: the
 * text between tags may mention "onerror=" once escaped (`&lt;img onerror=...`), which is harmless.
 */
function assertHarmless(html: string, payload: string): void {
  const lower = (html.match(/<[^>]*>/g) ?? []).join(' ').toLowerCase();
  expect(lower, payload).not.toMatch(
    /<\s*(script|iframe|svg|math|object|embed|form|input|style|link|meta|base|body|video|source|marquee|details|template|noscript)\b/,
  );
  expect(lower, payload).not.toMatch(/\son[a-z]+\s*=/);
  expect(lower, payload).not.toMatch(/(href|src|action|data)\s*=\s*["']?\s*(javascript|vbscript|data):/);
  expect(lower, payload).not.toMatch(/\sstyle\s*=/);
  expect(lower, payload).not.toMatch(/expression\s*\(/);
  expect(lower, payload).not.toMatch(/(href|src)\s*=\s*["']?\/\//);
}

describe.each(dialects)('HTML sanitising (XSS corpus) on %s', (dialect) => {
  let t: LogbookTestApp;
  let lb: string;
  beforeAll(async () => {
    t = await startLogbookApp(dialect);
    lb = await t.logbookOf('EMB');
  });
  afterAll(() => t.close());

  it('stores HTML content with scripts, handlers, dangerous URLs and embeds removed', async () => {
    const events = CORPUS.map((text) => ({ content: { format: 'html', text: `<p>safe words</p>${text}` } }));
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/logbooks/${lb}/events:batch`,
      payload: { events },
      headers: { cookie: t.cookies.ada },
    });
    expect(res.statusCode).toBe(201);
    const stored = await t.app.inject({
      url: `/api/logbooks/${lb}/events?limit=1000`,
      headers: { cookie: t.cookies.ada },
    });
    for (const [i, e] of (stored.json().items as { content: { text: string; html: string } }[]).entries()) {
      assertHarmless(e.content.text, CORPUS[i]!);
      assertHarmless(e.content.html, CORPUS[i]!);
      expect(e.content.html).toContain('<p>safe words</p>');
    }
    // Straight from the table too: nothing unsanitised is ever written.
    const rows = await t.services.database.db
      .selectFrom('logbook_event')
      .select(['content_text', 'content_html'])
      .where('logbook_id', '=', lb)
      .execute();
    for (const r of rows) {
      assertHarmless(r.content_text, 'row');
      assertHarmless(r.content_html, 'row');
    }
  });

  it('renders markdown with raw HTML and javascript: links made harmless', async () => {
    for (const payload of CORPUS.concat([
      '[click](javascript:alert(1))',
      '![x](javascript:alert(1))',
      '[x](  JaVaScRiPt:alert(1) )',
      '<javascript:alert(1)>',
    ])) {
      const res = await t.post(
        lb,
        { content: { format: 'markdown', text: `**bold** ${payload}` } },
        { cookie: t.cookies.ada },
      );
      expect(res.statusCode).toBe(201);
      assertHarmless(res.json().content.html, payload);
      expect(res.json().content.html).toContain('<strong>bold</strong>');
    }
  });

  it('keeps ordinary formatting, links and images', async () => {
    const html =
      '<h2>Result</h2><p><em>ok</em> <a href="https://example.org/x">link</a> <img src="https://example.org/i.png" alt="plot"></p><ul><li>one</li></ul><pre><code class="language-python">x = 1</code></pre>';
    const res = await t.post(lb, { content: { format: 'html', text: html } }, { cookie: t.cookies.ada });
    const out = res.json().content.html as string;
    expect(out).toContain('<h2>Result</h2>');
    expect(out).toContain('href="https://example.org/x"');
    expect(out).toContain('rel="noopener noreferrer nofollow"');
    expect(out).toContain('<img src="https://example.org/i.png" alt="plot" />');
    expect(out).toContain('<code class="language-python">');
  });

  it('escapes plain text entirely', async () => {
    const res = await t.post(
      lb,
      { content: { format: 'plainText', text: '<script>alert(1)</script>' } },
      { cookie: t.cookies.ada },
    );
    expect(res.json().content.text).toBe('<script>alert(1)</script>');
    expect(res.json().content.html).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
  });

  it('sanitises edits as well as posts', async () => {
    const e = (
      await t.post(lb, { content: { format: 'html', text: '<p>fine</p>' } }, { cookie: t.cookies.ada })
    ).json();
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/events/${e.id}`,
      payload: {
        content: { format: 'html', text: '<p>fine</p><img src=x onerror=alert(1)><script>alert(2)</script>' },
      },
      headers: { cookie: t.cookies.ada, 'if-match': '"1"' },
    });
    expect(res.statusCode).toBe(200);
    assertHarmless(res.json().content.text, 'edit');
    assertHarmless(res.json().content.html, 'edit');
  });

  it('previews content (the portal editor) exactly as a post would store it, storing nothing', async () => {
    const before = (
      await t.app.inject({ url: `/api/logbooks/${lb}`, headers: { cookie: t.cookies.ada } })
    ).json();
    for (const payload of CORPUS) {
      const text = `**bold** ${payload}`;
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/logbooks/${lb}/preview`,
        payload: { content: { format: 'markdown', text } },
        headers: { cookie: t.cookies.ada },
      });
      expect(res.statusCode, payload).toBe(200);
      assertHarmless(res.json().html, payload);
      expect(res.json().html).toContain('<strong>bold</strong>');
    }
    const after = (
      await t.app.inject({ url: `/api/logbooks/${lb}`, headers: { cookie: t.cookies.ada } })
    ).json();
    expect(after.lastSeq).toBe(before.lastSeq);
  });

  it('previews only for writers of the logbook, with the same size limit as posts', async () => {
    const preview = (cookie: string, text: string) =>
      t.app.inject({
        method: 'POST',
        url: `/api/logbooks/${lb}/preview`,
        payload: { content: { format: 'markdown', text } },
        headers: { cookie },
      });
    expect((await preview(t.cookies.eve, 'hi')).statusCode).toBe(404);
    const big = await preview(t.cookies.ada, 'x'.repeat(64 * 1024 + 1));
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe('content_too_large');
  });
});
