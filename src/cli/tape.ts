import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { registerSimulateCommand } from './tape-simulate.ts';
import { registerTapeAdminCommands } from './tape-admin.ts';

/** `fairbeam tape ...`: libraries, cartridges, drives, the recall queue, and the timing simulation. */
export function registerTapeCommands(program: Command, ctx: CliContext): void {
  const tape = program
    .command('tape')
    .description('Tape libraries: status, cartridges, drives, queue, simulation');
  registerSimulateCommand(tape, ctx);
  registerTapeAdminCommands(tape, ctx);
}
