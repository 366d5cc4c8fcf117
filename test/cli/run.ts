import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Environment for a CLI child: the given home (embedded db) and nothing from the test's own DATABASE_URL. */
export function cliEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, FAIRBEAM_HOME: home, DATABASE_URL: '', LOG_LEVEL: 'warn', ...extra };
}

export function startCli(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: REPO,
    env,
    stdio: 'pipe',
  });
}

/** Runs `fairbeam ARGS` as its own process (through tsx) and collects what it printed. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin?: string,
  timeoutMs = 240_000,
): Promise<CliResult> {
  const started = Date.now();
  const child = startCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdin!.end(stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

export const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) ?? '';
