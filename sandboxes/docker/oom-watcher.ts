import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { raceDeadline, safeParseJson } from '../../core/index.ts';
import { SANDBOX_LABEL } from './container-spec.ts';
import { Deferred } from './deferred.ts';

// How long to wait for the engine's OOM event after a kernel died from SIGKILL: the event
// and the driver's report race each other.
const EVENT_GRACE_MS = 1_500;

/**
 * Follows the engine's `oom` events for sandbox containers. Under runc the kernel is killed
 * and the container lives on (State.OOMKilled stays false), so the event is the only sign;
 * under gVisor the whole container stops. Works against a remote engine too.
 */
export class OomWatcher {
  readonly #seen = new Map<string, number>();
  readonly #waiters = new Set<() => void>();
  #stream: Readable | undefined;

  static async start({ docker }: { docker: Dockerode }): Promise<OomWatcher> {
    const watcher = new OomWatcher();
    const stream = (await docker.getEvents({
      filters: { type: ['container'], event: ['oom'], label: [SANDBOX_LABEL] },
    })) as Readable;
    watcher.#stream = stream;
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) watcher.#onEvent(line);
    });
    stream.on('error', () => undefined);
    return watcher;
  }

  #onEvent(line: string): void {
    const parsed = safeParseJson(line);
    if (!parsed.success) return;
    const event = parsed.value as { Actor?: { Attributes?: { name?: string } } };
    const name = event.Actor?.Attributes?.name;
    if (!name) return;
    this.#seen.set(name, Date.now());
    for (const wake of this.#waiters) wake();
  }

  /** Whether `container` had an OOM event since `sinceMs`, waiting briefly for a late one. */
  async outOfMemorySince({
    container,
    sinceMs,
  }: {
    container: string;
    sinceMs: number;
  }): Promise<boolean> {
    const seen = () => (this.#seen.get(container) ?? 0) >= sinceMs;
    if (seen()) return true;
    const event = new Deferred<void>();
    const wake = () => {
      if (seen()) event.resolve();
    };
    this.#waiters.add(wake);
    try {
      await raceDeadline({ promise: event.promise, timeoutMs: EVENT_GRACE_MS });
    } finally {
      this.#waiters.delete(wake);
    }
    return seen();
  }

  close(): void {
    this.#stream?.destroy();
  }
}
