import type Dockerode from 'dockerode';
import type { SandboxStats } from '../../core/index.ts';
import { PlatformError, SandboxUnavailableError, withDeadline } from '../../core/index.ts';
import type { ContainerRuntime } from './docker-sandbox-options.ts';

/** Longest the engine's reading of a container is waited for (runsc takes about 1 s). */
export const CONTAINER_STATS_TIMEOUT_MS = 10_000;

/** The parts of the engine's `GET /containers/{id}/stats` answer read here (cgroup v1 and v2). */
interface EngineStats {
  memory_stats?: {
    usage?: number;
    limit?: number;
    stats?: { total_inactive_file?: number; inactive_file?: number };
  };
  pids_stats?: { current?: number };
}

const count = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;

/**
 * What `docker stats` shows of a container's memory: its cgroup's usage less the inactive file
 * cache (cgroup v1 `total_inactive_file`, v2 `inactive_file`), pages the kernel may drop at
 * any time. Not usage less all of `cache`: under runsc, gVisor keeps the sandbox's memory in
 * a memory file that the host charges as shared memory, that is as cache (100 MiB a cell
 * allocates shows as `cache`, not `rss`). tmpfs files (the working directory, /tmp) are
 * charged the same way under both runtimes, and count against the limit as they should.
 */
export function memoryInUse(memory: EngineStats['memory_stats']): number | null {
  const usage = count(memory?.usage);
  if (usage === null) return null;
  const inactiveFile =
    count(memory?.stats?.total_inactive_file) ?? count(memory?.stats?.inactive_file) ?? 0;
  return Math.max(0, usage - inactiveFile);
}

/**
 * A session container's runtime (the one it was created with) and its memory, read from the
 * engine (so it works with a remote engine too). Memory is the container's cgroup. Under runc
 * that is the code's processes. Under runsc it is the whole gVisor sandbox: the code's memory
 * plus the sentry's and gofer's own (about 50 MiB more than runc for an idle kernel). gVisor
 * gives freed memory back to the host, so a drop shows under both. Process counts are only
 * given under runc: under runsc the pids cgroup holds gVisor's host threads (dozens, whatever
 * the code runs), not the code's processes, so `pids` is null. A container the engine no
 * longer has, or has no reading of (it stopped), gives null memory.
 */
export async function containerStats({
  container,
  runtime,
  signal,
}: {
  container: Dockerode.Container;
  runtime: ContainerRuntime;
  signal?: AbortSignal | undefined;
}): Promise<SandboxStats> {
  let stats: EngineStats;
  try {
    // one-shot: no second sample for CPU rates (runc answers in milliseconds, runsc in ~1 s).
    stats = await withDeadline({
      promise: container.stats({ stream: false, 'one-shot': true }),
      timeoutMs: CONTAINER_STATS_TIMEOUT_MS,
      ...(signal ? { signal } : {}),
      what: "Reading the sandbox container's stats",
    });
  } catch (error) {
    if ((error as { statusCode?: unknown }).statusCode === 404) {
      return { runtime, memoryBytes: null, memoryLimitBytes: null, pids: null };
    }
    if (PlatformError.isInstance(error)) throw error; // aborted, or out of time
    throw new SandboxUnavailableError({
      message: `The Docker engine did not give the sandbox container's stats: ${(error as Error).message}`,
      cause: error,
    });
  }
  return {
    runtime,
    memoryBytes: memoryInUse(stats.memory_stats),
    memoryLimitBytes: count(stats.memory_stats?.limit),
    pids: runtime === 'runc' ? count(stats.pids_stats?.current) : null,
  };
}
