import type { WriteStream } from 'node:tty';
import { type Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { ContainerError, openContainer } from '../archive/packing/container-reader.ts';
import { MemberNotFoundError, extractContainer, selectRows } from '../archive/packing/extract.ts';
import type { IndexRow } from '../archive/packing/format.ts';
import {
  PackError,
  type PackProgress,
  type PackResult,
  PackUsageError,
  packTree,
} from '../archive/packing/pack.ts';
import { formatBytes, parseSize } from '../archive/packing/size.ts';
import { verifyContainer } from '../archive/packing/verify.ts';
import { CliError, type CliContext, UsageError } from './context.ts';
import { checkPackSession, recordPackedSession, recordedSummary } from './archive-pack-session.ts';

/** The `fairbeam archive` command group, shared by the container tools and the tape workflow's commands. */
export const archiveCommand = (program: Command): Command =>
  program.commands.find((c) => c.name() === 'archive') ??
  program
    .command('archive')
    .description('Pack files into HDF5 containers for tape, inspect and restore them');

/**
 * `fairbeam archive pack|ls|verify|extract`: standalone container tools (no database), except that
 * `pack --session` records its result in the catalogue.
 */
export function registerArchiveCommands(program: Command, ctx: CliContext): void {
  const archive = archiveCommand(program);

  archive
    .command('pack')
    .description('Pack a directory tree into HDF5 containers (large and HDF5 files become own tape files)')
    .argument('<dir>', 'directory to pack')
    .requiredOption('--out <dir>', 'directory for the containers')
    .option('--target-size <size>', 'target container size', sizeOption, parseSize('32GiB'))
    .option(
      '--large-file-threshold <size>',
      'files above this size are not packed',
      sizeOption,
      parseSize('64MiB'),
    )
    .option(
      '--session <id>',
      'catalogue session the files belong to: checked before anything is written, stored in each ' +
        'container and used as the name prefix; the containers, own tape files and the places of ' +
        "the session's registered datafiles are recorded in the catalogue (see `fairbeam archive " +
        'containers`)',
    )
    .option('--workers <n>', 'worker threads writing containers', positiveInteger)
    .option('--plan-only', 'print the plan (containers, own tape files) and write nothing')
    .option(
      '--verify-blob',
      'before renaming a container, also read all of /blob back and compare it with what was ' +
        'written (the index is always compared)',
    )
    .option('--json', 'print the result as JSON on stdout')
    .action(async (dir: string, opts: PackFlags) => packCommand(ctx, dir, opts));

  archive
    .command('ls')
    .description('List the members of a container')
    .argument('<container>')
    .argument('[paths...]', 'members or directories to list')
    .option('--json', 'print JSON on stdout')
    .action(async (file: string, paths: string[], opts: { json?: boolean }) => {
      const container = await withContainerErrors(() => openContainer(file));
      try {
        const rows = await withContainerErrors(() => selectRows(container, paths));
        if (opts.json) {
          writeJson(ctx, { file, ...container.attributes, blobBytes: container.blobBytes, members: rows });
        } else {
          for (const row of rows) ctx.stdout.write(formatRow(row) + '\n');
        }
      } finally {
        container.close();
      }
    });

  archive
    .command('verify')
    .description('Check structure and every member sha256 of containers')
    .argument('<containers...>')
    .option('--json', 'print JSON on stdout')
    .action(async (files: string[], opts: { json?: boolean }) => {
      const reports = [];
      for (const file of files) {
        try {
          reports.push(await verifyContainer(file));
        } catch (err) {
          if (!(err instanceof ContainerError)) throw err;
          reports.push({ file, ok: false, members: 0, files: 0, bytes: 0, problems: [err.message] });
        }
      }
      if (opts.json) writeJson(ctx, reports);
      for (const r of reports) {
        if (opts.json) continue;
        if (r.ok)
          ctx.stdout.write(
            `${r.file}: OK (${r.members} members, ${r.files} files, ${formatBytes(r.bytes)})\n`,
          );
        else ctx.stdout.write(`${r.file}: FAILED\n${r.problems.map((p) => `  ${p}\n`).join('')}`);
      }
      const failed = reports.filter((r) => !r.ok);
      if (failed.length > 0)
        throw new CliError(`${failed.map((r) => r.file).join(', ')}: verification failed`);
    });

  archive
    .command('extract')
    .description('Restore members of a container (reads only their bytes)')
    .argument('<container>')
    .argument('[paths...]', 'members or directories to restore (default: all)')
    .option('--to <dir>', 'target directory', '.')
    .option('--json', 'print JSON on stdout')
    .action(async (file: string, paths: string[], opts: { to: string; json?: boolean }) => {
      const result = await withContainerErrors(() => extractContainer(file, { to: opts.to, paths }));
      if (opts.json) writeJson(ctx, { file, to: opts.to, ...result });
      else
        ctx.stdout.write(
          `Extracted ${result.members} members (${formatBytes(result.bytes)}) to ${opts.to}\n`,
        );
    });
}

interface PackFlags {
  out: string;
  targetSize: number;
  largeFileThreshold: number;
  session?: string;
  workers?: number;
  planOnly?: boolean;
  verifyBlob?: boolean;
  json?: boolean;
}

async function packCommand(ctx: CliContext, dir: string, opts: PackFlags): Promise<void> {
  if (opts.session) await checkPackSession(ctx.config, opts.session);
  const started = performance.now();
  const progress = opts.json || opts.planOnly ? undefined : progressBar(ctx);
  let result: PackResult;
  try {
    result = await packTree({
      root: dir,
      outDir: opts.out,
      targetSize: opts.targetSize,
      largeFileThreshold: opts.largeFileThreshold,
      session: opts.session,
      workers: opts.workers,
      planOnly: opts.planOnly,
      verifyBlob: opts.verifyBlob,
      onProgress: progress?.update,
    });
  } catch (err) {
    if (err instanceof PackUsageError) throw new UsageError(err.message);
    if (err instanceof PackError) throw new CliError(`packing failed:\n${err.message}`);
    // A file-system refusal outside any member (an --out under a file, a full or read-only disk):
    // the system's message names the path; no stack.
    if (typeof (err as NodeJS.ErrnoException)?.code === 'string' && (err as NodeJS.ErrnoException).syscall)
      throw new CliError(`packing failed: ${(err as Error).message}`);
    throw err;
  } finally {
    progress?.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const recorded =
    opts.session && !opts.planOnly
      ? await recordPackedSession(ctx.config, result, {
          targetSize: opts.targetSize,
          largeFileThreshold: opts.largeFileThreshold,
        })
      : null;
  if (opts.json) writeJson(ctx, { ...result, seconds, recorded });
  else {
    ctx.stdout.write(summary(result, seconds, Boolean(opts.planOnly)));
    if (recorded) ctx.stdout.write(recordedSummary(recorded).join('\n') + '\n');
    else if (opts.session)
      ctx.stdout.write(`Session ${opts.session} is in the catalogue; nothing recorded\n`);
  }
  if (result.problems.length > 0 && !opts.planOnly) {
    throw new CliError(`${result.problems.length} path(s) could not be packed (listed in the result)`);
  }
}

function summary(result: PackResult, seconds: number, planOnly: boolean): string {
  const { totals } = result;
  const lines = [
    planOnly
      ? `Plan: ${totals.files} files (${formatBytes(totals.bytes)}) in ${result.containers.length} container(s)`
      : `Packed ${totals.files} files (${formatBytes(totals.bytes)}) into ${result.containers.length} ` +
        `container(s) in ${seconds.toFixed(1)} s (${formatBytes(totals.bytes / Math.max(seconds, 1e-3))}/s)`,
    ...result.containers.map(
      (c) => `  ${c.name}  ${c.members} members  ${formatBytes(c.bytes)}  ${c.status}`,
    ),
  ];
  if (result.ownTapeFiles.length > 0) {
    lines.push(`Own tape files (${result.ownTapeFiles.length}, ${formatBytes(totals.ownTapeBytes)}):`);
    for (const f of result.ownTapeFiles) lines.push(`  ${f.path}  ${f.reason}  ${formatBytes(f.size)}`);
  }
  if (result.problems.length > 0) {
    lines.push(`Not packed (${result.problems.length}):`);
    for (const p of result.problems) lines.push(`  ${p.path}: ${p.reason}`);
  }
  return lines.join('\n') + '\n';
}

/** A progress bar on stderr, only when stderr is a terminal. */
function progressBar(ctx: CliContext): { update: (p: PackProgress) => void; stop: () => void } | undefined {
  const stream = ctx.stderr as WriteStream;
  if (!stream.isTTY) return undefined;
  const started = performance.now();
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'packing [{bar}] {percentage}% | {files}/{totalFiles} files | {done} of {total} | {rate}/s',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let begun = false;
  return {
    update(p) {
      const payload = {
        files: p.files,
        totalFiles: p.totalFiles,
        done: formatBytes(p.bytes),
        total: formatBytes(p.totalBytes),
        rate: formatBytes(p.bytes / Math.max((performance.now() - started) / 1000, 1e-3)),
      };
      if (!begun) bar.start(Math.max(p.totalBytes, 1), p.bytes, payload);
      else bar.update(p.bytes, payload);
      begun = true;
    },
    stop: () => void (begun && bar.stop()),
  };
}

function formatRow(row: IndexRow): string {
  const kind = row.type === 'dir' ? 'd' : row.type === 'symlink' ? 'l' : '-';
  const perms = [6, 3, 0].map((shift) => {
    const bits = (row.mode >> shift) & 7;
    return `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${bits & 1 ? 'x' : '-'}`;
  });
  const when = new Date(row.mtime * 1000).toISOString().slice(0, 19).replace('T', ' ');
  const name = row.type === 'symlink' ? `${row.path} -> ${row.target}` : row.path;
  return `${kind}${perms.join('')} ${String(row.length).padStart(12)} ${when} ${name}`;
}

async function withContainerErrors<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof MemberNotFoundError) throw new UsageError(err.message);
    if (err instanceof ContainerError) throw new CliError(err.message);
    throw err;
  }
}

function writeJson(ctx: CliContext, value: unknown): void {
  ctx.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

function sizeOption(value: string): number {
  try {
    return parseSize(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}
