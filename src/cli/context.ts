import { CommanderError, type Command } from 'commander';
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

/**
 * Runs a command line against a program and turns its outcome into an exit code: 0 done, 2 bad usage,
 * 1 failure (a CliError's message, or the stack of anything unexpected, goes to stderr).
 */
export async function runProgram(program: Command, ctx: CliContext, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError) {
      ctx.stderr.write(`fairbeam: ${err.message}\n`);
      return 2;
    }
    ctx.stderr.write(
      `fairbeam: ${err instanceof CliError ? err.message : String((err as Error)?.stack ?? err)}\n`,
    );
    return 1;
  }
}
