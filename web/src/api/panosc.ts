import { ApiError, queryString } from './client.ts';

/** A dataset as the PaNOSC search API (/panosc/api) returns it, with the relations the portal asks for. */
export interface PanoscDataset {
  pid: string;
  title: string;
  creationDate: string;
  size: number;
  score?: number;
  techniques: { pid: string; name: string }[];
  instrument: { pid: string; name: string } | null;
  parameters: { name: string; value: number | string | null; unit: string | null }[];
}

/** What the search page asks: free text, a PaNET technique, a parameter range in a unit. */
export interface PanoscSearch {
  text: string;
  technique: string;
  parameter: { name: string; min: string; max: string; unit: string };
}

function bound(text: string, label: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text.trim());
  if (!Number.isFinite(n))
    throw new ApiError(400, 'invalid_range', `${label} ${JSON.stringify(text)} is not a number`);
  return n;
}

function parameterWhere(p: PanoscSearch['parameter']): Record<string, unknown> | undefined {
  const min = bound(p.min, 'From');
  const max = bound(p.max, 'To');
  if (!p.name.trim() || (min === undefined && max === undefined)) return undefined;
  const value =
    min !== undefined && max !== undefined
      ? { between: [min, max] }
      : min !== undefined
        ? { gte: min }
        : { lte: max };
  return { name: p.name.trim(), value, ...(p.unit.trim() ? { unit: p.unit.trim() } : {}) };
}

/**
 * The PaNOSC filter for a search: a technique or parameter condition goes into its include's scope,
 * which keeps only datasets that have a matching technique (or PaNET descendant) or parameter.
 */
export function panoscFilter(s: PanoscSearch, page?: { limit: number; skip: number }) {
  const where = parameterWhere(s.parameter);
  return {
    ...page,
    include: [
      'instrument',
      s.technique ? { relation: 'techniques', scope: { where: { pid: s.technique } } } : 'techniques',
      ...(where ? [{ relation: 'parameters', scope: { where } }] : []),
    ],
  };
}

async function panoscGet<T>(
  path: string,
  params: Record<string, string | undefined>,
  signal?: AbortSignal,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/panosc/api${path}${queryString(params)}`, {
      signal,
      headers: { accept: 'application/json' },
    });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError(
      0,
      'network_error',
      'The server could not be reached. Check your connection and try again.',
    );
  }
  const body = (await res.json().catch(() => undefined)) as { code?: string; message?: string } | undefined;
  if (!res.ok)
    throw new ApiError(
      res.status,
      body?.code ?? 'http_error',
      body?.message ?? `The server answered ${res.status}`,
    );
  return body as T;
}

/** One page of public datasets, best score first when there is text. */
export const searchDatasets = (
  s: PanoscSearch,
  page: { limit: number; skip: number },
  signal?: AbortSignal,
) =>
  panoscGet<PanoscDataset[]>(
    '/datasets',
    { query: s.text.trim() || undefined, filter: JSON.stringify(panoscFilter(s, page)) },
    signal,
  );

export const countDatasets = (s: PanoscSearch, signal?: AbortSignal) =>
  panoscGet<{ count: number }>(
    '/datasets/count',
    { query: s.text.trim() || undefined, filter: JSON.stringify(panoscFilter(s)) },
    signal,
  );
