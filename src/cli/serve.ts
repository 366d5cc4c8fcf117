import type { Command } from 'commander';
import { buildApp } from '../http/app.ts';
import { openDatabase, DatabaseBusyError } from '../db/open.ts';
import { systemClock } from '../clock.ts';
import { loadDemoIfEmpty, demoLoginsText } from '../demo/load.ts';
import { CliError, type CliContext } from './context.ts';

async function serve(ctx: CliContext, demo: boolean): Promise<void> {
  const { config } = ctx;
  const database = await openDatabase(config, demo ? 'demo' : 'serve', config.baseUrl).catch((e) => {
    throw e instanceof DatabaseBusyError ? new CliError(e.message) : e;
  });
  const services = { config, database, clock: systemClock };
  const loaded = demo ? await loadDemoIfEmpty(database.db, config, systemClock.now()) : false;
  const app = await buildApp(services, { logger: { level: config.logLevel } });
  const stop = async () => {
    await app.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await app.listen({ host: config.host, port: config.port });
  const where = database.kind === 'pglite' ? `embedded database in ${config.home}/db` : 'PostgreSQL (DATABASE_URL)';
  ctx.stdout.write(`\nfairbeam is running at ${config.baseUrl}/  (${where})\n`);
  ctx.stdout.write(`API docs: ${config.baseUrl}/api/docs\n`);
  if (demo) {
    ctx.stdout.write(`${loaded ? 'Loaded the demo facility.' : 'Catalogue not empty: demo data left as it was.'} Demo logins:\n${demoLoginsText()}\n`);
  }
  await new Promise(() => {}); // serve until a signal arrives
}

export function registerServeCommands(program: Command, ctx: CliContext): void {
  program.command('serve').description('run the HTTP API and portal').action(() => serve(ctx, false));
  program
    .command('demo')
    .description('like serve, loading a generated demo facility first if the catalogue is empty')
    .action(() => serve(ctx, true));
}
