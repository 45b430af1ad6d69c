import { createParser } from 'eventsource-parser';
import type { Response } from 'undici';
import { Agent, fetch } from 'undici';
import type { BatchResult, SubmitBatchOptions } from '../queue/job-batch.ts';
import { submitBatch } from '../queue/job-batch.ts';
import {
  AbortedError,
  JobNotFoundError,
  parseJson,
  QueueUnavailableError,
} from '../../core/index.ts';
import type {
  AwaitResultOptions,
  CancelOptions,
  FailedJob,
  JobBackend,
  JobInfo,
  QueueStatus,
  SubmitOptions,
  ToolDescriptor,
  WaitOptions,
} from '../queue/job-backend.ts';
import { DEFAULT_WAIT_TIMEOUT_MS } from '../queue/job-backend.ts';
import type { JobEvent, JobResult } from '../queue/job-schema.ts';
import { parseJobEvent, parseJobResult } from '../queue/job-schema.ts';
import { errorFromAnswer } from './service-answers.ts';
import {
  FailedJobSchema,
  JobInfoSchema,
  MAX_LONG_POLL_MS,
  QueueStatusSchema,
  ToolDescriptorSchema,
} from './service-schemas.ts';

/** A request that is not a long-poll gives up after this long. */
export const DEFAULT_HTTP_REQUEST_TIMEOUT_MS = 30_000;
/** Pauses between reconnects of a dropped event stream: 0.1 s doubling to 5 s, at most this many. */
export const MAX_EVENT_STREAM_RECONNECTS = 20;
/** Each long-poll asks for at most this long (the service's cap leaves room for proxies). */
const LONG_POLL_SLICE_MS = Math.min(60_000, MAX_LONG_POLL_MS);

export interface HttpJobClientOptions {
  /** The service, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Sent as `Authorization: Bearer`. */
  apiKey?: string | undefined;
  /** @default DEFAULT_HTTP_REQUEST_TIMEOUT_MS */
  requestTimeoutMs?: number;
}

interface Call {
  method?: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** The request's own limit; long-polls pass theirs. */
  timeoutMs?: number;
  jobId?: string;
}

/**
 * The job API over the HTTP service (`lagent serve`): the same `JobBackend`, so code written
 * for the embedded or Redis backend runs unchanged against a remote service. Waits are
 * long-polls; events are the service's SSE stream, resumed with Last-Event-ID when the
 * connection drops. Errors are the same typed errors the other backends throw.
 */
export class HttpJobClient implements JobBackend {
  readonly mode = 'http' as const;
  /** Sessions are scoped by the service (per tenant). */
  readonly sessionScope = 'service';
  readonly #base: string;
  readonly #apiKey: string | undefined;
  readonly #requestTimeoutMs: number;
  readonly #closed = new AbortController();
  /**
   * Its own connection pool, destroyed by close(): a pooled socket left open (one that never
   * carried a request) would otherwise hold a service's close() until its header timeout.
   */
  readonly #agent = new Agent();

  constructor({
    url,
    apiKey,
    requestTimeoutMs = DEFAULT_HTTP_REQUEST_TIMEOUT_MS,
  }: HttpJobClientOptions) {
    this.#base = url.replace(/\/+$/, '');
    this.#apiKey = apiKey;
    this.#requestTimeoutMs = requestTimeoutMs;
  }

