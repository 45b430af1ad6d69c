// Runs the real `lagent` CLI as a child process, the way a person or a script does.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export const root = join(import.meta.dirname, '..', '..', '..');
export const cliMain = join(root, 'workers', 'cli', 'main.ts');
/** A CLI run that should end by itself is given this long on a loaded machine. */
export const CLI_TIMEOUT_MS = 180_000;

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <script> ...args` to its end. */
export function runLagent(
  args: readonly string[],
  {
    env = process.env,
    script = cliMain,
    cwd = root,
    timeoutMs = CLI_TIMEOUT_MS,
  }: { env?: NodeJS.ProcessEnv; script?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { env, cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const failed = error as (Error & { code?: unknown; signal?: NodeJS.Signals }) | null;
        resolve({
          code: failed ? (typeof failed.code === 'number' ? failed.code : null) : 0,
          signal: failed?.signal ?? null,
          stdout,
          stderr,
        });
      },
    );
  });
}

export interface CliChild {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves once `pattern` has appeared on stdout or stderr; rejects if the CLI exits first. */
  waitForOutput(pattern: RegExp): Promise<void>;
  readonly exited: Promise<CliRun>;
}

/** Starts the CLI and returns at once, for tests that act while it runs (signals). */
export function spawnLagent(
  args: readonly string[],
  { env = process.env }: { env?: NodeJS.ProcessEnv } = {},
): CliChild {
  const child = spawn(process.execPath, [cliMain, ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  const notify = () => {
    for (const watcher of watchers) watcher();
  };
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    notify();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    notify();
  });
  const exited = new Promise<CliRun>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    waitForOutput: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(stdout) && !pattern.test(stderr)) return;
          watchers.delete(check);
          resolve();
        };
        watchers.add(check);
        void exited.then((run) => {
          check();
          watchers.delete(check);
          reject(
            new Error(
              `lagent exited (${run.code ?? run.signal}) before printing ${String(pattern)}:\n${run.stdout}\n${run.stderr}`,
            ),
          );
        });
        check();
      }),
  };
}

/** A loopback port nothing listens on (it was free a moment ago). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** What an error of the CLI must look like: one `lagent:` line, no stack, no library noise. */
export function expectOneErrorLine(run: CliRun): string {
  const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
  if (lines.length !== 1 || !lines[0]?.startsWith('lagent: '))
    throw new Error(`expected one "lagent:" line on stderr, got:\n${run.stderr}`);
  if (/Unhandled error event|^\s+at /m.test(run.stderr + run.stdout))
    throw new Error(`unexpected library noise or stack trace:\n${run.stderr}${run.stdout}`);
  return lines[0];
}
