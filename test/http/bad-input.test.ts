import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { dialects } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seedWorld, type World } from '../helpers/world.ts';
import { encodeCursor } from '../../src/catalogue/pagination.ts';

interface BadRequest {
  name: string;
  req: InjectOptions | ((w: World) => InjectOptions);
  status: number;
  code: string;
  /** Log in as this user first (the import endpoint needs an admin). */
  as?: string;
}

const json = (url: string, body: string, contentType = 'application/json'): InjectOptions => ({
  method: 'POST',
  url,
  payload: body,
  headers: { 'content-type': contentType },
});
const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
/** Each list with a sort key of the right length but the wrong kind of values in it. */
const LISTS: [string, unknown[]][] = [
  ['/api/sessions', ['yesterday', 'EMB']],
  ['/api/datasets', ['2020-02-31T00:00:00.000Z', 'x']],
  ['/api/proposals', [42]],
  ['/api/samples', ['x']],
  ['/api/parameters', [1.5]],
  ['/api/instruments', [null]],
];

/** Every row: a request that must be answered with a JSON error of this status and stable code. */
const CORPUS: BadRequest[] = [
  // Bodies
  {
    name: 'malformed JSON to login',
    req: json('/api/login', '{"username": "ada",'),
    status: 400,
    code: 'invalid_json',
  },
  { name: 'empty JSON body to login', req: json('/api/login', ''), status: 400, code: 'invalid_json' },
  { name: 'JSON null to login', req: json('/api/login', 'null'), status: 400, code: 'validation_failed' },
  { name: 'JSON array to login', req: json('/api/login', '[]'), status: 400, code: 'validation_failed' },
  {
    name: 'login username of the wrong type',
    req: json('/api/login', '{"username": {"a": 1}, "password": "x"}'),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login username with a NUL byte',
    req: json('/api/login', '{"username": "ada\\u0000", "password": "x"}'),
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'login without password',
    req: json('/api/login', '{"username": "ada"}'),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login with an unknown field',
    req: json('/api/login', '{"username": "ada", "password": "x", "admin": true}'),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login as form data',
    req: json('/api/login', 'username=ada&password=x', 'application/x-www-form-urlencoded'),
    status: 415,
    code: 'unsupported_media_type',
  },
  // Fastify reads text/plain as a string, which then fails the body schema.
  {
    name: 'login as text/plain',
    req: json('/api/login', '{"username":"ada","password":"x"}', 'text/plain'),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'login body over 1 MiB',
    req: json('/api/login', JSON.stringify({ username: 'ada', password: 'x'.repeat(1024 * 1024 + 1) })),
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'malformed JSON to import',
    req: json('/api/import', '{"facility": '),
    status: 400,
    code: 'invalid_json',
    as: 'root',
  },
  {
    name: 'import of a JSON string',
    req: json('/api/import', '"hello"'),
    status: 422,
    code: 'invalid_import',
    as: 'root',
  },
  {
    name: 'import with NUL bytes in a title',
    req: json('/api/import', JSON.stringify({ proposals: [{ id: 'P-NUL', title: 'a\u0000b' }] })),
    status: 422,
    code: 'invalid_import',
    as: 'root',
  },
  {
    name: 'import with NUL bytes in an id',
    req: json('/api/import', JSON.stringify({ proposals: [{ id: 'P\u0000NUL' }] })),
    status: 422,
    code: 'invalid_import',
    as: 'root',
  },
  {
    name: 'import with a file size beyond 2^53',
    req: json(
      '/api/import',
      '{"proposals":[{"id":"P","sessions":[{"id":"S","instrument":"BL1","start":"2020-01-01T00:00:00Z","end":"2020-01-02T00:00:00Z","datasets":[{"name":"d","files":[{"path":"f","size":1e30}]}]}]}]}',
    ),
    status: 422,
    code: 'invalid_import',
    as: 'root',
  },
  {
    name: 'import with an impossible date',
    req: json(
      '/api/import',
      '{"proposals":[{"id":"P","sessions":[{"id":"S","instrument":"BL1","start":"2020-02-31T00:00:00Z","end":"2020-03-02T00:00:00Z"}]}]}',
    ),
    status: 422,
    code: 'invalid_import',
    as: 'root',
  },

  // Query strings
  ...LISTS.flatMap(([url, wrongKey]) => [
    { name: `${url} limit=0`, req: { url: `${url}?limit=0` }, status: 400, code: 'validation_failed' },
    { name: `${url} limit=-1`, req: { url: `${url}?limit=-1` }, status: 400, code: 'validation_failed' },
    {
      name: `${url} limit=100000`,
      req: { url: `${url}?limit=100000` },
      status: 400,
      code: 'validation_failed',
    },
    { name: `${url} limit=abc`, req: { url: `${url}?limit=abc` }, status: 400, code: 'validation_failed' },
    { name: `${url} limit=1.5`, req: { url: `${url}?limit=1.5` }, status: 400, code: 'validation_failed' },
    {
      name: `${url} cursor=garbage`,
      req: { url: `${url}?cursor=not-a-cursor` },
      status: 400,
      code: 'invalid_cursor',
    },
    {
      name: `${url} cursor of the wrong arity`,
      req: { url: `${url}?cursor=${cursor([1, 2, 3])}` },
      status: 400,
      code: 'invalid_cursor',
    },
    {
      name: `${url} cursor with a key of the wrong kind`,
      req: { url: `${url}?cursor=${cursor(wrongKey)}` },
      status: 400,
      code: 'invalid_cursor',
    },
    {
      name: `${url} cursor with a huge number`,
      req: { url: `${url}?cursor=${cursor(wrongKey.map(() => 1e300))}` },
      status: 400,
      code: 'invalid_cursor',
    },
    {
      name: `${url} count=maybe`,
      req: { url: `${url}?count=maybe` },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: `${url} cursor over 2000 chars`,
      req: { url: `${url}?cursor=${'a'.repeat(2001)}` },
      status: 400,
      code: 'validation_failed',
    },
  ]),
  {
    name: 'sessions cursor with an impossible date',
    req: { url: `/api/sessions?cursor=${encodeCursor(['2020-13-45T00:00:00Z', 'x'])}` },
    status: 400,
    code: 'invalid_cursor',
  },
  {
    name: 'datasets cursor with a year beyond PostgreSQL',
    req: { url: `/api/datasets?cursor=${encodeCursor(['+275760-09-13T00:00:00.000Z', 'x'])}` },
    status: 400,
    code: 'invalid_cursor',
  },
  {
    name: 'sessions from=yesterday',
    req: { url: '/api/sessions?from=yesterday' },
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'sessions from as a date only',
    req: { url: '/api/sessions?from=2020-01-01' },
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'sessions to=2020-02-30',
    req: { url: '/api/sessions?to=2020-02-30T00:00:00Z' },
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'sessions to with month 13',
    req: { url: '/api/sessions?to=2020-13-01T00:00:00Z' },
    status: 400,
    code: 'validation_failed',
  },
  { name: 'datasets from=0', req: { url: '/api/datasets?from=0' }, status: 400, code: 'validation_failed' },
  {
    name: 'sessions public=perhaps',
    req: { url: '/api/sessions?public=perhaps' },
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'empty filter value',
    req: { url: '/api/sessions?instrument=' },
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'sessions with a NUL in q',
    req: { url: '/api/sessions?q=a%00b' },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'datasets with a NUL in session',
    req: { url: '/api/datasets?session=%00' },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'filter value over 500 chars',
    req: { url: `/api/datasets?q=${'x'.repeat(501)}` },
    status: 400,
    code: 'validation_failed',
  },

  // Ids in paths
  { name: 'unknown session', req: { url: '/api/sessions/NOPE' }, status: 404, code: 'session_not_found' },
  { name: 'unknown proposal', req: { url: '/api/proposals/NOPE' }, status: 404, code: 'proposal_not_found' },
  {
    name: 'unknown instrument',
    req: { url: '/api/instruments/NOPE' },
    status: 404,
    code: 'instrument_not_found',
  },
  {
    name: 'unknown pid with %2F',
    req: { url: '/api/datasets/10.5072%2Ffb-ds.nope' },
    status: 404,
    code: 'dataset_not_found',
  },
  {
    name: 'files of an unknown pid with %2F',
    req: { url: '/api/datasets/10.5072%2Ffb-ds.nope/files' },
    status: 404,
    code: 'dataset_not_found',
  },
  {
    name: 'unknown datafile',
    req: { url: '/api/datafiles/999999' },
    status: 404,
    code: 'datafile_not_found',
  },
  { name: 'unknown sample', req: { url: '/api/samples/999999' }, status: 404, code: 'sample_not_found' },
  { name: 'datafile id abc', req: { url: '/api/datafiles/abc' }, status: 400, code: 'validation_failed' },
  { name: 'datafile id 0', req: { url: '/api/datafiles/0' }, status: 400, code: 'validation_failed' },
  { name: 'datafile id -1', req: { url: '/api/datafiles/-1' }, status: 400, code: 'validation_failed' },
  {
    name: 'datafile id beyond bigint',
    req: { url: '/api/datafiles/99999999999999999999' },
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'sample id beyond 2^53',
    req: { url: '/api/samples/9007199254740993' },
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'sample id 1e400 (Infinity)',
    req: { url: '/api/samples/1e400' },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'session id of 600 chars',
    req: { url: `/api/sessions/${'S'.repeat(600)}` },
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'session id beyond the router limit',
    req: { url: `/api/sessions/${'S'.repeat(5000)}` },
    status: 414,
    code: 'uri_too_long',
  },
  {
    name: 'pid of 999 chars',
    req: { url: `/api/datasets/${'p'.repeat(999)}` },
    status: 404,
    code: 'dataset_not_found',
  },
  {
    name: 'session id with a NUL byte',
    req: { url: '/api/sessions/a%00b' },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'pid with a NUL byte',
    req: { url: '/api/datasets/10.5072%2F%00' },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'proposal id with a NUL byte',
    req: { url: '/api/proposals/%00' },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'session id in unicode',
    req: { url: `/api/sessions/${encodeURIComponent('Ω≈ç√∫˜µ≤≥÷😀')}` },
    status: 404,
    code: 'session_not_found',
  },
  {
    name: 'session id with a lone surrogate escape',
    req: { url: '/api/sessions/%ED%A0%80' },
    status: 400,
    code: 'bad_url',
  },
  {
    name: 'session id with invalid UTF-8',
    req: { url: '/api/sessions/%FF%FE' },
    status: 400,
    code: 'bad_url',
  },
  {
    name: 'session id with a broken escape',
    req: { url: '/api/sessions/%zz' },
    status: 400,
    code: 'bad_url',
  },
  {
    name: 'path traversal as a session id',
    req: { url: '/api/sessions/..%2F..%2Fetc%2Fpasswd' },
    status: 404,
    code: 'session_not_found',
  },
  {
    name: 'path traversal as a pid',
    req: { url: '/api/datasets/..%2F..%2F..%2Fetc%2Fpasswd/files' },
    status: 404,
    code: 'dataset_not_found',
  },
  {
    name: 'SQL-looking session id',
    req: { url: `/api/sessions/${encodeURIComponent("x' OR '1'='1")}` },
    status: 404,
    code: 'session_not_found',
  },
  {
    name: 'LIKE wildcards as a pid',
    req: { url: '/api/datasets/%25' },
    status: 404,
    code: 'dataset_not_found',
  },

  // Routes and methods
  { name: 'unknown route', req: { url: '/api/nope' }, status: 404, code: 'route_not_found' },
  {
    name: 'unknown nested route',
    req: { url: '/api/sessions/EMB/nope/deeper' },
    status: 404,
    code: 'route_not_found',
  },
  {
    name: 'wrong method',
    req: { method: 'DELETE', url: '/api/sessions' },
    status: 404,
    code: 'route_not_found',
  },
  { name: 'GET on login', req: { url: '/api/login' }, status: 404, code: 'route_not_found' },
  { name: 'import as anonymous', req: json('/api/import', '{}'), status: 401, code: 'unauthenticated' },
  { name: 'import as staff', req: json('/api/import', '{}'), status: 403, code: 'forbidden', as: 'sam' },
  {
    name: 'import as text',
    req: json('/api/import', '{}', 'text/plain'),
    status: 422,
    code: 'invalid_import',
    as: 'root',
  },
];

