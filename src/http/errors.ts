import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';

/** Fastify's own error codes mapped to ours; anything unknown is a 500 with no internals shown. */
const FASTIFY_CODES: Record<string, [string, number, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_json', 400, 'The request body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [
    'invalid_json',
    400,
    'The request body is empty but its content-type says JSON',
  ],
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 413, 'The request body is too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 415, 'This content-type is not accepted here'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [
    'invalid_content_length',
    400,
    'The Content-Length does not match the body',
  ],
  FST_ERR_BAD_URL: ['bad_url', 400, 'The URL is malformed'],
  FST_ERR_ASYNC_CONSTRAINT: ['bad_request', 400, 'The request could not be routed'],
};

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof AppError) {
      return reply.status(err.status).send({
        code: err.code,
        message: err.message,
        ...(err.details === undefined ? {} : { details: err.details }),
      });
    }
    if (err.validation) {
      const first = err.validation[0];
      const where = `${err.validationContext ?? 'request'}${first?.instancePath || ''}`;
      return reply.status(400).send({
        code: 'validation_failed',
        message: `Invalid ${where}: ${first?.message ?? err.message}`,
        details: err.validation.map((v) => ({ path: v.instancePath, message: v.message, params: v.params })),
      });
    }
    if (isDataException(err)) {
      // Input that passed validation but that the database cannot store or compare (a NUL character,
      // a number beyond bigint): the caller's fault, so a 400 -- without the SQL error's text.
      req.log.warn({ err }, 'database rejected a value from the request');
      return reply.status(400).send({
        code: 'invalid_input',
        message: 'A value in the request cannot be used (e.g. a NUL character or a number out of range)',
      });
    }
    const mapped = err.code ? FASTIFY_CODES[err.code] : undefined;
    if (mapped) return reply.status(mapped[1]).send({ code: mapped[0], message: mapped[2] });
    if (err.statusCode === 429) {
      return reply
        .status(429)
        .send({ code: 'rate_limited', message: err.message || 'Too many requests; try again later' });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send({ code: 'bad_request', message: err.message });
    }
    req.log.error({ err }, 'unhandled error');
    return reply
      .status(500)
      .send({ code: 'internal_error', message: 'Something went wrong on our side; it has been logged' });
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .status(404)
      .send({ code: 'route_not_found', message: `No route ${req.method} ${req.url.split('?')[0]}` }),
  );
}

/** A PostgreSQL "data exception" (SQLSTATE class 22) raised by pg or PGlite. */
function isDataException(err: unknown): boolean {
  const e = err as { code?: unknown; severity?: unknown };
  return typeof e?.code === 'string' && /^22[0-9A-Z]{3}$/.test(e.code) && typeof e.severity === 'string';
}

/**
 * Errors the router raises before any route or error handler runs (undecodable URL, a path parameter
 * over maxParamLength); passed as Fastify's `frameworkErrors` option so they too get our JSON shape.
 */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.status(414).send({ code: 'uri_too_long', message: 'A path segment of the URL is too long' });
    return;
  }
  const mapped = FASTIFY_CODES[err.code] ?? ['bad_request', 400, 'The request could not be routed'];
  void reply.status(mapped[1]).send({ code: mapped[0], message: mapped[2] });
}
