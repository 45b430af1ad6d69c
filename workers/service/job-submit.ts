import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JobBackend } from '../queue/job-backend.ts';
import type { JobEvent, ParsedJobRequest } from '../queue/job-schema.ts';
import type { JobLog } from './job-log.ts';
import type { ServiceMetrics } from './service-metrics.ts';
import type { SessionRegistry } from './session-registry.ts';
import type { TenantScope } from './tenant-scope.ts';
import type { OpenStreams } from './sse-stream.ts';
import { openSseStream } from './sse-stream.ts';
import type { TenantUsage } from './tenant-usage.ts';

/** The worker tool whose sessions are V8 isolates, not IPython kernels. */
const JAVASCRIPT_TOOL = 'JavaScriptInterpreter';

// What the job routes share: a tenant's submit, and a job's events as a stream.

export interface TenantSubmitOptions {
  jobs: JobBackend;
  metrics: ServiceMetrics;
  /** NoWorkerError when no worker serves the queue (see createWorkerCheck). */
  requireWorker: () => Promise<void>;
  usage: TenantUsage;
  sessions: SessionRegistry;
  /** The tenant's recent jobs (`GET /v1/jobs`). */
  log: JobLog;
}

export type TenantSubmit = (
  scope: TenantScope,
  job: {
    jobRequest: ParsedJobRequest;
    jobId?: string | undefined;
    deadlineMs?: number | undefined;
    /** Counts the job into this batch of the tenant's (GET /v1/batches). */
    batchId?: string | undefined;
  },
) => Promise<string>;

/**
 * Submits a tenant's job: its ids under the tenant's prefix, its session noted (the session
 * quota), a place among its running jobs taken (the job quota). Answers the queue's id.
 */
export function createTenantSubmit({
  jobs,
  metrics,
  requireWorker,
  usage,
  sessions,
  log,
}: TenantSubmitOptions): TenantSubmit {
  return async (scope, { jobRequest, jobId = randomUUID(), deadlineMs, batchId }) => {
    const queueId = scope.jobId(jobId);
    const queued = scope.request(jobRequest);
    await requireWorker();
    if (jobRequest.sessionId !== undefined) {
      const javascript =
        jobRequest.kind === 'tool-call' && jobRequest.call.name === JAVASCRIPT_TOOL;
      sessions.use({
        scope,
        sessionId: jobRequest.sessionId,
        language: javascript ? 'javascript' : 'python',
      });
    }
    const release = usage.admitJob(scope.tenant, queueId);
    try {
      await jobs.submit({
        request: queued,
        jobId: queueId,
        ...(deadlineMs === undefined ? {} : { deadlineMs }),
      });
    } catch (error) {
      release();
      throw error;
    }
    usage.track(scope.tenant, queueId);
    log.record({ scope, queueId, request: jobRequest, batchId });
    metrics.jobSubmitted(jobRequest.kind);
    return queueId;
  };
}

/** Aborted when the client goes away before its answer was sent. */
export function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('the client went away'));
  });
  return controller.signal;
}

/**
 * Answers with the job's events as Server-Sent Events, numbered from 0, skipping those up to
 * `lastSeen`; ids in the `end` result are the tenant's. Resolves when the stream ends: at
 * `end`, when the client leaves (`ended: false`), or when the service stops.
 */
export async function streamJobEvents({
  request,
  reply,
  jobs,
  streams,
  jobId,
  lastSeen = -1,
}: {
  request: FastifyRequest;
  reply: FastifyReply;
  jobs: JobBackend;
  streams: OpenStreams;
  /** The queue's id. */
  jobId: string;
  lastSeen?: number;
}): Promise<{ ended: boolean }> {
  reply.hijack();
  const stream = openSseStream({ response: reply.raw });
  streams.add(stream);
  const shown = (event: JobEvent): JobEvent =>
    event.type === 'end' ? { ...event, result: request.scope.result(event.result) } : event;
  let ended = false;
  try {
    let id = 0;
    for await (const event of jobs.events({ jobId, signal: stream.signal })) {
      if (id > lastSeen) await stream.send({ id, type: event.type, data: shown(event) });
      id += 1;
      if (event.type === 'end') ended = true;
    }
  } catch (error) {
    if (!stream.signal.aborted) request.log.warn({ err: error, jobId }, 'event stream failed');
  } finally {
    streams.delete(stream);
    stream.end();
  }
  return { ended };
}
