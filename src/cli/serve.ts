import type { Command } from 'commander';
import { buildApp } from '../http/app.ts';
import { openDatabase, DatabaseBusyError } from '../db/open.ts';
import { systemClock } from '../clock.ts';
import { loadDemoIfEmpty, demoLoginsText } from '../demo/load.ts';
import { startJobs } from '../jobs/runtime.ts';
import { CliError, type CliContext } from './context.ts';

async function serve(ctx: CliContext, demo: boolean, withWorker: boolean): Promise<void> {
  const { config } = ctx;
  const database = await openDatabase(config, demo ? 'demo' : 'serve', config.baseUrl).catch((e) => {
    throw e instanceof DatabaseBusyError ? new CliError(e.message) : e;
  });
  const services = { config, database, clock: systemClock };
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  let boss: Awaited<ReturnType<typeof startJobs>> | undefined;
  const shutdown = async () => {
    await app?.close();
    await boss?.stop({ graceful: true, wait: true, timeout: 10_000 });
    await database.close();
  };
  try {
    const loaded = demo ? await loadDemoIfEmpty(database.db, config, systemClock.now()) : false;
    app = await buildApp(services, { logger: { level: config.logLevel } });
    boss = await startJobs(services, withWorker);
    await app.listen({ host: config.host, port: config.port });
    const where =
      database.kind === 'pglite' ? `embedded database in ${config.home}/db` : 'PostgreSQL (DATABASE_URL)';
    ctx.stdout.write(`\nfairbeam is running at ${config.baseUrl}/  (${where})\n`);
    ctx.stdout.write(`API docs: ${config.baseUrl}/api/docs\n`);
    if (demo) {
      ctx.stdout.write(
        `${loaded ? 'Loaded the demo facility.' : 'Catalogue not empty: demo data left as it was.'} Demo logins:\n${demoLoginsText()}\n`,
      );
    }
  } catch (e) {
    // A failed start must not keep the embedded database locked by a process that serves nothing.
    await shutdown().catch(() => {});
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new CliError(`${config.host}:${config.port} is in use; set PORT to another port`);
    throw e;
  }
  const stop = () => shutdown().finally(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await new Promise(() => {}); // serve until a signal arrives
}

export function registerServeCommands(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .option('--no-worker', 'do not run background jobs in this process (run `fairbeam worker` instead)')
    .description('run the HTTP API and portal, with an in-process worker for background jobs')
    .action((opts: { worker: boolean }) => serve(ctx, false, opts.worker));
  program
    .command('demo')
    .description('like serve, loading a generated demo facility first if the catalogue is empty')
    .action(() => serve(ctx, true, true));
  program
    .command('worker')
    .description('run background jobs only (release, ingest, archive, ...)')
    .action(async () => {
      const database = await openDatabase(ctx.config, 'worker').catch((e) => {
        throw e instanceof DatabaseBusyError ? new CliError(e.message) : e;
      });
      const boss = await startJobs({ config: ctx.config, database, clock: systemClock }, true);
      ctx.stdout.write('fairbeam worker is running; Ctrl-C stops it\n');
      const stop = async () => {
        await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
        await database.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await new Promise(() => {});
    });
}
