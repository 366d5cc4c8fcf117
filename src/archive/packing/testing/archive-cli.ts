import { Command, CommanderError } from 'commander';
import { loadConfig } from '../../../config.ts';
import { registerArchiveCommands } from '../../../cli/archive.ts';
import { CliError, type CliContext, UsageError } from '../../../cli/context.ts';

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
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError) {
      context.stderr.write(`fairbeam: ${err.message}\n`);
      return 2;
    }
    context.stderr.write(
      `fairbeam: ${err instanceof CliError ? err.message : String((err as Error)?.stack ?? err)}\n`,
    );
    return 1;
  }
}
