// Counts how many times user code really started inside sandboxes, as seen from inside them:
// the code appends a line to a file on a host directory mounted into every sandbox, before
// it does anything else. The queue's own bookkeeping cannot fake or lose these lines.
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the host directory appears inside the sandboxes. */
export const RUNS_MOUNT_TARGET = '/mnt/runs';
const TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface RunCounter {
  /** The host directory (mode 0777: the sandbox user, uid 1000, writes to it). */
  readonly hostDir: string;
  /** The Docker sandbox's `mounts` entry. */
  readonly mount: { source: string; target: string; readOnly: false };
  /** `lagent worker` arguments that mount it into the worker's sandboxes. */
  readonly workerArgs: readonly string[];
  /** Python that records one start under `tag` (durably) and then runs `body`. */
  code(tag: string, body?: string): string;
  /** Starts recorded under `tag` so far. */
  count(tag: string): Promise<number>;
  /** Every tag's count. */
  counts(): Promise<Record<string, number>>;
  /** Removes the directory. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function checkTag(tag: string): string {
  if (!TAG_PATTERN.test(tag)) throw new Error(`run tag must match ${String(TAG_PATTERN)}: ${tag}`);
  return tag;
}

const countLines = (text: string) => text.split('\n').filter((line) => line.length > 0).length;

/**
 * A fresh host directory for one test. `target` is where the code will find it; it is
 * RUNS_MOUNT_TARGET in sandboxes (a test of the counter itself may point it at the host dir).
 */
export async function startRunCounter({
  target = RUNS_MOUNT_TARGET,
}: { target?: string } = {}): Promise<RunCounter> {
  const hostDir = await mkdtemp(join(tmpdir(), 'lagent-runs-'));
  // mkdtemp makes it 0700; the sandbox runs as another user.
  await chmod(hostDir, 0o777);
  const count = async (tag: string) =>
    countLines(await readFile(join(hostDir, checkTag(tag)), 'utf8').catch(() => ''));
  const close = () => rm(hostDir, { recursive: true, force: true });
  return {
    hostDir,
    mount: { source: hostDir, target: RUNS_MOUNT_TARGET, readOnly: false },
    workerArgs: ['--mount', `${hostDir}:${RUNS_MOUNT_TARGET}:rw`],
    code: (tag, body = '') => {
      const path = JSON.stringify(`${target}/${checkTag(tag)}`);
      // fsync before the body runs: a start counts even if the sandbox is killed right after.
      return [
        'import os as _runs_os, time as _runs_time',
        `with open(${path}, 'a') as _runs_file:`,
        "    _runs_file.write(f'{_runs_os.getpid()} {_runs_time.time()}\\n')",
        '    _runs_file.flush()',
        '    _runs_os.fsync(_runs_file.fileno())',
        'del _runs_os, _runs_time, _runs_file',
        body,
      ].join('\n');
    },
    count,
    counts: async () => {
      const result: Record<string, number> = {};
      for (const tag of (await readdir(hostDir)).sort()) result[tag] = await count(tag);
      return result;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
