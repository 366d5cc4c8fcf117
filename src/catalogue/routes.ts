import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../services.ts';
import { accessOf } from '../http/auth.ts';
import { DateQuery, ListQuery, Page } from '../http/wire.ts';
import {
  DatafileWire,
  DatasetWire,
  InstrumentWire,
  ParameterWire,
  ProposalWire,
  SampleWire,
  SessionWire,
} from './wire.ts';
import { getInstrument, listInstruments } from './instruments/repo.ts';
import { getProposal, listProposals } from './proposals/repo.ts';
import { getSession, listSessions } from './sessions/repo.ts';
import { getDataset, listDatasets } from './datasets/repo.ts';
import { getDatafile, listDatasetFiles } from './datafiles/repo.ts';
import { getSample, listSamples } from './samples/repo.ts';
import { listParameters } from './parameters/repo.ts';
import { listTechniques } from './techniques/repo.ts';

const Str = Type.Optional(Type.String({ minLength: 1, maxLength: 500 }));
const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 500 }) });
// Capped at 2^53: a larger id cannot be a row of ours, and beyond bigint it would fail in SQL.
const NumericId = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
const err = { 400: Type.Ref('Error'), 404: Type.Ref('Error') };

/** The read side of the native catalogue API; every handler passes the caller to a policy-aware repo. */
export const catalogueRoutes =
  (services: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const db = services.database.db;
    const tags = ['catalogue'];

    app.get(
      '/instruments',
      {
        schema: {
          tags,
          summary: 'Instruments (beamlines)',
          querystring: Type.Object({ ...ListQuery, facility: Str }),
          response: { 200: Page(InstrumentWire), ...err },
        },
      },
      (req) => listInstruments(db, req.query),
    );
    app.get(
      '/instruments/:id',
      { schema: { tags, params: IdParam, response: { 200: InstrumentWire, ...err } } },
      (req) => getInstrument(db, req.params.id),
    );

    app.get(
      '/proposals',
      {
        schema: {
          tags,
          summary: 'Proposals with at least one session visible to the caller',
          querystring: Type.Object({ ...ListQuery, instrument: Str, q: Str }),
          response: { 200: Page(ProposalWire), ...err },
        },
      },
      (req) => listProposals(db, accessOf(req, services), req.query),
    );
    app.get(
      '/proposals/:id',
      { schema: { tags, params: IdParam, response: { 200: ProposalWire, ...err } } },
      (req) => getProposal(db, accessOf(req, services), req.params.id),
    );

    app.get(
      '/sessions',
      {
        schema: {
          tags,
          summary: 'Experimental sessions (beamtimes), newest first',
          querystring: Type.Object({
            ...ListQuery,
            instrument: Str,
            proposal: Str,
            from: Type.Optional(DateQuery),
            to: Type.Optional(DateQuery),
            q: Str,
            public: Type.Optional(Type.Boolean()),
          }),
          response: { 200: Page(SessionWire), ...err },
        },
      },
      (req) => listSessions(db, accessOf(req, services), req.query),
    );
    app.get(
      '/sessions/:id',
      { schema: { tags, params: IdParam, response: { 200: SessionWire, ...err } } },
      (req) => getSession(db, accessOf(req, services), req.params.id),
    );

    app.get(
      '/datasets',
      {
        schema: {
          tags,
          summary: 'Datasets, newest first',
          querystring: Type.Object({
            ...ListQuery,
            instrument: Str,
            proposal: Str,
            session: Str,
            technique: Str,
            from: Type.Optional(DateQuery),
            to: Type.Optional(DateQuery),
            q: Str,
          }),
          response: { 200: Page(DatasetWire), ...err },
        },
      },
      (req) => listDatasets(db, accessOf(req, services), req.query),
    );
    app.get(
      '/datasets/:pid',
      {
        schema: {
          tags,
          params: Type.Object({ pid: Type.String({ minLength: 1 }) }),
          response: { 200: DatasetWire, ...err },
        },
      },
      (req) => getDataset(db, accessOf(req, services), req.params.pid),
    );
    app.get(
      '/datasets/:pid/files',
      {
        schema: {
          tags,
          params: Type.Object({ pid: Type.String({ minLength: 1 }) }),
          querystring: Type.Object(ListQuery),
          response: { 200: Page(DatafileWire), ...err },
        },
      },
      (req) => listDatasetFiles(db, accessOf(req, services), req.params.pid, req.query),
    );
    app.get(
      '/datafiles/:id',
      { schema: { tags, params: NumericId, response: { 200: DatafileWire, ...err } } },
      (req) => getDatafile(db, accessOf(req, services), req.params.id),
    );

    app.get(
      '/samples',
      {
        schema: {
          tags,
          querystring: Type.Object({ ...ListQuery, session: Str, q: Str }),
          response: { 200: Page(SampleWire), ...err },
        },
      },
      (req) => listSamples(db, accessOf(req, services), req.query),
    );
    app.get(
      '/samples/:id',
      { schema: { tags, params: NumericId, response: { 200: SampleWire, ...err } } },
      (req) => getSample(db, accessOf(req, services), req.params.id),
    );

    const ParameterRow = Type.Composite([
      ParameterWire,
      Type.Object({ id: Type.Integer(), datasetPid: Type.String() }),
    ]);
    app.get(
      '/parameters',
      {
        schema: {
          tags,
          querystring: Type.Object({ ...ListQuery, dataset: Str, name: Str }),
          response: { 200: Page(ParameterRow), ...err },
        },
      },
      (req) => listParameters(db, accessOf(req, services), req.query),
    );

    app.get(
      '/techniques',
      {
        schema: {
          tags,
          summary: 'PaNET techniques',
          querystring: Type.Object({ q: Str }),
          response: {
            200: Type.Object({ items: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })) }),
          },
        },
      },
      async (req) => ({ items: await listTechniques(db, req.query.q) }),
    );
  };
