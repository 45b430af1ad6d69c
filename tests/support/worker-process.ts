import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { safeParseJson } from '../../core/index.ts';

const root = join(import.meta.dirname, '..', '..');
/** waitForLog() gives up after this long unless told otherwise. */
export const DEFAULT_LOG_WAIT_TIMEOUT_MS = 120_000;
/** A first start pulls up sandboxes and thread pools: slow on a loaded 2-core machine. */
const READY_TIMEOUT_MS = 180_000;

/** One pino JSON line of the worker. */
export type WorkerLogRecord = Record<string, unknown> & { msg?: string; level?: number };
/** A log message to wait for: its `msg`, a pattern for it, or a test of the whole record. */
export type WorkerLogMatch = string | RegExp | ((record: WorkerLogRecord) => boolean);

export interface WorkerProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly workerId: string;
  readonly healthUrl: string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every JSON log line so far; `logs.length` marks "now" for waitForLog's `after`. */
  readonly logs: readonly WorkerLogRecord[];
  /** The worker's stderr so far (it is also copied to this process's stderr). */
  readonly stderr: string;
  /**
   * Resolves with the first log record (from index `after`, default 0: also lines already
   * seen) that matches; rejects if the process exits first or at the deadline.
   */
  waitForLog(
    match: WorkerLogMatch,
    options?: { after?: number; timeoutMs?: number; signal?: AbortSignal },
  ): Promise<WorkerLogRecord>;
  stop(): Promise<void>;
}

function matches(match: WorkerLogMatch, record: WorkerLogRecord): boolean {
  if (typeof match === 'function') return match(record);
  if (typeof match === 'string') return record.msg === match;
  return match.test(record.msg ?? '');
}

/**
 * Starts `lagent worker` as a child process (the real CLI), with short heartbeats and locks
 * so failures show quickly, and waits for its "ready" log line.
 */
export async function startWorkerProcess({
  queueName,
  namePrefix,
  concurrency = 2,
  redisUrl,
  env = {},
  extraArgs = [],
}: {
  queueName: string;
  namePrefix: string;
  concurrency?: number;
  /** @default the REDIS_URL of this process */
  redisUrl?: string;
  /** Extra environment variables of the worker process. */
  env?: Record<string, string>;
  /** Appended last, so they override the defaults above. */
  extraArgs?: readonly string[];
}): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    [
      join(root, 'workers', 'cli', 'main.ts'),
      'worker',
      '--queue',
      queueName,
      '--concurrency',
      String(concurrency),
      '--tools',
      'ipython',
      '--module-tool',
      join(root, 'tests', 'fixtures', 'tools', 'echo-tool.ts'),
      '--thread-tool',
      join(root, 'tests', 'fixtures', 'tools', 'fibonacci-tool.ts'),
      '--pool-size',
      '1',
      '--health-port',
      '0',
      '--lease-ms',
      '8000',
      '--shutdown-deadline-ms',
      '15000',
      '--log-format',
      'json',
      '--sandbox-prefix',
      namePrefix,
      ...(redisUrl === undefined ? [] : ['--redis-url', redisUrl]),
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    process.stderr.write(chunk);
  });
  const logs: WorkerLogRecord[] = [];
  const watchers = new Set<() => void>();
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    for (let index = buffered.indexOf('\n'); index !== -1; index = buffered.indexOf('\n')) {
      const line = buffered.slice(0, index);
      buffered = buffered.slice(index + 1);
      const parsed = safeParseJson(line);
      if (parsed.success && typeof parsed.value === 'object' && parsed.value !== null) {
        logs.push(parsed.value as WorkerLogRecord);
        for (const watcher of watchers) watcher();
      }
    }
  });

  const waitForLog: WorkerProcess['waitForLog'] = (
    match,
    { after = 0, timeoutMs = DEFAULT_LOG_WAIT_TIMEOUT_MS, signal } = {},
  ) =>
    new Promise((resolve, reject) => {
      let next = after;
      const finish = (outcome: { record: WorkerLogRecord } | { error: Error }) => {
        watchers.delete(check);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if ('record' in outcome) resolve(outcome.record);
        else reject(outcome.error);
      };
      const describe = () =>
        `${String(match)}; last lines:\n${logs
          .slice(-5)
          .map((record) => JSON.stringify(record))
          .join('\n')}`;
      const check = () => {
        for (; next < logs.length; next += 1) {
          const record = logs[next];
          if (record !== undefined && matches(match, record)) return finish({ record });
        }
      };
      const onAbort = () =>
        finish({ error: new Error('waitForLog aborted', { cause: signal?.reason }) });
      const timer = setTimeout(
        () => finish({ error: new Error(`no log line after ${timeoutMs} ms: ${describe()}`) }),
        timeoutMs,
      );
      watchers.add(check);
      signal?.addEventListener('abort', onAbort, { once: true });
      void exited.then(({ code, signal: exitSignal }) => {
        // Lines written just before the exit arrive before 'exit' only sometimes: look once more.
        check();
        finish({
          error: new Error(
            `worker exited (${code ?? exitSignal}) before the log line: ${describe()}\n${stderr}`,
          ),
        });
      });
      if (signal?.aborted) onAbort();
      else check();
    });

  const ready = await waitForLog(
    (record) => record.msg === 'ready' && Boolean(record['workerId']) && Boolean(record['health']),
    { timeoutMs: READY_TIMEOUT_MS },
  ).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw new Error('the worker did not get ready', { cause: error });
  });
  return {
    child,
    workerId: String(ready['workerId']),
    healthUrl: String(ready['health']),
    exited,
    logs,
    get stderr() {
      return stderr;
    },
    waitForLog,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
