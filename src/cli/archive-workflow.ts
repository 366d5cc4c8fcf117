import type { Command } from 'commander';
import { AppError } from '../errors.ts';
import { formatBytes } from '../archive/packing/size.ts';
import { createTapeContext } from '../archive/workflow/context.ts';
import { releaseDisk } from '../archive/workflow/release.ts';
import { advanceRun, requestArchive } from '../archive/workflow/runs.ts';
import { datasetArchiveStatus } from '../archive/workflow/status.ts';
import { type CliContext, CliError } from './context.ts';
import { printJson, withDatabase } from './db.ts';
import { archiveCommand } from './archive.ts';

const appErrors = async <T>(fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AppError) throw new CliError(e.message);
    throw e;
  }
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `fairbeam archive request|release|status`: the dataset side of the tape archive. */
export function registerArchiveWorkflowCommands(program: Command, ctx: CliContext): void {
  const archive = archiveCommand(program);

  archive
    .command('request')
    .description('Queue a dataset for archiving now (two verified tape copies)')
    .requiredOption('--dataset <pid>')
    .option('--release', 'release the disk copies once archived')
    .option('--wait', 'block, with progress, until every file is archived (runs the steps in this process)')
    .option('--json')
    .action(async (o: { dataset: string; release?: boolean; wait?: boolean; json?: boolean }) => {
      await withDatabase(ctx.config, 'archive request', async ({ db }) => {
        const run = await appErrors(() =>
          requestArchive(db, o.dataset, { actor: 'cli', release: o.release }),
        );
        if (!o.wait) {
          if (o.json) printJson(ctx.stdout, run);
          else ctx.stdout.write(`archive run ${run.id} of ${run.datasetPid} queued (${run.step})\n`);
          return;
        }
        const tape = createTapeContext(db, { home: ctx.config.home, dataRoots: ctx.config.dataRoots });
        let last = '';
        const progress = (line: string) => {
          if (line !== last && !o.json) ctx.stderr.write(`${line}\n`);
          last = line;
        };
        // Another live process may hold the run: then follow it until it is finished.
        for (;;) {
          await advanceRun(tape, run.id, (p) =>
            progress(
              p.write
                ? `run ${p.runId}: writing copy ${p.write.copy}, ${p.write.written}/${p.write.total} on ${p.write.cartridge}`
                : `run ${p.runId}: ${p.step}`,
            ),
          );
          const now = await db
            .selectFrom('archive_run')
            .select(['step', 'error'])
            .where('id', '=', run.id)
            .executeTakeFirstOrThrow();
          if (now.step === 'done' || now.step === 'failed') {
            const files = await datasetArchiveStatus(db, o.dataset);
            if (o.json)
              printJson(ctx.stdout, {
                id: run.id,
                dataset: o.dataset,
                step: now.step,
                error: now.error,
                files,
              });
            if (now.step === 'failed') throw new CliError(`archive of ${o.dataset} failed: ${now.error}`);
            if (!o.json)
              ctx.stdout.write(
                `${o.dataset}: ${files.filter((f) => f.copies.length >= 2).length} of ${files.length} files archived with two copies\n`,
              );
            return;
          }
          progress(`run ${run.id}: ${now.step} (in another process)`);
          await sleep(1000);
        }
      });
    });

  archive
    .command('release')
    .description('Release the disk copies of files with two verified tape copies (they go offline)')
    .requiredOption('--dataset <pid>')
    .option('--json')
    .action(async (o: { dataset: string; json?: boolean }) => {
      const r = await withDatabase(ctx.config, 'archive release', ({ db }) =>
        appErrors(() => releaseDisk(db, o.dataset, ctx.config.dataRoots)),
      );
      if (o.json) printJson(ctx.stdout, r);
      else {
        ctx.stdout.write(`released ${r.released} files (${formatBytes(r.bytes)})\n`);
        for (const f of r.refused) ctx.stdout.write(`refused ${f.path}: ${f.reason}\n`);
      }
      if (r.refused.length) throw new CliError(`${r.refused.length} file(s) not released (see above)`);
    });

  archive
    .command('status')
    .description("Each file's state and tape copies")
    .requiredOption('--dataset <pid>')
    .option('--json')
    .action(async (o: { dataset: string; json?: boolean }) => {
      const files = await withDatabase(ctx.config, 'archive status', ({ db }) =>
        appErrors(() => datasetArchiveStatus(db, o.dataset)),
      );
      if (o.json) return void printJson(ctx.stdout, files);
      for (const f of files)
        ctx.stdout.write(
          `${f.state.padEnd(9)} ${f.path}\t${f.copies.map((c) => `${c.cartridge}:${c.tapeFile}@${c.offset}`).join(' ') || '-'}\n`,
        );
    });
}
