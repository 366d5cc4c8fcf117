import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DataCiteCall {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: { data?: { type?: string; id?: string; attributes?: Record<string, unknown> } } | undefined;
  status: number;
}

type State = 'draft' | 'registered' | 'findable';

/**
 * A local stand-in for the DataCite REST API that checks requests the way DataCite does: basic
 * auth, JSON:API media type, `data.type = dois`, prefix ownership, kernel-4 schema version, the
 * properties a findable DOI needs, and the state machine (draft → findable via `event: publish`,
 * never back to draft; creating an existing DOI is "already taken").
 */
export async function startFakeDataCite(opts: { username: string; password: string; prefixes: string[] }) {
  const dois = new Map<string, { state: State; attributes: Record<string, unknown> }>();
  const calls: DataCiteCall[] = [];
  const expectedAuth = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      let body: DataCiteCall['body'];
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      const call: DataCiteCall = {
        method: req.method!,
        path: url.pathname,
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body,
        status: 0,
      };
      calls.push(call);
      const reply = (status: number, payload: unknown) => {
        call.status = status;
        res.writeHead(status, { 'content-type': 'application/vnd.api+json' });
        res.end(JSON.stringify(payload));
      };
      const fail = (status: number, title: string, source?: string) =>
        reply(status, { errors: [{ status: String(status), title, ...(source ? { source } : {}) }] });

      if (req.headers.authorization !== expectedAuth) return fail(401, 'Bad credentials.');
      const m = /^\/dois(?:\/(.+))?$/.exec(url.pathname);
      if (
        !m ||
        (req.method === 'POST' && m[1]) ||
        (req.method === 'PUT' && !m[1]) ||
        !['POST', 'PUT'].includes(req.method!)
      )
        return fail(404, "The resource you are looking for doesn't exist.");
      if (req.headers['content-type'] !== 'application/vnd.api+json')
        return fail(415, 'Unsupported media type');
      if (!body?.data || body.data.type !== 'dois' || typeof body.data.attributes !== 'object')
        return fail(400, 'You need to provide a payload following the JSONAPI spec');
      const a = body.data.attributes!;
      const doi = String(m[1] ? decodeURIComponent(m[1]) : (a.doi ?? '')).toLowerCase();
      if (!doi) return fail(422, "can't be blank", 'doi');
      if (!opts.prefixes.some((p) => doi.startsWith(`${p}/`)))
        return fail(403, 'You are not authorized to access this resource.');
      if (a.schemaVersion !== undefined && a.schemaVersion !== 'http://datacite.org/schema/kernel-4')
        return fail(422, 'Schema version is not supported', 'schemaVersion');
      const existing = dois.get(doi);
      if (req.method === 'POST' && existing) return fail(422, 'This DOI has already been taken', 'doi');
      let state: State = existing?.state ?? 'draft';
      if (a.event === 'publish') state = 'findable';
      else if (a.event === 'hide') state = existing?.state === 'draft' ? 'draft' : 'registered';
      else if (a.event !== undefined) return fail(422, `Unknown event ${String(a.event)}`, 'event');
      if (state !== 'draft') {
        for (const key of ['url', 'creators', 'titles', 'publisher', 'publicationYear', 'types']) {
          const v = a[key];
          if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0))
            return fail(422, "can't be blank", key);
        }
        if ((a.types as { resourceTypeGeneral?: string }).resourceTypeGeneral === undefined)
          return fail(422, "can't be blank", 'types/resourceTypeGeneral');
      }
      dois.set(doi, { state, attributes: { ...existing?.attributes, ...a } });
      reply(existing ? 200 : 201, { data: { id: doi, type: 'dois', attributes: { ...a, doi, state } } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    dois,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
