import type { Config } from '../config.ts';

/** What every CLI command receives from main.ts. Commands open the database only if they need it. */
export interface CliContext {
  config: Config;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** A failure the user caused (bad flag, missing file): printed without a stack, exit code 2. */
export class UsageError extends Error {}

/** A failure at run time (corrupt input, unreachable database): printed without a stack, exit code 1. */
export class CliError extends Error {}
