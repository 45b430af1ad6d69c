import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { raceDeadline } from '../../core/index.ts';
import type { RedisKeys } from './redis-keys.ts';
import { beat } from './redis-scripts.ts';

export interface WorkerLeaseOptions {
  redis: Redis;
  keys: RedisKeys;
  /** The id's stable part; each incarnation appends a random suffix. */
  baseId: string;
  /** The first incarnation's full id, when the caller chose one. */
  firstId?: string | undefined;
  leaseMs: number;
  sessionTtlMs: number;
  /** The heartbeat's body (the worker's health report). */
  health: () => Record<string, unknown>;
  /** Sessions this worker owns: the heartbeat keeps them alive. */
  sessions: () => readonly string[];
  /** Work done once when a registration succeeds (publishing the worker's tools). */
  onRegistered: (workerId: string) => Promise<void>;
  /**
   * The lease of `workerId` is lost: stop everything that ran under it. Called once per
   * incarnation, before the next one registers.
   */
  onFenced: (options: { workerId: string; reason: string }) => Promise<void>;
  logger: Logger;
}

/**
 * A worker's lease on its identity. The heartbeat renews it every fifth of the lease; a
 * worker whose lease has run out is dead to everyone else (its sessions are declared lost,
 * its jobs' waiters answered), so it must not act under that id again:
 *
 * - when a renewal finds the lease expired in Redis, or
 * - when no renewal has succeeded for nearly a whole lease (by this process's own clock,
 *   counted from when the last successful renewal was sent, so it is never later than Redis's),
 *
 * the worker is fenced: it stops its jobs and drops its sessions (`onFenced`), then takes a
 * new id and registers again, as soon as Redis answers.
 */
export class WorkerLease {
  readonly #options: WorkerLeaseOptions;
  readonly #timer: NodeJS.Timeout;
  #id: string;
  #registered = false;
  #renewedAt = 0;
  #busy = false;
  #fencing: Promise<void> | undefined;
  #fencedBefore = false;
  #closed = false;
  #incarnations = 0;

  private constructor(options: WorkerLeaseOptions) {
    this.#options = options;
    this.#id = options.firstId ?? WorkerLease.#nextId(options.baseId);
    this.#timer = setInterval(() => this.#tick(), this.intervalMs);
    this.#timer.unref();
  }

  /** Takes the first lease; throws when Redis does not answer. */
  static async acquire(options: WorkerLeaseOptions): Promise<WorkerLease> {
    const lease = new WorkerLease(options);
    try {
      await lease.#register();
    } catch (error) {
      lease.close();
      throw error;
    }
    return lease;
  }

  static #nextId(baseId: string): string {
    return `${baseId}-${randomUUID().slice(0, 6)}`;
  }

  /** The current incarnation's id. */
  get id(): string {
    return this.#id;
  }

  /** How many times this worker lost its lease and took one again under a new id. */
  get incarnations(): number {
    return this.#incarnations;
  }

  get intervalMs(): number {
    return Math.max(100, Math.floor(this.#options.leaseMs / 5));
  }

  /** True after a lost lease, until a new one is taken. */
  get reconnecting(): boolean {
    return this.#fencedBefore && !this.#registered;
  }

  /** True while the lease is held and not about to run out by this process's clock. */
  get held(): boolean {
    return this.#registered && Date.now() - this.#renewedAt < this.#fenceAfterMs();
  }

  /** Renews now (a health change worth publishing at once, like draining). */
  async renewNow(): Promise<void> {
    await this.#renew().catch(() => undefined);
  }

  /** Stops renewing. The lease runs out by itself unless the caller deletes it. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
  }

  // Fenced a little before the lease runs out, so this worker stops its code no later than
  // the moment the others may declare it dead.
  #fenceAfterMs(): number {
    return this.#options.leaseMs - Math.min(this.intervalMs, this.#options.leaseMs / 10);
  }

  #tick(): void {
    if (this.#closed || this.#fencing) return;
    // Checked on every tick, even while a renewal hangs: the fence must not wait for it.
    if (this.#registered && !this.held) {
      void this.#fence('no heartbeat reached Redis for a whole lease');
      return;
    }
    if (this.#busy) return;
    this.#busy = true;
    void (this.#registered ? this.#renew() : this.#register())
      .catch((error: unknown) => {
        this.#options.logger.warn(
          { error: String(error), workerId: this.#id },
          this.#registered ? 'heartbeat failed' : 'registering failed; trying again',
        );
      })
      .finally(() => {
        this.#busy = false;
      });
  }

  async #register(): Promise<void> {
    // Bounded like a renewal: a registration that hangs on a stalled connection is tried
    // again on a later tick (what it writes is the same every time).
    const registered = await raceDeadline({
      promise: this.#options.onRegistered(this.#id),
      timeoutMs: this.#options.leaseMs / 2,
    });
    if (registered.kind === 'error') throw registered.error;
    if (registered.kind !== 'value') throw new Error('Redis did not answer the registration');
    const sentAt = Date.now();
    await this.#send({ register: true });
    this.#registered = true;
    this.#renewedAt = sentAt;
    if (this.#fencedBefore) {
      this.#incarnations += 1;
      this.#options.logger.info({ workerId: this.#id }, 'lease taken again, under a new id');
    }
  }

  async #renew(): Promise<void> {
    const sentAt = Date.now();
    if (await this.#send({ register: false })) this.#renewedAt = sentAt;
    else void this.#fence('its lease had expired in Redis: it was declared dead');
  }

  async #send({ register }: { register: boolean }): Promise<boolean> {
    const { redis, keys, leaseMs, sessionTtlMs } = this.#options;
    const ending = await raceDeadline({
      promise: beat(redis, keys, {
        workerId: this.#id,
        health: JSON.stringify({ ...this.#options.health(), workerId: this.#id }),
        leaseMs,
        register,
        sessionTtlMs,
        sessions: this.#options.sessions(),
      }),
      // A renewal answered later than this could not keep the lease anyway.
      timeoutMs: leaseMs / 2,
    });
    if (ending.kind === 'value') return ending.value;
    throw ending.kind === 'error' ? ending.error : new Error('Redis did not answer the heartbeat');
  }

  #fence(reason: string): Promise<void> {
    this.#fencing ??= (async () => {
      const workerId = this.#id;
      this.#registered = false;
      this.#fencedBefore = true;
      this.#options.logger.error(
        { workerId, reason, msSinceRenewal: Date.now() - this.#renewedAt },
        'lease lost: stopping its jobs and sessions',
      );
      try {
        await this.#options.onFenced({ workerId, reason });
      } catch (error) {
        this.#options.logger.warn(
          { error: String(error), workerId },
          'stopping after a lost lease failed',
        );
      } finally {
        this.#id = WorkerLease.#nextId(this.#options.baseId);
        this.#fencing = undefined;
      }
      // The next tick registers the new id (when Redis answers).
    })();
    return this.#fencing;
  }
}