  async submit({ request, jobId, deadlineMs, batchId, signal }: SubmitOptions): Promise<string> {
    const answer = await this.#json({
      method: 'POST',
      path: '/v1/jobs',
      body: {
        request,
        ...(jobId === undefined ? {} : { jobId }),
        ...(deadlineMs === undefined ? {} : { deadlineMs }),
        ...(batchId === undefined ? {} : { batchId }),
      },
      signal,
    });
    return (answer as { jobId: string }).jobId;
  }

  /**
   * Opens a batch on the service (`POST /v1/batches`): jobs submitted with its `batchId`
   * count into it, and the dashboard shows its progress and pass rate. Answers its id.
   */
  async openBatch({
    name,
    total,
    signal,
  }: {
    name?: string;
    total?: number;
    signal?: AbortSignal;
  } = {}): Promise<string> {
    const answer = await this.#json({
      method: 'POST',
      path: '/v1/batches',
      body: { ...(name === undefined ? {} : { name }), ...(total === undefined ? {} : { total }) },
      signal,
    });
    return (answer as { batch: { batchId: string } }).batch.batchId;
  }

  submitBatch(options: SubmitBatchOptions): AsyncGenerator<BatchResult> {
    return submitBatch({ jobs: this, ...options });
  }

  async wait({
    jobId,
    timeoutMs = DEFAULT_WAIT_TIMEOUT_MS,
    signal,
  }: WaitOptions): Promise<JobResult> {
    let ended: JobResult | null;
    try {
      ended = await this.awaitResult({ jobId, waitMs: timeoutMs, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (!(error instanceof AbortedError)) throw error;
      // As the other backends do: a wait aborted by its caller cancels the job.
      const cancelled = await this.cancel({ jobId }).catch(() => false);
      throw new AbortedError({
        message: cancelled
          ? `Waiting for job ${jobId} was aborted; the job was cancelled`
          : `Waiting for job ${jobId} was aborted; the job had already ended`,
        cause: error,
      });
    }
    if (ended) return ended;
    // The deadline: the job ends `timed-out` (unless it ended just now), and that is the answer.
    await this.cancel({ jobId, reason: 'timed-out', waitedMs: timeoutMs });
    const result = await this.awaitResult({ jobId, waitMs: this.#requestTimeoutMs });
    if (!result)
      throw new QueueUnavailableError({
        message: `Job ${jobId} did not end after its cancel`,
        reason: 'timeout',
      });
    return result;
  }

  async awaitResult({ jobId, waitMs, signal }: AwaitResultOptions): Promise<JobResult | null> {
    const until = Date.now() + waitMs;
    for (;;) {
      const slice = Math.max(0, Math.min(LONG_POLL_SLICE_MS, until - Date.now()));
      const info = await this.#jobInfo({ jobId, waitMs: slice, signal });
      if (info.result) return info.result;
      if (Date.now() >= until) return null;
    }
  }

  async *events({
    jobId,
    signal,
  }: {
    jobId: string;
    signal?: AbortSignal;
  }): AsyncIterable<JobEvent> {
    let lastId: string | undefined;
    let failures = 0;
    for (;;) {
      const stream = await this.#open({
        path: `/v1/jobs/${encodeURIComponent(jobId)}/events`,
        headers: {
          accept: 'text/event-stream',
          ...(lastId === undefined ? {} : { 'last-event-id': lastId }),
        },
        signal,
        jobId,
        timeoutMs: Infinity,
      }).catch((error: unknown) => {
        if (error instanceof QueueUnavailableError && failures < MAX_EVENT_STREAM_RECONNECTS)
          return null;
        throw error;
      });
      if (stream) {
        const queued: { id: string | undefined; event: JobEvent }[] = [];
        const parser = createParser({
          onEvent: ({ id, data }) => queued.push({ id, event: parseJobEvent(parseJson(data)) }),
        });
        const decoder = new TextDecoder();
        try {
          for await (const chunk of stream.body as AsyncIterable<Uint8Array>) {
            parser.feed(decoder.decode(chunk, { stream: true }));
            for (const { id, event } of queued.splice(0)) {
              lastId = id ?? lastId;
              failures = 0;
              yield event;
              if (event.type === 'end') return;
            }
          }
        } catch (error) {
          if (signal?.aborted)
            throw new AbortedError({ message: `Following job ${jobId} was aborted`, cause: error });
          // A dropped connection: resume after the last event seen.
        }
      }
      failures += 1;
      if (failures > MAX_EVENT_STREAM_RECONNECTS) {
        throw new QueueUnavailableError({
          message: `The event stream of job ${jobId} kept dropping`,
          reason: 'unreachable',
        });
      }
      await pause(Math.min(5_000, 100 * 2 ** (failures - 1)), signal);
    }
  }

  async cancel({ jobId, reason = 'cancelled', waitedMs }: CancelOptions): Promise<boolean> {
    try {
      const answer = await this.#json({
        method: 'POST',
        path: `/v1/jobs/${encodeURIComponent(jobId)}/cancel`,
        body: { reason, ...(waitedMs === undefined ? {} : { waitedMs }) },
        jobId,
      });
      return (answer as { cancelled: boolean }).cancelled;
    } catch (error) {
      if (error instanceof JobNotFoundError) return false;
      throw error;
    }
  }

  async getJob({ jobId }: { jobId: string }): Promise<JobInfo> {
    return this.#jobInfo({ jobId, waitMs: 0, signal: undefined });
  }

  async queueStatus(): Promise<QueueStatus> {
    return QueueStatusSchema.parse(await this.#json({ path: '/v1/workers' }));
  }

  async listFailed({ limit = 100 }: { limit?: number } = {}): Promise<FailedJob[]> {
    const answer = await this.#json({ path: `/v1/failed-jobs?limit=${limit}` });
    return FailedJobSchema.array().parse(answer);
  }

  async toolDescriptors(): Promise<ToolDescriptor[]> {
    const answer = await this.#json({ path: '/v1/tools' });
    return ToolDescriptorSchema.array().parse(answer) as unknown as ToolDescriptor[];
  }

  async close(): Promise<void> {
    this.#closed.abort(new Error('the client was closed'));
    await this.#agent.destroy().catch(() => undefined);
  }

  async #jobInfo({
    jobId,
    waitMs,
    signal,
  }: {
    jobId: string;
    waitMs: number;
    signal: AbortSignal | undefined;
  }): Promise<JobInfo> {
    const answer = await this.#json({
      path: `/v1/jobs/${encodeURIComponent(jobId)}${waitMs > 0 ? `?waitMs=${Math.ceil(waitMs)}` : ''}`,
      signal,
      jobId,
      timeoutMs: waitMs + this.#requestTimeoutMs,
    });
    const info = JobInfoSchema.parse(answer);
    return {
      jobId: info.jobId,
      state: info.state,
      workerId: info.workerId,
      ...(info.result ? { result: parseJobResult(info.result) } : {}),
    };
  }

  async #json(call: Call): Promise<unknown> {
    const response = await this.#open(call);
    const text = await response.text();
    return text === '' ? undefined : parseJson(text);
  }

  /** One request; an error answer becomes its typed error, a transport failure QueueUnavailableError. */
  async #open({
    method = 'GET',
    path,
    body,
    headers = {},
    signal,
    timeoutMs,
    jobId,
  }: Call): Promise<Response> {
    if (this.#closed.signal.aborted)
      throw new AbortedError({ message: 'The job client is closed' });
    if (signal?.aborted)
      throw new AbortedError({ message: `${method} ${path} was aborted`, cause: signal.reason });
    const limit = timeoutMs ?? this.#requestTimeoutMs;
    const signals = [this.#closed.signal, ...(signal ? [signal] : [])];
    if (Number.isFinite(limit)) signals.push(AbortSignal.timeout(limit));
    let response: Response;
    try {
      response = await fetch(this.#base + path, {
        method,
        headers: {
          ...(this.#apiKey === undefined ? {} : { authorization: `Bearer ${this.#apiKey}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.any(signals),
        dispatcher: this.#agent,
      });
    } catch (error) {
      if (signal?.aborted || this.#closed.signal.aborted) {
        throw new AbortedError({ message: `${method} ${path} was aborted`, cause: error });
      }
      throw new QueueUnavailableError({
        message: `The service at ${this.#base} did not answer ${method} ${path}: ${(error as Error).message}`,
        reason: (error as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable',
        cause: error,
      });
    }
    if (response.ok) return response;
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = parseJson(text);
    } catch {
      // not JSON: errorFromAnswer says so
    }
    throw errorFromAnswer({
      status: response.status,
      headers: response.headers,
      body: parsed,
      jobId,
    });
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new AbortedError({ message: 'Aborted', cause: signal.reason }));
      },
      { once: true },
    );
  });
}
