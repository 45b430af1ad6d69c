import type { JobBackend } from '../queue/job-backend.ts';
import type { JobResult, JobStatus, ParsedJobRequest } from '../queue/job-schema.ts';
import type { BatchLog } from './batch-log.ts';
import { watchJobEnd } from './job-end-watch.ts';
import type { TenantScope } from './tenant-scope.ts';

// The recent jobs each tenant submitted through this service process: what `GET /v1/jobs`
// lists and what a job page shows as the job's request. Held in memory like the session list
// (docs/service.md); a job submitted elsewhere (straight to Redis) is not listed, though its
// id can still be read.

/** Jobs kept per tenant; the oldest is forgotten first. */
export const DEFAULT_JOB_LOG_SIZE = 1_000;
/** Code kept for a job's page; longer code is cut here (the job itself runs all of it). */
export const MAX_LOGGED_CODE_CHARS = 64 * 1024;

export type JobKind = ParsedJobRequest['kind'];

/** One job as the jobs list shows it. */
export interface JobSummary {
  jobId: string;
  /** The API key's tenant; null without keys. */
  tenant: string | null;
  kind: JobKind;
  state: 'queued' | 'running' | 'ended';
  status: JobStatus | null;
  /** A line to recognise it by: the code's first line, or the tool's name. */
  title: string;
  sessionId: string | null;
  /** The batch it was submitted in (an evaluation), if any. */
  batchId: string | null;
  submittedAt: number;
  endedAt: number | null;
  /** From submit to end, queue time included. */
  durationMs: number | null;
  workerId: string | null;
  /** Why it did not succeed: the code's error, the tool's errmsg, or the job's status. */
  failure: string | null;
}

/** Told of each job a tenant submits, and of its end (`GET /v1/jobs/events`). */
export type JobLogListener = (summary: JobSummary) => void;

interface Entry {
  queueId: string;
  summary: JobSummary;
  request: ParsedJobRequest;
}

export class JobLog {
  readonly #jobs: JobBackend;
  readonly #size: number;
  readonly #batches: BatchLog | undefined;
  readonly #byTenant = new Map<string, Map<string, Entry>>();
  readonly #stop = new AbortController();
  readonly #listeners = new Map<string, Set<JobLogListener>>();
  /** Ends seen by this process's watches, for the overview's jobs per second. */

  constructor({
    jobs,
    size = DEFAULT_JOB_LOG_SIZE,
    batches,
  }: {
    jobs: JobBackend;
    size?: number;
    /** Where jobs submitted with a batch id are counted. */
    batches?: BatchLog;
  }) {
    this.#jobs = jobs;
    this.#size = size;
    this.#batches = batches;
  }

