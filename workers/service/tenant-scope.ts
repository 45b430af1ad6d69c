import type { JobRequest, JobResult, ParsedJobRequest } from '../queue/job-schema.ts';
import { HttpError } from './api-error.ts';
import type { Tenant, TenantQuotas } from './tenants.ts';

// A tenant's ids live in the queue behind its prefix (`acme.job-1`): an id a tenant sends is
// always read under its own prefix, so another tenant's job or session is simply not there
// (404, exactly as an id nobody used). Ids are stripped of the prefix on the way out.

/** Longest id of a queue job and of a session (JOB_ID_PATTERN, SESSION_ID_PATTERN). */
const MAX_JOB_ID_LENGTH = 200;
const MAX_SESSION_ID_LENGTH = 128;

/** No keys configured: one caller, no quotas, ids as they are. */
export const ANONYMOUS_TENANT: Tenant = Object.freeze({
  id: '',
  quotas: Object.freeze({
    maxConcurrentJobs: Infinity,
    maxSessions: Infinity,
    requestsPerMinute: Infinity,
    maxRunTimeMs: Infinity,
    maxUploadBytes: Infinity,
  } satisfies TenantQuotas),
});

export class TenantScope {
  readonly tenant: Tenant;
  readonly #prefix: string;

  constructor(tenant: Tenant) {
    this.tenant = tenant;
    this.#prefix = tenant.id === '' ? '' : `${tenant.id}.`;
  }

  /** The queue's id for the tenant's job id. */
  jobId(publicId: string): string {
    return this.#scoped(publicId, MAX_JOB_ID_LENGTH, 'A job id');
  }

  /** The queue's session id for the tenant's session id. */
  sessionId(publicId: string): string {
    return this.#scoped(publicId, MAX_SESSION_ID_LENGTH, 'A session id');
  }

  /** The tenant's id for a queue id, or undefined when the id is not the tenant's. */
  publicId(queueId: string): string | undefined {
    return queueId.startsWith(this.#prefix) ? queueId.slice(this.#prefix.length) : undefined;
  }

  /**
   * The request as the queue gets it: its session under the tenant's prefix, and its time
   * within the tenant's run time (the default when it asks for none; 400 when it asks more).
   */
  request(request: ParsedJobRequest): JobRequest {
    const { maxRunTimeMs } = this.tenant.quotas;
    if (request.timeoutMs !== undefined && request.timeoutMs > maxRunTimeMs) {
      throw new HttpError({
        code: 'VALIDATION_FAILED',
        message: `request.timeoutMs: at most ${maxRunTimeMs} ms for this API key`,
      });
    }
    const timeout =
      request.timeoutMs === undefined && Number.isFinite(maxRunTimeMs)
        ? { timeoutMs: Math.min(maxRunTimeMs, DEFAULT_TENANT_JOB_TIMEOUT_MS) }
        : {};
    if (request.kind === 'run-batch' || request.sessionId === undefined)
      return { ...request, ...timeout };
    return { ...request, sessionId: this.sessionId(request.sessionId), ...timeout };
  }

  /** A result as the tenant sees it: its own job id. */
  result(result: JobResult): JobResult {
    return { ...result, jobId: this.publicId(result.jobId) ?? result.jobId };
  }

  #scoped(publicId: string, maxLength: number, what: string): string {
    const scoped = this.#prefix + publicId;
    if (scoped.length > maxLength) {
      throw new HttpError({
        code: 'VALIDATION_FAILED',
        message: `${what} is at most ${maxLength - this.#prefix.length} characters for this API key`,
      });
    }
    return scoped;
  }
}

/** A tenant's job that sets no `timeoutMs` gets this, or its quota if that is lower. */
export const DEFAULT_TENANT_JOB_TIMEOUT_MS = 120_000;
