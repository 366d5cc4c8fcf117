import type { Db } from '../../db/connect.ts';
import { publicRecords, type SessionRecord } from '../metadata/record.ts';
import { isoSeconds } from '../metadata/licence.ts';
import { el, text } from '../metadata/xml.ts';
import {
  decodeSetPart,
  encodeSetPart,
  GRANULARITY,
  OaiError,
  parseDatestamp,
  parseRequest,
  type OaiRequest,
} from './protocol.ts';
import { formatFor, METADATA_FORMATS, type MetadataFormat } from './formats.ts';
import {
  countRecords,
  earliestDatestamp,
  headerForDoi,
  recordPage,
  type RecordFilter,
  type RecordHeader,
} from './records.ts';
import { decodeToken, encodeToken, type ListState } from './token.ts';
import { envelope, errorElement } from './respond.ts';

export interface OaiContext {
  db: Db;
  now: Date;
  baseUrl: string;
  repositoryName: string;
  adminEmail: string;
  pageSize: number;
}

const INSTRUMENT_SET = 'instrument';

/** The repository part of OAI identifiers: `oai:<host>:<doi>`. */
const repositoryId = (ctx: OaiContext) => new URL(ctx.baseUrl).hostname || 'fairbeam';
const identifierOf = (ctx: OaiContext, doi: string) => `oai:${repositoryId(ctx)}:${doi}`;
const doiOf = (ctx: OaiContext, identifier: string) => {
  const prefix = `oai:${repositoryId(ctx)}:`;
  return identifier.startsWith(prefix) ? identifier.slice(prefix.length) : undefined;
};

/** Answers one OAI-PMH request (its arguments as given) with the complete XML document. */
export async function handleOai(ctx: OaiContext, params: URLSearchParams): Promise<string> {
  let request: OaiRequest | undefined;
  try {
    request = parseRequest(params);
    const body = await answer(ctx, request);
    return envelope({ now: ctx.now, baseUrl: `${ctx.baseUrl}/oai`, request, body });
  } catch (e) {
    if (!(e instanceof OaiError)) throw e;
    const echo = e.code === 'badVerb' || e.code === 'badArgument' ? undefined : request;
    return envelope({ now: ctx.now, baseUrl: `${ctx.baseUrl}/oai`, request: echo, body: errorElement(e) });
  }
}

async function answer(ctx: OaiContext, req: OaiRequest): Promise<string> {
  switch (req.verb) {
    case 'Identify':
      return identify(ctx);
    case 'ListMetadataFormats':
      if (req.args.identifier) await existingHeader(ctx, req.args.identifier);
      return el(
        'ListMetadataFormats',
        {},
        ...METADATA_FORMATS.map((f) =>
          el(
            'metadataFormat',
            {},
            text('metadataPrefix', f.prefix),
            text('schema', f.schema),
            text('metadataNamespace', f.namespace),
          ),
        ),
      );
    case 'ListSets':
      if (req.args.resumptionToken)
        throw new OaiError('badResumptionToken', 'ListSets answers in one page; there is nothing to resume');
      return listSets(ctx);
    case 'GetRecord': {
      const format = metadataFormat(req.args.metadataPrefix!);
      const header = await existingHeader(ctx, req.args.identifier!);
      const [record] = await publicRecords(ctx.db, [header.sessionId], ctx.now);
      return el('GetRecord', {}, recordXml(ctx, header, record!, format));
    }
    case 'ListIdentifiers':
    case 'ListRecords':
      return list(ctx, { verb: req.verb, args: req.args });
  }
}

async function identify(ctx: OaiContext): Promise<string> {
  const earliest = (await earliestDatestamp(ctx.db, ctx.now)) ?? new Date(0);
  return el(
    'Identify',
    {},
    text('repositoryName', ctx.repositoryName),
    text('baseURL', `${ctx.baseUrl}/oai`),
    text('protocolVersion', '2.0'),
    text('adminEmail', ctx.adminEmail),
    text('earliestDatestamp', isoSeconds(earliest)),
    // Sessions never stop being public once released, and none are deleted through fairbeam.
    text('deletedRecord', 'no'),
    text('granularity', GRANULARITY),
  );
}

async function listSets(ctx: OaiContext): Promise<string> {
  const instruments = await ctx.db
    .selectFrom('instrument')
    .innerJoin('facility', 'facility.name', 'instrument.facility')
    .select(['instrument.id', 'instrument.name', 'facility.full_name', 'facility.name as facility'])
    .orderBy('instrument.id')
    .execute();
  return el(
    'ListSets',
    {},
    el('set', {}, text('setSpec', INSTRUMENT_SET), text('setName', 'Sessions by instrument')),
    ...instruments.map((i) =>
      el(
        'set',
        {},
        text('setSpec', `${INSTRUMENT_SET}:${encodeSetPart(i.id)}`),
        text('setName', `${i.name} (${i.full_name || i.facility})`),
      ),
    ),
  );
}

