import { Command } from 'commander';
import { loadConfig } from '../../../config.ts';
import { registerArchiveCommands } from '../../../cli/archive.ts';
import { runProgram, type CliContext } from '../../../cli/context.ts';

/** The archive commands on their own program, with main.ts's exit codes (2 usage, 1 failure). */
export async function runArchiveCli(argv: string[], ctx?: Partial<CliContext>): Promise<number> {
  const context: CliContext = {
    config: loadConfig({}),
    stdout: ctx?.stdout ?? process.stdout,
    stderr: ctx?.stderr ?? process.stderr,
  };
  const program = new Command('fairbeam').exitOverride();
  program.configureOutput({
    writeOut: (s) => context.stdout.write(s),
    writeErr: (s) => context.stderr.write(s),
  });
  registerArchiveCommands(program, context);
  return runProgram(program, context, argv);
}
