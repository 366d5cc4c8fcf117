/**
 * Asking one PaNOSC provider: a GET with a deadline. Whatever goes wrong (refused, slow, 5xx, not
 * JSON, not the expected shape) becomes a `failed` outcome; a provider's 4xx is kept so that a filter
 * every provider rejects can be reported as the user's mistake.
 */
export type Outcome =
  | { provider: string; kind: 'ok'; body: unknown }
  | { provider: string; kind: 'rejected'; status: number; body: unknown }
  | { provider: string; kind: 'failed'; reason: string };

export async function askProvider(
  provider: string,
  path: string,
  params: URLSearchParams,
  timeoutMs: number,
): Promise<Outcome> {
  const qs = params.toString();
  const url = `${provider}${path}${qs ? `?${qs}` : ''}`;
  try {
    const res = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { provider, kind: 'failed', reason: `answered ${res.status} with non-JSON` };
    }
    if (res.ok) return { provider, kind: 'ok', body };
    if (res.status >= 400 && res.status < 500)
      return { provider, kind: 'rejected', status: res.status, body };
    return { provider, kind: 'failed', reason: `answered ${res.status}` };
  } catch (e) {
    const name = (e as Error).name;
    return {
      provider,
      kind: 'failed',
      reason:
        name === 'TimeoutError' || name === 'AbortError'
          ? `no answer within ${timeoutMs} ms`
          : (e as Error).message,
    };
  }
}

export const askAll = (providers: string[], path: string, params: URLSearchParams, timeoutMs: number) =>
  Promise.all(providers.map((p) => askProvider(p, path, params, timeoutMs)));
