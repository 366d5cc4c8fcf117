import path from 'node:path';
import type { Command } from 'commander';
import { AppError } from '../errors.ts';
import { formatBytes, parseSize } from '../archive/packing/size.ts';
import { addCartridges, saveLibrary, savePool } from '../archive/workflow/libraries.ts';
import { createTapeContext } from '../archive/workflow/context.ts';
import { listCartridges, listDrives, recallQueue, tapeStatus } from '../archive/workflow/status.ts';
import { isGeneration } from '../archive/tape/timing.ts';
import { type CliContext, CliError, UsageError } from './context.ts';
import { printJson, withDatabase } from './db.ts';

const size = (flag: string, v: string) => {
  try {
    return parseSize(v);
  } catch (e) {
    throw new UsageError(`${flag}: ${(e as Error).message}`);
  }
};
const int = (flag: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a whole number, got ${v}`);
  return n;
};

/** Runs a command on the database, turning AppErrors (bad config, unknown pool) into CLI errors. */
async function onDb<T>(
  ctx: CliContext,
  command: string,
  fn: (d: Parameters<Parameters<typeof withDatabase>[2]>[0]) => Promise<T>,
) {
  try {
    return await withDatabase(ctx.config, command, fn);
  } catch (e) {
    if (e instanceof AppError) throw e.status === 400 ? new UsageError(e.message) : new CliError(e.message);
    throw e;
  }
}

/** `fairbeam tape library|pool|cartridge|policy|status|libraries|cartridges|drives|queue`. */
export function registerTapeAdminCommands(tape: Command, ctx: CliContext): void {
  const library = tape.command('library').description('Configure tape libraries');
  library
    .command('add')
    .argument('<name>')
    .requiredOption(
      '--kind <kind>',
      'virtual (cartridges as directories, LTO timing model) or ltfs (mounted LTFS volumes)',
    )
    .requiredOption(
      '--root <dir>',
      'virtual: directory of the library; ltfs: directory holding one mounted volume per barcode',
    )
    .option('--generation <lto>', 'lto7, lto8 or lto9', 'lto8')
    .option('--drives <n>', 'drives (virtual)', '2')
    .option('--slots <n>', 'slots (virtual)', '100')
    .option('--clock <mode>', 'simulated (counts drive time) or real (waits it out)', 'simulated')
    .description('add or reconfigure a tape library')
    .action(
      async (
        name: string,
        o: { kind: string; root: string; generation: string; drives: string; slots: string; clock: string },
      ) => {
        if (o.kind !== 'virtual' && o.kind !== 'ltfs') throw new UsageError('--kind must be virtual or ltfs');
        if (!isGeneration(o.generation)) throw new UsageError('--generation must be lto7, lto8 or lto9');
        if (o.clock !== 'simulated' && o.clock !== 'real')
          throw new UsageError('--clock must be simulated or real');
        await onDb(ctx, 'tape library add', ({ db }) =>
          saveLibrary(db, {
            name,
            kind: o.kind as 'virtual' | 'ltfs',
            root: path.resolve(o.root),
            generation: o.generation as 'lto8',
            drives: int('--drives', o.drives),
            slots: int('--slots', o.slots),
            clock: o.clock as 'simulated',
          }),
        );
        ctx.stdout.write(`library ${name} (${o.kind}) saved\n`);
      },
    );

  tape
    .command('pool')
    .description(
      'Configure pools (sets of cartridges); copy 1 and copy 2 of every file go to pools of different copy numbers',
    )
    .command('add')
    .argument('<name>')
    .requiredOption('--library <name>')
    .requiredOption('--copy <n>', '1 or 2: which copy this pool holds')
    .action(async (name: string, o: { library: string; copy: string }) => {
      if (o.copy !== '1' && o.copy !== '2') throw new UsageError('--copy must be 1 or 2');
      await onDb(ctx, 'tape pool add', ({ db }) => savePool(db, name, o.library, Number(o.copy) as 1 | 2));
      ctx.stdout.write(`pool ${name} (copy ${o.copy}) saved in ${o.library}\n`);
    });

  tape
    .command('cartridge')
    .description('Register cartridges')
    .command('add')
    .argument('<barcodes...>')
    .requiredOption('--pool <name>')
    .option('--capacity <size>', 'capacity (default: the generation native capacity)')
    .action(async (barcodes: string[], o: { pool: string; capacity?: string }) => {
      const capacity = o.capacity ? size('--capacity', o.capacity) : undefined;
      await onDb(ctx, 'tape cartridge add', ({ db }) => addCartridges(db, o.pool, barcodes, { capacity }));
      ctx.stdout.write(`${barcodes.length} cartridge(s) in pool ${o.pool}\n`);
    });

  tape
    .command('policy')
    .description(
      'Show or change the archiving policy (datasets older or larger than the limits are archived)',
    )
    .option('--enable')
    .option('--disable')
    .option('--min-age <days>', 'archive datasets registered at least this many days ago')
    .option('--min-size <size>', 'or holding at least this many bytes')
    .option('--release', 'release disk copies once archived')
    .option('--keep', 'keep disk copies once archived')
    .option('--container-size <size>', 'target container size')
    .option('--large-file <size>', 'files above this go to tape whole')
    .option('--json')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const policy = await onDb(ctx, 'tape policy', async ({ db }) => {
        const set: Record<string, unknown> = {};
        if (o.enable) set.enabled = true;
        if (o.disable) set.enabled = false;
        if (o.minAge !== undefined) set.min_age_days = int('--min-age', o.minAge as string);
        if (o.minSize !== undefined) set.min_bytes = size('--min-size', o.minSize as string);
        if (o.release) set.release = true;
        if (o.keep) set.release = false;
        if (o.containerSize !== undefined)
          set.container_bytes = size('--container-size', o.containerSize as string);
        if (o.largeFile !== undefined) set.large_file_bytes = size('--large-file', o.largeFile as string);
        if (Object.keys(set).length) await db.updateTable('archive_policy').set(set).execute();
        return db.selectFrom('archive_policy').selectAll().executeTakeFirstOrThrow();
      });
      if (o.json) printJson(ctx.stdout, policy);
      else
        ctx.stdout.write(
          `policy ${policy.enabled ? 'enabled' : 'disabled'}: older than ${policy.min_age_days} days` +
            `${policy.min_bytes ? ` or ≥ ${formatBytes(Number(policy.min_bytes))}` : ''}, ` +
            `${policy.release ? 'release disk copies' : 'keep disk copies'}, containers of ${formatBytes(Number(policy.container_bytes))}, ` +
            `files over ${formatBytes(Number(policy.large_file_bytes))} whole\n`,
        );
    });

  tape
    .command('status')
    .description('Libraries, cartridges, queue and throughput at a glance')
    .option('--json')
    .action(async (o: { json?: boolean }) => {
      const s = await onDb(ctx, 'tape status', ({ db }) => tapeStatus(db));
      if (o.json) return void printJson(ctx.stdout, s);
      for (const l of s.libraries)
        ctx.stdout.write(
          `library ${l.name} (${l.kind}) ${l.root}: ${l.cartridges} cartridges, pools ${l.pools.join(', ') || '-'}\n`,
        );
      const c = s.cartridges;
      ctx.stdout.write(
        `cartridges: ${c.total} (${c.available} available, ${c.full} full, ${c.failed} failed), ${formatBytes(c.used)} of ${formatBytes(c.capacity)} used\n`,
      );
      ctx.stdout.write(
        `files on tape: ${s.copies.datafiles} (${s.copies.archivedTwice} with two copies); archive runs active: ${s.activeArchiveRuns}\n`,
      );
      ctx.stdout.write(
        `recalls: ${s.queue.queued} queued, ${s.queue.running} running, ${s.queue.done} done, ${s.queue.failed} failed\n`,
      );
      ctx.stdout.write(
        `drives moved: ${formatBytes(s.throughput.bytesWritten)} written, ${formatBytes(s.throughput.bytesRead)} read\n`,
      );
    });

  tape
    .command('libraries')
    .description('List configured libraries')
    .option('--json')
    .action(async (o: { json?: boolean }) => {
      const s = await onDb(ctx, 'tape libraries', ({ db }) => tapeStatus(db));
      if (o.json) return void printJson(ctx.stdout, s.libraries);
      for (const l of s.libraries)
        ctx.stdout.write(`${l.name}\t${l.kind}\t${l.root}\t${l.cartridges} cartridges\n`);
    });

  tape
    .command('cartridges')
    .description('Cartridges with pool, fill, errors and state')
    .option('--json')
    .action(async (o: { json?: boolean }) => {
      const list = await onDb(ctx, 'tape cartridges', ({ db }) => listCartridges(db));
      if (o.json) return void printJson(ctx.stdout, list);
      ctx.stdout.write('BARCODE\tLIBRARY\tPOOL\tCOPY\tFILL\tUSED\tFILES\tERRORS\tSTATE\n');
      for (const c of list)
        ctx.stdout.write(
          `${c.barcode}\t${c.library}\t${c.pool}\t${c.copy}\t${(c.fill * 100).toFixed(1)}%\t${formatBytes(c.used)}\t${c.tapeFiles}\t${c.errors}\t${c.state}${c.inUseBy ? ' (in use)' : ''}\n`,
        );
    });

  tape
    .command('drives')
    .description('Drives with loaded cartridge, errors and bytes moved')
    .option('--json')
    .action(async (o: { json?: boolean }) => {
      const list = await onDb(ctx, 'tape drives', ({ db }) =>
        listDrives(
          db,
          createTapeContext(db, { home: ctx.config.home, dataRoots: ctx.config.dataRoots }).libraries,
        ),
      );
      if (o.json) return void printJson(ctx.stdout, list);
      ctx.stdout.write('LIBRARY\tDRIVE\tLOADED\tFAILED\tERRORS\tWRITTEN\tREAD\n');
      for (const d of list)
        ctx.stdout.write(
          `${d.library}\t${d.name}\t${d.loaded ?? '-'}\t${d.failed === null ? '?' : d.failed ? 'yes' : 'no'}\t${d.errors}\t${formatBytes(d.bytesWritten)}\t${formatBytes(d.bytesRead)}\n`,
        );
    });

  tape
    .command('queue')
    .description('Recall queue and unfinished archive runs')
    .option('--json')
    .option('--limit <n>', 'rows', '50')
    .action(async (o: { json?: boolean; limit: string }) => {
      const q = await onDb(ctx, 'tape queue', ({ db }) => recallQueue(db, int('--limit', o.limit) ?? 50));
      if (o.json) return void printJson(ctx.stdout, q);
      ctx.stdout.write(
        `recalls: ${q.counts.queued} queued, ${q.counts.running} running, ${q.counts.done} done, ${q.counts.failed} failed\n`,
      );
      for (const r of q.archiveRuns)
        ctx.stdout.write(`archive run ${r.id} ${r.dataset}: ${r.step}${r.error ? ` (${r.error})` : ''}\n`);
      for (const r of q.recalls)
        ctx.stdout.write(
          `recall ${r.id} ${r.state}\t${r.cartridge ?? '-'}:${r.tapeFile ?? '-'}\t${r.path}${r.error ? `\t${r.error}` : ''}\n`,
        );
    });
}
