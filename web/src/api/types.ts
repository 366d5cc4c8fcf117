// Wire shapes of the native API: the server's own TypeBox schemas (src/catalogue/wire.ts,
// src/auth/wire.ts, src/http/wire.ts, ...), imported as types only, so nothing of the server
// reaches the bundle and a change of the API shows up in the portal's typecheck.
import type { Static } from '@sinclair/typebox';
import type * as auth from '../../../src/auth/wire.ts';
import type * as catalogue from '../../../src/catalogue/wire.ts';
import type { DownloadWire } from '../../../src/downloads/wire.ts';
import type { ErrorBody } from '../../../src/http/wire.ts';
import type { PolicyRequestWire } from '../../../src/policy/requests/wire.ts';

export interface Page<T> {
  items: T[];
  next: string | null;
  total?: number;
}

export type ApiErrorBody = Static<typeof ErrorBody>;

export type TechniqueRef = Dataset['techniques'][number];

/** GET /api/me */
export type Me = Static<typeof auth.MeWire>;

/** GET /api/auth/oidc: whether single sign-on is offered. */
export type OidcInfo = Static<typeof auth.OidcInfoWire>;

export type Instrument = Static<typeof catalogue.InstrumentWire>;

export type SessionMember = Session['members'][number];

export type Session = Static<typeof catalogue.SessionWire>;

export type Proposal = Static<typeof catalogue.ProposalWire>;

export type Parameter = Static<typeof catalogue.ParameterWire>;

export type Dataset = Static<typeof catalogue.DatasetWire>;

export type Datafile = Static<typeof catalogue.DatafileWire>;

/** A download that waits for files to come back from tape (`202` of a content or archive request). */
export type DownloadRequest = Static<typeof DownloadWire>;

export type Sample = Static<typeof catalogue.SampleWire>;

/** An embargo extension or early release asked by a PI and decided by a data manager. */
export type PolicyRequest = Static<typeof PolicyRequestWire>;
