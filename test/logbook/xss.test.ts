import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.ts';
import { startLogbookApp, type LogbookTestApp } from './helpers.ts';

/** Payloads from the usual XSS cheat sheets; each must come back harmless. */
const CORPUS = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//evil.example/xss.js></SCRIPT>',
  '<img src=x onerror=alert(1)>',
  '<img src="javascript:alert(1)">',
  '<IMG SRC=JaVaScRiPt:alert(1)>',
  '<img src=" &#14;  javascript:alert(1)">',
  '<a href="javascript:alert(1)">click</a>',
  '<a href="JAVASCRIPT:alert(1)">click</a>',
  '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">entities</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
  '<a href="vbscript:msgbox(1)">vb</a>',
  '<svg onload=alert(1)><circle r=1 /></svg>',
  '<svg><script>alert(1)</script></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<body onload=alert(1)>',
  '<div onmouseover="alert(1)">hover</div>',
  '<p style="background:url(javascript:alert(1))">styled</p>',
  '<div style="width: expression(alert(1))">ie</div>',
  '<style>body{background:url("javascript:alert(1)")}</style>',
  '<iframe src="https://evil.example"></iframe>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<object data="javascript:alert(1)"></object>',
  '<embed src="javascript:alert(1)">',
  '<form action="javascript:alert(1)"><button>go</button></form>',
  '<input onfocus=alert(1) autofocus>',
  '<details open ontoggle=alert(1)>',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<link rel=stylesheet href="javascript:alert(1)">',
  '<base href="javascript:alert(1)//">',
  '<video><source onerror="alert(1)"></video>',
  '<marquee onstart=alert(1)>',
  '"><script>alert(1)</script>',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '<a href="//evil.example">protocol relative</a>',
  '<img src=x:alert(alt) onerror=eval(src) alt=0>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<!--<img src="--><img src=x onerror=alert(1)//">',
  '<template><script>alert(1)</script></template>',
];

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
});
