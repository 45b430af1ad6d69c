import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { safeParseJson } from '../../core/index.ts';

const root = join(import.meta.dirname, '..', '..');

export interface WorkerProcess {
  readonly child: ChildProcessByStdio<null, Readable, null>;
  readonly workerId: string;
  readonly healthUrl: string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/**
 * Starts `lagent worker` as a child process (the real CLI), with short heartbeats and locks
 * so failures show quickly, and waits for its "ready" log line.
 */
export async function startWorkerProcess({
  queueName,
  namePrefix,
  concurrency = 2,
  extraArgs = [],
}: {
  queueName: string;
  namePrefix: string;
  concurrency?: number;
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
      '--heartbeat-ttl-ms',
      '2000',
      '--lock-duration-ms',
      '4000',
      '--shutdown-deadline-ms',
      '15000',
      '--log-format',
      'json',
      '--sandbox-prefix',
      namePrefix,
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = await new Promise<{ workerId: string; health: string }>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (let index = buffered.indexOf('\n'); index !== -1; index = buffered.indexOf('\n')) {
        const line = buffered.slice(0, index);
        buffered = buffered.slice(index + 1);
        const parsed = safeParseJson(line);
        const record = parsed.success
          ? (parsed.value as { msg?: string; workerId?: string; health?: string })
          : {};
        if (record.msg === 'ready' && record.workerId && record.health)
          resolve({ workerId: record.workerId, health: record.health });
      }
    });
    void exited.then(({ code }) =>
      reject(new Error(`worker exited before it was ready (${code})`)),
    );
  });
  return {
    child,
    workerId: ready.workerId,
    healthUrl: ready.health,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