describe.each(dialects)('bad input corpus on %s', (dialect) => {
  let t: TestApp;
  let w: World;
  const cookies: Record<string, string> = {};
  beforeAll(async () => {
    t = await startTestApp(dialect);
    w = await seedWorld(t.services.database.db);
    for (const u of ['root', 'sam']) cookies[u] = await t.login(u);
  });
  afterAll(() => t.close());

  it.each(CORPUS)('answers $name with $status $code', async (c) => {
    const opts = typeof c.req === 'function' ? c.req(w) : c.req;
    const headers = {
      ...(opts.headers as Record<string, string>),
      ...(c.as ? { cookie: cookies[c.as]! } : {}),
    };
    const res = await t.app.inject({ ...opts, headers });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect({ status: res.statusCode, code: body.code }).toEqual({ status: c.status, code: c.code });
    expect(typeof body.message).toBe('string');
    expectNoInternals(res.body);
  });

  it('refuses an import body over 64 MiB with 413 payload_too_large', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/import',
      headers: { 'content-type': 'application/json', cookie: cookies.root! },
      payload: Buffer.alloc(64 * 1024 * 1024 + 16, 0x20),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('payload_too_large');
  });

  it('accepts an import body between 1 and 64 MiB', async () => {
    const doc = { proposals: [{ id: 'P-BIG', title: 'big', summary: 'x'.repeat(2 * 1024 * 1024) }] };
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/import',
      headers: { cookie: cookies.root! },
      payload: doc,
    });
    expect(res.statusCode).toBe(200);
  });

  it('leaves the catalogue unchanged after the whole corpus', async () => {
    const db = t.services.database.db;
    const { n } = await db
      .selectFrom('session')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(2);
  });
});

/** No stack frames, SQL or file paths in an error body. */
function expectNoInternals(body: string): void {
  expect(body).not.toMatch(/\bat [\w.<>]+ \(|\bat file:|node_modules|\.ts:\d+/);
  expect(body).not.toMatch(/\b(SELECT|INSERT|UPDATE|DELETE)\b.*\b(FROM|INTO|SET)\b/i);
  expect(body).not.toMatch(/syntax error|violates|relation "|column "|invalid input syntax/i);
}
