import path from 'node:path';
import type { Command } from 'commander';
import { AppError } from '../errors.ts';
import { createNexusExtractor } from '../ingest/nexus/index.ts';
import { resolveDataDirectory } from '../ingest/paths.ts';
import { ingestDirectory } from '../ingest/run.ts';
import { formatBytes, ingestProgressBar } from '../ingest/progress.ts';
import { CliError, UsageError, type CliContext } from './context.ts';
import { printJson, withDatabase } from './db.ts';

interface IngestFlags {
  session: string;
  dataset?: string;
  json?: boolean;
  strict?: boolean;
  verbose?: boolean;
  batchSize?: string;
  concurrency?: string;
}

const positive = (flag: string, v: string | undefined, fallback: number) => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got ${v}`);
  return n;
};

export function registerIngestCommands(program: Command, ctx: CliContext): void {
  program
    .command('ingest')
    .argument('<dir>', 'directory whose files become the dataset (it counts as a data root)')
    .requiredOption('--session <id>', 'session (beamtime) the dataset belongs to')
    .option('--dataset <name>', 'dataset name (default: the directory name)')
    .option('--json', 'print {pid, registered, bytes, errors} as JSON')
    .option('--strict', 'exit 1 when any file is listed in errors')
    .option('--verbose', 'print a line per committed batch on stderr')
    .option('--batch-size <n>', 'files per transaction', '200')
    .option('--concurrency <n>', 'files hashed at once', '4')
    .description(
      'register the files under DIR as a dataset, with SHA-256 and NeXus metadata; idempotent, safe to interrupt',
    )
    .action(async (dir: string, opts: IngestFlags) => {
      const absolute = path.resolve(dir);
      const batchSize = positive('--batch-size', opts.batchSize, 200);
      const concurrency = positive('--concurrency', opts.concurrency, 4);
      let directory: string;
      try {
        directory = await resolveDataDirectory(absolute, [...ctx.config.dataRoots, absolute]);
      } catch (e) {
        throw e instanceof AppError ? new UsageError(e.message) : e;
      }
      await withDatabase(ctx.config, 'ingest', async ({ db }) => {
        const session = await db
          .selectFrom('session')
          .select('id')
          .where('id', '=', opts.session)
          .executeTakeFirst();
        if (!session) throw new CliError(`no session "${opts.session}" (import it first)`);
        const tty = Boolean((ctx.stderr as NodeJS.WriteStream).isTTY) && !opts.json;
        const bar = tty ? ingestProgressBar(ctx.stderr) : undefined;
        const extractor = createNexusExtractor({ workers: Math.min(2, concurrency) });
        try {
          const summary = await ingestDirectory(db, {
            dataset: { sessionId: opts.session, name: opts.dataset ?? path.basename(directory) },
            directory,
            actor: 'cli',
            doiPrefix: ctx.config.doiPrefix,
            extractor,
            batchSize,
            concurrency,
            onProgress: bar?.update,
            onCommit: opts.verbose ? (n) => ctx.stderr.write(`committed ${n} files\n`) : undefined,
          });
          bar?.stop();
          const { pid, registered, bytes, errors } = summary;
          if (opts.json) printJson(ctx.stdout, { pid, registered, bytes, errors });
          else {
            ctx.stdout.write(
              `registered ${registered} files (${formatBytes(bytes)}; ${summary.changed} new or changed, ${summary.unchanged} unchanged), ${errors.length} problem(s)\n`,
            );
            for (const e of errors) ctx.stdout.write(`  ${e.path}: ${e.reason}\n`);
            ctx.stdout.write(`${pid}\n`);
          }
          if (opts.strict && errors.length)
            throw new CliError(`--strict: ${errors.length} file(s) listed as problems`);
        } catch (e) {
          bar?.stop();
          throw e instanceof AppError ? new CliError(e.message) : e;
        } finally {
          await extractor.close();
        }
      });
    });
}
