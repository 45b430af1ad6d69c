import type { JobBackend } from '../queue/job-backend.ts';
import { HttpError } from './api-error.ts';
import { watchJobEnd } from './job-end-watch.ts';
import type { Tenant } from './tenants.ts';

// What each tenant uses right now, held by this service process: its request rate and its
// jobs not yet ended. (Two service processes in front of one queue count apart; docs/service.md.)

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class TenantUsage {
  readonly #jobs: JobBackend;
  readonly #buckets = new Map<string, Bucket>();
  readonly #running = new Map<string, Set<string>>();
  readonly #stop = new AbortController();

  constructor({ jobs }: { jobs: JobBackend }) {
    this.#jobs = jobs;
  }

  /**
   * Counts one request against the tenant's rate: a bucket of `requestsPerMinute` tokens,
   * refilled evenly. An empty bucket is a 429 telling when the next token comes.
   */
  takeRequest(tenant: Tenant, now = Date.now()): void {
    const perMinute = tenant.quotas.requestsPerMinute;
    if (!Number.isFinite(perMinute)) return;
    const perMs = perMinute / 60_000;
    const bucket = this.#buckets.get(tenant.id) ?? { tokens: perMinute, updatedAt: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.updatedAt) * perMs);
    bucket.updatedAt = now;
    this.#buckets.set(tenant.id, bucket);
    if (bucket.tokens < 1) {
      throw new HttpError({
        code: 'RATE_LIMITED',
        message: `Over ${perMinute} requests per minute for this API key`,
        retryAfterS: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)),
      });
    }
    bucket.tokens -= 1;
  }

  /**
   * Reserves a place for a job about to be submitted; 429 when the tenant has
   * `maxConcurrentJobs` not yet ended. The same id again (an idempotent resubmit) takes no
   * second place. Returns the release for a submit that failed.
   */
  admitJob(tenant: Tenant, jobId: string): () => void {
    const running = this.#running.get(tenant.id) ?? new Set<string>();
    this.#running.set(tenant.id, running);
    if (running.has(jobId)) return () => undefined;
    if (running.size >= tenant.quotas.maxConcurrentJobs) {
      throw new HttpError({
        code: 'RATE_LIMITED',
        message: `This API key has ${running.size} jobs running or queued, its most at once`,
        retryAfterS: 1,
      });
    }
    running.add(jobId);
    return () => running.delete(jobId);
  }

  /** Frees the job's place once it has ended (its result stored, or its record gone). */
  track(tenant: Tenant, jobId: string): void {
    if (!Number.isFinite(tenant.quotas.maxConcurrentJobs)) return;
    const watch = watchJobEnd({ jobs: this.#jobs, jobId, signal: this.#stop.signal });
    void watch.finally(() => this.#running.get(tenant.id)?.delete(jobId));
  }

  /** Jobs counted against the tenant now. */
  runningJobs(tenant: Tenant): number {
    return this.#running.get(tenant.id)?.size ?? 0;
  }

  /** Ends the tracking waits (the service is stopping). */
  close(): void {
    this.#stop.abort(new Error('the service is stopping'));
  }
}