  /** Notes a job the tenant submitted (`queueId` is the queue's id) and watches for its end. */
  record({
    scope,
    queueId,
    request,
    batchId,
  }: {
    scope: TenantScope;
    queueId: string;
    request: ParsedJobRequest;
    batchId?: string | undefined;
  }): void {
    const entries = this.#entries(scope);
    if (entries.has(queueId)) return; // an idempotent resubmit: the same job
    const summary: JobSummary = {
      jobId: scope.publicId(queueId) ?? queueId,
      tenant: scope.tenant.id === '' ? null : scope.tenant.id,
      kind: request.kind,
      state: 'queued',
      status: null,
      title: titleOf(request),
      sessionId: 'sessionId' in request ? (request.sessionId ?? null) : null,
      batchId: batchId ?? null,
      submittedAt: Date.now(),
      endedAt: null,
      durationMs: null,
      workerId: null,
      failure: null,
    };
    entries.set(queueId, { queueId, summary, request: keptRequest(request) });
    const items = request.kind === 'run-batch' ? request.programs.length : 1;
    if (batchId !== undefined) this.#batches?.submitted(scope, batchId, items);
    this.#tell(scope, summary);
    if (entries.size > this.#size) {
      const oldest = entries.keys().next();
      if (!oldest.done) entries.delete(oldest.value);
    }
    void watchJobEnd({ jobs: this.#jobs, jobId: queueId, signal: this.#stop.signal }).then(
      (result) => {
        if (!result) return;
        ended(summary, result);
        if (batchId !== undefined) this.#batches?.ended(scope, batchId, result, items);
        this.#tell(scope, summary);
      },
    );
  }

  /**
   * The tenant's recent jobs, newest first, with the state of those not ended read from the
   * backend now (queued or running).
   */
  async list({
    scope,
    limit,
    filter = () => true,
  }: {
    scope: TenantScope;
    limit: number;
    filter?: (summary: JobSummary) => boolean;
  }): Promise<JobSummary[]> {
    const picked = [...this.#entries(scope).values()]
      .reverse()
      .filter((entry) => filter(entry.summary))
      .slice(0, limit);
    await Promise.all(picked.map((entry) => this.#refresh(entry)));
    return picked.map((entry) => ({ ...entry.summary }));
  }

  /** The request as the tenant sent it (its own session id), when this process logged it. */
  entry(
    scope: TenantScope,
    queueId: string,
  ): { request: ParsedJobRequest; submittedAt: number } | undefined {
    const entry = this.#entries(scope).get(queueId);
    return entry && { request: entry.request, submittedAt: entry.summary.submittedAt };
  }

  /**
   * Calls `listener` with the summary of each job the tenant submits and again when it ends
   * (its batch counted first), until the returned function is called.
   */
  subscribe(scope: TenantScope, listener: JobLogListener): () => void {
    let listeners = this.#listeners.get(scope.tenant.id);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(scope.tenant.id, listeners);
    }
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  close(): void {
    this.#stop.abort(new Error('the service is stopping'));
    this.#listeners.clear();
  }

  #tell(scope: TenantScope, summary: JobSummary): void {
    for (const listener of this.#listeners.get(scope.tenant.id) ?? []) listener({ ...summary });
  }

  async #refresh(entry: Entry): Promise<void> {
    if (entry.summary.state === 'ended') return;
    try {
      const info = await this.#jobs.getJob({ jobId: entry.queueId });
      if (info.result) ended(entry.summary, info.result);
      else {
        entry.summary.state = info.state;
        entry.summary.workerId = info.workerId;
      }
    } catch {
      // Unknown to the backend now (its record expired): listed as last seen.
    }
  }

  #entries(scope: TenantScope): Map<string, Entry> {
    let entries = this.#byTenant.get(scope.tenant.id);
    if (!entries) {
      entries = new Map();
      this.#byTenant.set(scope.tenant.id, entries);
    }
    return entries;
  }
}

function ended(summary: JobSummary, result: JobResult): void {
  if (summary.state === 'ended') return;
  summary.state = 'ended';
  summary.status = result.status;
  summary.workerId = result.workerId;
  summary.endedAt = Date.now();
  summary.durationMs = summary.endedAt - summary.submittedAt;
  summary.failure = failureOf(result);
}

/** Why a result is not a success, in one line; null for a success. */
export function failureOf(result: JobResult): string | null {
  if (result.status !== 'completed') return result.status;
  const error = result.execution?.error;
  if (error) return error.value ? `${error.name}: ${error.value}` : error.name;
  const errmsg = result.actionReturn?.errmsg;
  if (errmsg) return errmsg;
  if (result.session?.error) return `${result.session.error.name}: ${result.session.error.value}`;
  const failed = result.executions?.filter((execution) => execution.error !== null).length ?? 0;
  if (failed > 0) return `${failed} of ${result.executions?.length} programs failed`;
  return null;
}

function titleOf(request: ParsedJobRequest): string {
  switch (request.kind) {
    case 'run-code': {
      const line = request.code.split('\n').find((text) => text.trim() !== '') ?? '';
      return line.length > 120 ? `${line.slice(0, 119)}…` : line;
    }
    case 'tool-call':
      return request.call.name;
    case 'run-batch':
      return `${request.programs.length} fresh programs`;
    default:
      return request.kind;
  }
}

/** What is kept of a request: all of it but very long code and file bytes. */
function keptRequest(request: ParsedJobRequest): ParsedJobRequest {
  if (request.kind === 'run-code' && request.code.length > MAX_LOGGED_CODE_CHARS) {
    return { ...request, code: `${request.code.slice(0, MAX_LOGGED_CODE_CHARS)}\n# … (cut)` };
  }
  if (request.kind === 'run-batch') {
    const each = Math.floor(MAX_LOGGED_CODE_CHARS / request.programs.length);
    const cut = (code: string) => (code.length > each ? `${code.slice(0, each)}\n# … (cut)` : code);
    return { ...request, programs: request.programs.map(cut) };
  }
  if (request.kind === 'write-file') return { ...request, dataBase64: '' };
  return request;
}
