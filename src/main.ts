#!/usr/bin/env node
import { Command } from 'commander';
import { loadConfig } from './config.ts';
import { runProgram, type CliContext } from './cli/context.ts';
import { registerServeCommands } from './cli/serve.ts';
import { registerCatalogueCommands } from './cli/catalogue.ts';
import { registerAccountCommands } from './cli/accounts.ts';
import { registerIngestCommands } from './cli/ingest.ts';
import { registerTapeCommands } from './cli/tape.ts';
import { registerArchiveCommands } from './cli/archive.ts';
import { registerArchiveWorkflowCommands } from './cli/archive-workflow.ts';
import { registerArchiveContainersCommand } from './cli/archive-containers.ts';
import { registerRestoreCommand } from './cli/restore.ts';

/** Builds the command tree; the only place that knows every command. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('fairbeam')
    .description('Data management for synchrotron and neutron facilities')
    .showHelpAfterError()
    .exitOverride();
  registerServeCommands(program, ctx);
  registerCatalogueCommands(program, ctx);
  registerAccountCommands(program, ctx);
  registerIngestCommands(program, ctx);
  registerTapeCommands(program, ctx);
  registerArchiveCommands(program, ctx);
  registerArchiveWorkflowCommands(program, ctx);
  registerArchiveContainersCommand(program, ctx);
  registerRestoreCommand(program, ctx);
  return program;
}

async function main(argv: string[]): Promise<number> {
  const ctx: CliContext = { config: loadConfig(), stdout: process.stdout, stderr: process.stderr };
  return runProgram(buildProgram(ctx), ctx, argv);
}

const code = await main(process.argv);
// Commands are done here (serve never gets here): leave once output is flushed, even if a worker
// pool or database handle would keep the event loop alive.
process.stdout.write('', () => process.exit(code));
