import type { ApiErrorBody } from './types.ts';

/** Any failed API call: the server's `{code, message}` plus the HTTP status (0 = network failure). */
export class ApiError extends Error implements ApiErrorBody {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

/** `?a=1&b=x`, leaving out empty values so filters can be passed straight from form state. */
export function queryString(query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** Path segment for ids and pids, which may contain `/` (DOIs). */
export const seg = (id: string | number) => encodeURIComponent(String(id));

async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
  extraHeaders: Record<string, string> = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api${path}`, {
      method,
      signal,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...extraHeaders,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError(
      0,
      'network_error',
      'The server could not be reached. Check your connection and try again.',
    );
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json ?? {}) as Partial<ApiErrorBody>;
    throw new ApiError(
      res.status,
      typeof e.code === 'string' ? e.code : 'http_error',
      typeof e.message === 'string' ? e.message : `The server answered ${res.status} ${res.statusText}`,
      e.details,
    );
  }
  return json as T;
}

export const get = <T>(path: string, query?: Query, signal?: AbortSignal) =>
  request<T>('GET', `${path}${queryString(query)}`, undefined, signal);
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {});

/** Any method, with extra headers (If-Match, Idempotency-Key). */
export const send = <T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  request<T>(method, path, body, undefined, headers);
