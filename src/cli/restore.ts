import path from 'node:path';
import type { Command } from 'commander';
import { AppError } from '../errors.ts';
import { formatBytes } from '../archive/packing/size.ts';
import { createTapeContext } from '../archive/workflow/context.ts';
import { queueRecalls, recallSummary } from '../archive/workflow/recalls.ts';
import { drainRecalls } from '../archive/workflow/scheduler.ts';
import { type CliContext, CliError, UsageError } from './context.ts';
import { printJson, withDatabase } from './db.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `fairbeam restore --dataset PID | --file ID [--to DIR]`: queues recalls and runs the recall
 * scheduler in this process until they are done (a worker elsewhere may take some of them).
 */
export function registerRestoreCommand(program: Command, ctx: CliContext): void {
  program
    .command('restore')
    .description('Bring files back from tape: in place (they go online) or into --to DIR')
    .option('--dataset <pid>', 'every file of the dataset')
    .option('--file <id...>', 'datafile ids')
    .option('--to <dir>', 'write the files under this directory instead of back in place')
    .option('--json')
    .action(async (o: { dataset?: string; file?: string[]; to?: string; json?: boolean }) => {
      if (!o.dataset === !o.file) throw new UsageError('give --dataset PID or --file ID');
      const ids = (o.file ?? []).map((v) => {
        const n = Number(v);
        if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--file needs datafile ids, got ${v}`);
        return n;
      });
      await withDatabase(ctx.config, 'restore', async ({ db }) => {
        let fileIds = ids;
        if (o.dataset) {
          const ds = await db
            .selectFrom('dataset')
            .select('pid')
            .where('pid', '=', o.dataset)
            .executeTakeFirst();
          if (!ds) throw new CliError(`no dataset ${o.dataset}`);
          fileIds = (
            await db.selectFrom('datafile').select('id').where('dataset_pid', '=', o.dataset).execute()
          ).map((r) => r.id);
        } else {
          const found = await db.selectFrom('datafile').select('id').where('id', 'in', ids).execute();
          const missing = ids.find((id) => !found.some((f) => f.id === id));
          if (missing !== undefined) throw new CliError(`no datafile ${missing}`);
        }
        let recallIds: number[];
        try {
          recallIds = await queueRecalls(db, fileIds, {
            actor: 'cli',
            target: o.to ? path.resolve(o.to) : undefined,
          });
        } catch (e) {
          if (e instanceof AppError) throw new CliError(e.message);
          throw e;
        }
        const tape = createTapeContext(db, { home: ctx.config.home, dataRoots: ctx.config.dataRoots });
        for (;;) {
          await drainRecalls(tape, (p) => {
            if (!o.json)
              ctx.stderr.write(
                `restore: ${p.done + p.failed}/${p.total} files, ${formatBytes(p.bytes)}${p.cartridge ? ` (${p.cartridge})` : ''}\n`,
              );
          });
          const s = await recallSummary(db, recallIds);
          if (s.queued + s.running === 0) {
            if (o.json) printJson(ctx.stdout, { recalls: recallIds.length, ...s });
            else
              ctx.stdout.write(
                `restored ${s.done} files (${formatBytes(s.bytes)})${s.failed ? `, ${s.failed} failed` : ''}\n`,
              );
            if (s.failed)
              throw new CliError(s.errors.map((e) => `datafile ${e.datafileId}: ${e.error}`).join('\n'));
            return;
          }
          await sleep(1000);
        }
      });
    });
}
