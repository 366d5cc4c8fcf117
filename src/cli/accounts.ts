import type { Command } from 'commander';
import { upsertLocalUser, listUsers } from '../auth/users.ts';
import { createApiKey, revokeApiKey } from '../auth/api-keys.ts';
import { AppError } from '../errors.ts';
import { audit } from '../audit/log.ts';
import type { FacilityRole } from '../db/schema.ts';
import { CliError, UsageError, type CliContext } from './context.ts';
import { printJson, withDatabase } from './db.ts';

const ROLES = ['staff', 'data_manager', 'admin', 'none'];

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

const asCliError = (e: unknown) => (e instanceof AppError ? new CliError(e.message) : e);

export function registerAccountCommands(program: Command, ctx: CliContext): void {
  const user = program.command('user').description('local accounts');
  user
    .command('add')
    .argument('<username>')
    .option('--role <role>', `facility role: ${ROLES.join('|')}`)
    .option('--password-stdin', 'read the password from standard input')
    .option('--full-name <name>')
    .option('--email <email>')
    .description('create a local account, or set the password/role of an existing (e.g. imported) user')
    .action(
      async (
        username: string,
        opts: { role?: string; passwordStdin?: boolean; fullName?: string; email?: string },
      ) => {
        if (opts.role && !ROLES.includes(opts.role))
          throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
        const password = opts.passwordStdin ? await readStdin() : undefined;
        if (password !== undefined && password.length < 8)
          throw new UsageError('passwords need at least 8 characters');
        const role =
          opts.role === undefined ? undefined : opts.role === 'none' ? null : (opts.role as FacilityRole);
        await withDatabase(ctx.config, 'user add', async ({ db }) => {
          const r = await upsertLocalUser(db, {
            username,
            password,
            role,
            fullName: opts.fullName,
            email: opts.email,
          }).catch((e) => {
            throw asCliError(e);
          });
          await audit(db, {
            actor: 'cli',
            action: r.created ? 'user.create' : 'user.update',
            target: username,
            details: { role: role ?? null, password: password !== undefined },
          });
          ctx.stdout.write(`${r.created ? 'created' : 'updated'} user ${username}\n`);
        });
      },
    );
  user
    .command('list')
    .option('--json')
    .description('list accounts')
    .action((opts: { json?: boolean }) =>
      withDatabase(ctx.config, 'user list', async ({ db }) => {
        const users = await listUsers(db);
        if (opts.json) return void printJson(ctx.stdout, users);
        for (const u of users)
          ctx.stdout.write(
            `${u.username.padEnd(20)} ${(u.role ?? '-').padEnd(13)} ${u.hasPassword ? 'password' : 'no password'}  ${u.fullName ?? ''}\n`,
          );
      }),
    );

  const apikey = program.command('apikey').description('API keys for beamline software');
  apikey
    .command('create')
    .requiredOption('--name <name>', 'who uses the key, e.g. "id23-bliss"')
    .option('--instrument <id>', 'limit the key to one instrument (recommended)')
    .description('create an API key; the key is printed once, on the last line')
    .action((opts: { name: string; instrument?: string }) =>
      withDatabase(ctx.config, 'apikey create', async ({ db }) => {
        const { key } = await createApiKey(db, opts.name, opts.instrument ?? null).catch((e) => {
          throw asCliError(e);
        });
        await audit(db, {
          actor: 'cli',
          action: 'apikey.create',
          target: opts.name,
          details: { instrument: opts.instrument ?? null },
        });
        ctx.stderr.write(
          `API key "${opts.name}"${opts.instrument ? ` for instrument ${opts.instrument}` : ' (facility-wide)'}; it is shown only now:\n`,
        );
        ctx.stdout.write(`${key}\n`);
      }),
    );
  apikey
    .command('revoke')
    .requiredOption('--name <name>')
    .description('revoke an API key at once')
    .action((opts: { name: string }) =>
      withDatabase(ctx.config, 'apikey revoke', async ({ db }) => {
        await revokeApiKey(db, opts.name, new Date()).catch((e) => {
          throw asCliError(e);
        });
        await audit(db, { actor: 'cli', action: 'apikey.revoke', target: opts.name });
        ctx.stdout.write(`revoked ${opts.name}\n`);
      }),
    );
}
