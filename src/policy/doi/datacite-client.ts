import { RegistrarError, type DoiRegistrar, type DoiRegistration } from './registrar.ts';

export interface DataCiteConfig {
  /** REST API root, e.g. https://api.datacite.org (production) or https://api.test.datacite.org. */
  endpoint: string;
  prefix: string;
  username: string;
  password: string;
}

const JSON_API = 'application/vnd.api+json';

/**
 * DataCite REST API client (JSON:API, basic auth). A new DOI is created with POST /dois — as a
 * draft, or published at once with `event: publish`; an existing draft is published with
 * PUT /dois/{doi}. If the create answers "already taken" (we registered it before a crash kept us
 * from recording that), the same registration is retried as an update, so retries are safe.
 */
export function dataciteRegistrar(cfg: DataCiteConfig, opts: { timeoutMs?: number } = {}): DoiRegistrar {
  const root = cfg.endpoint.replace(/\/+$/, '');
  const auth = `Basic ${Buffer.from(`${cfg.username}:${cfg.password}`).toString('base64')}`;

  async function send(
    method: 'POST' | 'PUT',
    url: string,
    r: DoiRegistration,
  ): Promise<{ status: number; body: unknown }> {
    const attributes = {
      ...r.attributes,
      url: r.url,
      ...(r.state === 'findable' && r.previous !== 'findable' ? { event: 'publish' } : {}),
    };
    const res = await fetch(url, {
      method,
      headers: { authorization: auth, 'content-type': JSON_API, accept: JSON_API },
      body: JSON.stringify({ data: { id: r.doi, type: 'dois', attributes } }),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text for the error message
    }
    return { status: res.status, body };
  }

  return {
    name: 'datacite',
    async register(r) {
      if (!r.doi.toLowerCase().startsWith(`${cfg.prefix.toLowerCase()}/`)) {
        throw new RegistrarError(`${r.doi} is not under the configured DataCite prefix ${cfg.prefix}`);
      }
      if (r.state === 'draft' && r.previous === 'findable')
        throw new RegistrarError(`${r.doi} is findable and cannot return to draft`);
      const item = `${root}/dois/${encodeURIComponent(r.doi)}`;
      let res = r.previous === null ? await send('POST', `${root}/dois`, r) : await send('PUT', item, r);
      if (r.previous === null && res.status === 422 && /taken|exist/i.test(errorText(res.body)))
        res = await send('PUT', item, r);
      if (res.status < 200 || res.status >= 300) {
        throw new RegistrarError(
          `DataCite answered ${res.status} for ${r.doi}: ${errorText(res.body)}`,
          res.status,
          (res.body as { errors?: unknown })?.errors,
        );
      }
    },
  };
}

/** DataCite errors come as `{errors: [{source, title}]}`. */
function errorText(body: unknown): string {
  const errors = (body as { errors?: { source?: string; title?: string }[] } | null)?.errors;
  if (Array.isArray(errors))
    return errors.map((e) => [e.source, e.title].filter(Boolean).join(': ')).join('; ');
  return typeof body === 'string' ? body.slice(0, 300) : JSON.stringify(body).slice(0, 300);
}
