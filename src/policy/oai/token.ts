import { OaiError } from './protocol.ts';

/**
 * Where a list request stopped. Tokens are stateless (the state itself, base64url JSON), so any
 * server process can continue a harvest and nothing expires; they only ever lead to public records.
 */
export interface ListState {
  verb: 'ListRecords' | 'ListIdentifiers';
  prefix: string;
  from?: string;
  until?: string;
  set?: string;
  /** Keyset position: datestamp (ISO) and DOI of the last record sent. */
  after: [string, string];
  /** How many records were sent before the next page. */
  cursor: number;
}

export const encodeToken = (s: ListState): string =>
  Buffer.from(JSON.stringify({ v: 1, ...s })).toString('base64url');

export function decodeToken(token: string, verb: ListState['verb']): ListState {
  const bad = () =>
    new OaiError('badResumptionToken', 'The resumptionToken is invalid or belongs to another request');
  let s: Record<string, unknown>;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw bad();
    s = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw bad();
  }
  // What reaches SQL must be what encodeToken wrote: a NUL or a date beyond PostgreSQL's range (which
  // Date.parse takes) failed there, as a JSON 400 instead of this OAI-PMH error.
  const optionalString = (v: unknown) => v === undefined || (typeof v === 'string' && !v.includes('\u0000'));
  const validDate = (v: unknown) =>
    v === undefined ||
    (typeof v === 'string' &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(v) &&
      !Number.isNaN(Date.parse(v)) &&
      new Date(v).toISOString() === v);
  const after = s.after as unknown[];
  const ok =
    s &&
    typeof s === 'object' &&
    s.v === 1 &&
    s.verb === verb &&
    typeof s.prefix === 'string' &&
    validDate(s.from) &&
    validDate(s.until) &&
    optionalString(s.set) &&
    Array.isArray(after) &&
    after.length === 2 &&
    validDate(after[0]) &&
    typeof after[1] === 'string' &&
    optionalString(after[1]) &&
    Number.isInteger(s.cursor) &&
    (s.cursor as number) > 0;
  if (!ok) throw bad();
  return {
    verb,
    prefix: s.prefix as string,
    from: s.from as string | undefined,
    until: s.until as string | undefined,
    set: s.set as string | undefined,
    after: after as [string, string],
    cursor: s.cursor as number,
  };
}
