/** OAI-PMH 2.0 vocabulary: namespaces, verbs and their arguments, errors, datestamps. */
export const OAI_NS = 'http://www.openarchives.org/OAI/2.0/';
export const OAI_XSD = 'http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd';
export const OAI_DC_NS = 'http://www.openarchives.org/OAI/2.0/oai_dc/';
export const OAI_DC_XSD = 'http://www.openarchives.org/OAI/2.0/oai_dc.xsd';
export const DC_NS = 'http://purl.org/dc/elements/1.1/';
export const GRANULARITY = 'YYYY-MM-DDThh:mm:ssZ';

export type OaiErrorCode =
  | 'badArgument'
  | 'badResumptionToken'
  | 'badVerb'
  | 'cannotDisseminateFormat'
  | 'idDoesNotExist'
  | 'noRecordsMatch'
  | 'noMetadataFormats'
  | 'noSetHierarchy';

/** An OAI-PMH error: answered as HTTP 200 with `<error code="...">`, as the protocol wants. */
export class OaiError extends Error {
  constructor(
    readonly code: OaiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const VERBS = {
  Identify: { required: [], optional: [] },
  ListMetadataFormats: { required: [], optional: ['identifier'] },
  ListSets: { required: [], optional: [], resumable: true },
  ListIdentifiers: { required: ['metadataPrefix'], optional: ['from', 'until', 'set'], resumable: true },
  ListRecords: { required: ['metadataPrefix'], optional: ['from', 'until', 'set'], resumable: true },
  GetRecord: { required: ['identifier', 'metadataPrefix'], optional: [] },
} as const satisfies Record<
  string,
  { required: readonly string[]; optional: readonly string[]; resumable?: boolean }
>;
export type Verb = keyof typeof VERBS;

export interface OaiRequest {
  verb: Verb;
  args: Record<string, string>;
}

/**
 * Checks a request's arguments against its verb: a missing or unknown verb is badVerb; a repeated,
 * unknown or missing argument is badArgument; a resumptionToken must come alone.
 */
export function parseRequest(params: URLSearchParams): OaiRequest {
  const verbs = params.getAll('verb');
  if (verbs.length !== 1)
    throw new OaiError(
      'badVerb',
      verbs.length ? 'The verb argument is repeated' : 'The verb argument is missing',
    );
  const verb = verbs[0]!;
  if (!Object.hasOwn(VERBS, verb)) throw new OaiError('badVerb', `Illegal verb ${JSON.stringify(verb)}`);
  const spec = VERBS[verb as Verb] as {
    required: readonly string[];
    optional: readonly string[];
    resumable?: boolean;
  };
  const args: Record<string, string> = {};
  for (const key of new Set(params.keys())) {
    if (key === 'verb') continue;
    const values = params.getAll(key);
    if (values.length > 1) throw new OaiError('badArgument', `The argument ${key} is repeated`);
    const allowed =
      spec.required.includes(key) ||
      spec.optional.includes(key) ||
      (spec.resumable && key === 'resumptionToken');
    if (!allowed) throw new OaiError('badArgument', `${verb} does not take the argument ${key}`);
    args[key] = values[0]!;
  }
  if (args.resumptionToken !== undefined) {
    if (Object.keys(args).length > 1)
      throw new OaiError('badArgument', 'resumptionToken is an exclusive argument');
  } else {
    for (const key of spec.required)
      if (!args[key]) throw new OaiError('badArgument', `${verb} needs the argument ${key}`);
  }
  return { verb: verb as Verb, args };
}

/** A UTC datestamp in either granularity the repository supports; `end` makes a day inclusive. */
export function parseDatestamp(
  value: string,
  name: string,
  end: boolean,
): { at: Date; granularity: 'day' | 'seconds' } {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const seconds = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/.exec(value);
  const m = day ?? seconds;
  if (m) {
    const [y, mo, d, h = '0', mi = '0', s = '0'] = m.slice(1).map((x) => x ?? '0');
    const at = new Date(Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +s));
    const exact =
      at.getUTCFullYear() === +y! &&
      at.getUTCMonth() === +mo! - 1 &&
      at.getUTCDate() === +d! &&
      at.getUTCHours() === +h &&
      at.getUTCMinutes() === +mi;
    if (exact && at.getUTCSeconds() === +s) {
      if (day && end) at.setUTCHours(23, 59, 59);
      return { at, granularity: day ? 'day' : 'seconds' };
    }
  }
  throw new OaiError(
    'badArgument',
    `${name} must be a UTC datestamp YYYY-MM-DD or ${GRANULARITY}, got ${JSON.stringify(value)}`,
  );
}

/** OAI setSpec characters are [A-Za-z0-9-_.!~*'()]; others (and ~ itself) become ~XX (hex). */
export const encodeSetPart = (s: string): string =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-_.!*'()]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `~${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

export function decodeSetPart(s: string): string | undefined {
  if (!/^(?:[A-Za-z0-9\-_.!*'()]|~[0-9A-F]{2})*$/.test(s)) return undefined;
  return Buffer.from(
    s.replace(/~([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
    'latin1',
  ).toString('utf8');
}
