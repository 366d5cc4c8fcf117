import type { DoiState } from '../../db/schema.ts';
import type { DataCiteAttributes } from '../metadata/datacite.ts';

/** One registration step: create or update `doi` with its metadata and move it to `state`. */
export interface DoiRegistration {
  doi: string;
  state: DoiState;
  /** What the registrar is known to hold already (null: nothing). */
  previous: DoiState | null;
  url: string;
  attributes: DataCiteAttributes;
}

/**
 * Where DOIs get registered: DataCite's REST API in production, the local registrar (state kept in
 * our own database) for the embedded default. Implementations must be safe to call again with the
 * same registration after a crash (the caller may not have recorded the first success).
 */
export interface DoiRegistrar {
  readonly name: string;
  register(r: DoiRegistration): Promise<void>;
}

/** A registrar refused or failed; `status` is the HTTP status when there was one. */
export class RegistrarError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly errors?: unknown,
  ) {
    super(message);
    this.name = 'RegistrarError';
  }
}
