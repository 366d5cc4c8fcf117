import type { Command } from 'commander';
import { AppError } from '../errors.ts';
import { formatBytes } from '../archive/packing/size.ts';
import { sessionContainers } from '../archive/packs/list.ts';
import { archiveCommand } from './archive.ts';
import { type CliContext, UsageError } from './context.ts';
import { printJson, withDatabase } from './db.ts';

/** `fairbeam archive containers --session ID`: what `archive pack --session` recorded. */
export function registerArchiveContainersCommand(program: Command, ctx: CliContext): void {
  archiveCommand(program)
    .command('containers')
    .description("List a session's containers and own tape files recorded by `archive pack --session`")
    .requiredOption('--session <id>')
    .option('--json', 'print JSON on stdout')
    .action(async (o: { session: string; json?: boolean }) => {
      const listed = await withDatabase(ctx.config, 'archive containers', async ({ db }) => {
        try {
          return await sessionContainers(db, o.session);
        } catch (e) {
          if (e instanceof AppError && e.status === 404) throw new UsageError(e.message);
          throw e;
        }
      });
      if (o.json) return void printJson(ctx.stdout, listed);
      if (listed.packs.length === 0) {
        ctx.stdout.write(
          `Session ${o.session}: no containers recorded (\`fairbeam archive pack --session\`)\n`,
        );
        return;
      }
      for (const p of listed.packs) {
        ctx.stdout.write(
          `${p.outDir}  (packed from ${p.source}, recorded ${p.recordedAt}): ${p.containers.length} ` +
            `container(s), ${p.files} files, ${formatBytes(p.bytes)}\n`,
        );
        for (const c of p.containers)
          ctx.stdout.write(
            `  ${c.name}  ${c.members} members  ${formatBytes(c.fileSize)}  ${c.datafiles} datafiles  sha256 ${c.sha256}\n`,
          );
        if (p.ownTapeFiles.length > 0) ctx.stdout.write(`  Own tape files (${p.ownTapeFiles.length}):\n`);
        for (const f of p.ownTapeFiles)
          ctx.stdout.write(`    ${f.path}  ${f.reason}  ${formatBytes(f.size)}\n`);
        if (p.problems.length > 0) ctx.stdout.write(`  Not packed (${p.problems.length}):\n`);
        for (const x of p.problems) ctx.stdout.write(`    ${x.path}: ${x.reason}\n`);
      }
    });
}
