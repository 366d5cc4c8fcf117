import fs from 'node:fs';
import type { Command } from 'commander';
import { AppError } from '../errors.ts';
import { importCatalogue } from '../catalogue/import/run.ts';
import { audit } from '../audit/log.ts';
import { runReleasePass } from '../policy/lifecycle.ts';
import { fixedClock } from '../clock.ts';
import { CliError, UsageError, type CliContext } from './context.ts';
import { printJson, withDatabase } from './db.ts';

export function registerCatalogueCommands(program: Command, ctx: CliContext): void {
  program
    .command('migrate')
    .description('apply database migrations (serve and demo do it too)')
    .action(() =>
      withDatabase(ctx.config, 'migrate', async () => void ctx.stdout.write('database is up to date\n')),
    );

  program
    .command('import')
    .argument('<file>', 'user-office export (JSON)')
    .option('--json', 'print the summary as JSON')
    .description('upsert the catalogue from a user-office export; idempotent, one transaction')
    .action(async (file: string, opts: { json?: boolean }) => {
      let doc: unknown;
      try {
        doc = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
      }
      await withDatabase(ctx.config, 'import', async ({ db }) => {
        try {
          const summary = await importCatalogue(db, doc, ctx.config);
          await audit(db, {
            actor: 'cli',
            action: 'catalogue.import',
            target: file,
            details: { ...summary },
          });
          if (opts.json) printJson(ctx.stdout, summary);
          else
            ctx.stdout.write(
              `imported ${Object.entries(summary)
                .map(([k, v]) => `${v} ${k}`)
                .join(', ')}\n`,
            );
        } catch (e) {
          if (e instanceof AppError) throw new CliError(`${file}: ${e.message}`);
          throw e;
        }
      });
    });

  program
    .command('policy')
    .description('data policy jobs')
    .command('release')
    .option('--now <iso-time>', 'run as if the time were this')
    .option('--json', 'print released session ids as JSON')
    .description(
      'run the release job once: open sessions whose embargo has ended, give ended sessions their draft DOI, bring the DOI registrar in step (idempotent, audited)',
    )
    .action(async (opts: { now?: string; json?: boolean }) => {
      const now = opts.now ? new Date(opts.now) : new Date();
      if (Number.isNaN(now.getTime())) throw new UsageError(`--now: not a date-time: ${opts.now}`);
      await withDatabase(ctx.config, 'policy release', async (database) => {
        // The same pass as the scheduled policy.release job, with the clock at --now.
        const services = { config: ctx.config, database, clock: fixedClock(now) };
        const run = await runReleasePass(services, now, 'cli:policy-release');
        // JSON keeps its shape ({ released }); the DOI steps are in the audit log and the text output.
        if (opts.json) printJson(ctx.stdout, { released: run.released });
        else {
          const ids = run.released;
          ctx.stdout.write(
            ids.length
              ? `released ${ids.length} session(s):\n${ids.map((i) => `  ${i}\n`).join('')}`
              : 'nothing to release\n',
          );
          for (const r of run.dois.registered) ctx.stdout.write(`DOI ${r.doi}: ${r.state}\n`);
          for (const f of run.dois.failed)
            ctx.stdout.write(`DOI ${f.doi}: registrar failed (${f.error}); retried by the next run\n`);
        }
      });
    });
}
