import { Type } from '@sinclair/typebox';
import { Nullable } from '../http/wire.ts';

/** GET /api/me: who the caller is. */
export const MeWire = Type.Object({
  kind: Type.Union([Type.Literal('anonymous'), Type.Literal('user'), Type.Literal('apikey')]),
  username: Type.Optional(Type.String()),
  fullName: Type.Optional(Nullable(Type.String())),
  role: Type.Optional(Nullable(Type.String())),
  apiKey: Type.Optional(Type.String()),
  instrumentId: Type.Optional(Nullable(Type.String())),
});

/** GET /api/auth/oidc: whether single sign-on is offered (for the login page). */
export const OidcInfoWire = Type.Object({
  enabled: Type.Boolean(),
  name: Type.Optional(Type.String()),
  loginUrl: Type.Optional(Type.String()),
});