function metadataFormat(prefix: string): MetadataFormat {
  const f = formatFor(prefix);
  if (!f)
    throw new OaiError(
      'cannotDisseminateFormat',
      `No metadata format ${JSON.stringify(prefix)}; see ListMetadataFormats`,
    );
  return f;
}

async function existingHeader(ctx: OaiContext, identifier: string): Promise<RecordHeader> {
  const doi = doiOf(ctx, identifier);
  const header = doi ? await headerForDoi(ctx.db, ctx.now, doi) : undefined;
  if (!header)
    throw new OaiError('idDoesNotExist', `No record ${JSON.stringify(identifier)} in this repository`);
  return header;
}

function setFilter(set: string | undefined): RecordFilter['instrument'] | 'none' {
  if (set === undefined) return undefined;
  if (set === INSTRUMENT_SET) return null;
  const m = /^instrument:(.+)$/.exec(set);
  const id = m ? decodeSetPart(m[1]!) : undefined;
  return id ?? 'none';
}

async function list(
  ctx: OaiContext,
  req: OaiRequest & { verb: 'ListRecords' | 'ListIdentifiers' },
): Promise<string> {
  let state: Omit<ListState, 'after' | 'cursor'> & { after?: ListState['after']; cursor: number };
  if (req.args.resumptionToken) {
    state = decodeToken(req.args.resumptionToken, req.verb);
  } else {
    const from = req.args.from ? parseDatestamp(req.args.from, 'from', false) : undefined;
    const until = req.args.until ? parseDatestamp(req.args.until, 'until', true) : undefined;
    if (from && until && from.granularity !== until.granularity)
      throw new OaiError('badArgument', 'from and until must have the same granularity');
    if (from && until && from.at > until.at) throw new OaiError('badArgument', 'from is later than until');
    state = {
      verb: req.verb,
      prefix: req.args.metadataPrefix!,
      from: from?.at.toISOString(),
      until: until?.at.toISOString(),
      set: req.args.set,
      cursor: 0,
    };
  }
  const format = metadataFormat(state.prefix);
  const instrument = setFilter(state.set);
  if (instrument === 'none')
    throw new OaiError('noRecordsMatch', `No records in set ${JSON.stringify(state.set)}`);
  const filter: RecordFilter = {
    from: state.from ? new Date(state.from) : undefined,
    until: state.until ? new Date(state.until) : undefined,
    instrument,
  };
  const after = state.after ? ([new Date(state.after[0]), state.after[1]] as [Date, string]) : undefined;
  const page = await recordPage(ctx.db, ctx.now, filter, after, ctx.pageSize);
  if (page.headers.length === 0) {
    if (req.args.resumptionToken)
      throw new OaiError('badResumptionToken', 'The resumptionToken leads past the end of the list');
    throw new OaiError('noRecordsMatch', 'No records match the request');
  }
  const split = state.cursor > 0 || page.more;
  let token = '';
  if (split) {
    const total = await countRecords(ctx.db, ctx.now, filter);
    const last = page.headers[page.headers.length - 1]!;
    const next = page.more
      ? encodeToken({
          verb: req.verb,
          prefix: state.prefix,
          from: state.from,
          until: state.until,
          set: state.set,
          after: [last.datestamp.toISOString(), last.doi],
          cursor: state.cursor + page.headers.length,
        })
      : '';
    token = text('resumptionToken', next, { completeListSize: total, cursor: state.cursor });
  }
  if (req.verb === 'ListIdentifiers') {
    return el('ListIdentifiers', {}, ...page.headers.map((h) => headerXml(ctx, h)), token);
  }
  const records = await publicRecords(
    ctx.db,
    page.headers.map((h) => h.sessionId),
    ctx.now,
  );
  const bySession = new Map(records.map((r) => [r.sessionId, r]));
  return el(
    'ListRecords',
    {},
    ...page.headers.map((h) => recordXml(ctx, h, bySession.get(h.sessionId)!, format)),
    token,
  );
}

function headerXml(ctx: OaiContext, h: RecordHeader): string {
  return el(
    'header',
    {},
    text('identifier', identifierOf(ctx, h.doi)),
    text('datestamp', isoSeconds(h.datestamp)),
    text('setSpec', `${INSTRUMENT_SET}:${encodeSetPart(h.instrumentId)}`),
  );
}

function recordXml(ctx: OaiContext, h: RecordHeader, r: SessionRecord, format: MetadataFormat): string {
  return el('record', {}, headerXml(ctx, h), el('metadata', {}, format.render(r, ctx.baseUrl)));
}
