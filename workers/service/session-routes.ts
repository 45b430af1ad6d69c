import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { JobBackend } from '../queue/job-backend.ts';
import type { JobRequest, SessionOutcome } from '../queue/job-schema.ts';
import { MAX_JOB_FILE_BYTES } from '../queue/job-schema.ts';
import { ApiErrorSchema, HttpError } from './api-error.ts';
import type { ServiceMetrics } from './service-metrics.ts';
import {
  ClosedSessionSchema,
  CreateSessionBodySchema,
  FileListingSchema,
  FileParamsSchema,
  ListFilesQuerySchema,
  SessionListSchema,
  SessionParamsSchema,
  SessionSchema,
  SessionStatsSchema,
  StoredFileSchema,
} from './session-schemas.ts';
import type { SessionRegistry } from './session-registry.ts';

/** Longest a session operation (a start, a file move) is waited for. */
export const SESSION_OPERATION_WAIT_MS = 120_000;

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ApiErrorSchema]));

export interface SessionRoutesOptions {
  jobs: JobBackend;
  sessions: SessionRegistry;
  metrics: ServiceMetrics;
  requireWorker: () => Promise<void>;
}

/** Sessions (open, list, read their stats, close) and their files (upload, download, list). */
export function registerSessionRoutes(
  root: FastifyInstance,
  { jobs, sessions, metrics, requireWorker }: SessionRoutesOptions,
) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  // Uploads are raw bytes; the route's body limit is the largest file a job carries.
  app.addContentTypeParser(
    'application/octet-stream',
    { parseAs: 'buffer', bodyLimit: MAX_JOB_FILE_BYTES },
    (_request, body, done) => done(null, body),
  );

  /** Runs one session job to its end and answers what it did; an ending that is not done is an error. */
  async function sessionJob(
    request: FastifyRequest,
    jobRequest: JobRequest,
  ): Promise<SessionOutcome> {
    await requireWorker();
    const jobId = await jobs.submit({ request: jobRequest });
    metrics.jobSubmitted(jobRequest.kind);
    const result = await jobs.wait({ jobId, timeoutMs: SESSION_OPERATION_WAIT_MS });
    const outcome = result.session ?? {};
    if (result.status === 'completed') return outcome;
    const message = outcome.error?.value ?? `The session job ended ${result.status}`;
    request.log.warn({ jobId, status: result.status }, 'session job did not complete');
    if (result.status === 'session-lost') {
      sessions.forget(request.scope, publicSession(request, jobRequest));
      throw new HttpError({ code: 'SESSION_NOT_FOUND', message });
    }
    if (result.status === 'timed-out' || result.status === 'cancelled')
      throw new HttpError({ code: 'DEADLINE_EXCEEDED', message });
    throw new HttpError({ code: 'SANDBOX_UNAVAILABLE', message, retryAfterS: 1 });
  }

  function publicSession(request: FastifyRequest, jobRequest: JobRequest): string {
    const queueId = 'sessionId' in jobRequest ? (jobRequest.sessionId ?? '') : '';
    return request.scope.publicId(queueId) ?? queueId;
  }

  /**
   * The session, known to this tenant: 404 otherwise (another tenant's, closed, never opened).
   * A use restarts its idle clock; a reading (`use` false) does not.
   */
  function knownSession(request: FastifyRequest, sessionId: string, use = true) {
    const record = sessions.get(request.scope, sessionId);
    if (!record) {
      throw new HttpError({ code: 'SESSION_NOT_FOUND', message: `No session ${sessionId}` });
    }
    if (use) sessions.use({ scope: request.scope, sessionId });
    return request.scope.sessionId(sessionId);
  }

  app.post(
    '/v1/sessions',
    {
      schema: {
        summary: 'Open a session',
        description:
          'Starts a sandbox whose state (variables, files) lasts across the jobs that name it, until it is closed or idle for `idleTtlMs`. Opening an open session only restarts its idle clock.',
        tags: ['sessions'],
        body: CreateSessionBodySchema,
        response: { 201: SessionSchema, 200: SessionSchema, ...errors(400, 429, 503, 504) },
      },
    },
    async (request, reply) => {
      const { sessionId = `session-${crypto.randomUUID()}`, idleTtlMs } = request.body;
      const queueSessionId = request.scope.sessionId(sessionId);
      await requireWorker();
      const { record, created } = sessions.use({
        scope: request.scope,
        sessionId,
        idleTtlMs,
        startIdleClock: false,
      });
      try {
        await sessionJob(request, { kind: 'open-session', sessionId: queueSessionId });
      } catch (error) {
        if (created) sessions.forget(request.scope, sessionId);
        throw error;
      }
      // Its idle clock starts once it has started.
      sessions.use({ scope: request.scope, sessionId });
      return reply.code(created ? 201 : 200).send(record);
    },
  );

  app.get(
    '/v1/sessions',
    {
      schema: {
        summary: 'List sessions',
        description: 'The sessions this API key has open through this service.',
        tags: ['sessions'],
        response: { 200: SessionListSchema, ...errors(401, 429) },
      },
    },
    (request) => ({ sessions: sessions.list(request.scope) }),
  );

  app.get(
    '/v1/sessions/:sessionId',
    {
      schema: {
        summary: 'Read a session',
        tags: ['sessions'],
        params: SessionParamsSchema,
        response: { 200: SessionSchema, ...errors(400, 404) },
      },
    },
    (request) => {
      const record = sessions.get(request.scope, request.params.sessionId);
      if (!record) {
        throw new HttpError({
          code: 'SESSION_NOT_FOUND',
          message: `No session ${request.params.sessionId}`,
        });
      }
      return record;
    },
  );

  app.get(
    '/v1/sessions/:sessionId/stats',
    {
      schema: {
        summary: "Read a session's runtime and memory",
        description:
          "What isolates the session's sandbox and the memory it holds now, read on the worker that owns the session, after the calls queued before it. A value the sandbox does not give is null. Reading it does not restart the session's idle clock.",
        tags: ['sessions'],
        params: SessionParamsSchema,
        response: { 200: SessionStatsSchema, ...errors(400, 404, 503, 504) },
      },
    },
    async (request) => {
      const { sessionId } = request.params;
      const queueSessionId = knownSession(request, sessionId, false);
      const { stats } = await sessionJob(request, {
        kind: 'session-stats',
        sessionId: queueSessionId,
      });
      return {
        sessionId,
        runtime: stats?.runtime ?? null,
        memoryBytes: stats?.memoryBytes ?? null,
        memoryLimitBytes: stats?.memoryLimitBytes ?? null,
        pids: stats?.pids ?? null,
      };
    },
  );

  app.delete(
    '/v1/sessions/:sessionId',
    {
      schema: {
        summary: 'Close a session',
        description: 'Ends the session after the jobs already queued for it; its state is gone.',
        tags: ['sessions'],
        params: SessionParamsSchema,
        response: { 200: ClosedSessionSchema, ...errors(400, 404, 503, 504) },
      },
    },
    async (request) => {
      const { sessionId } = request.params;
      const queueSessionId = knownSession(request, sessionId);
      sessions.forget(request.scope, sessionId);
      await sessionJob(request, { kind: 'close-session', sessionId: queueSessionId });
      return { closed: true as const };
    },
  );

  app.put(
    '/v1/sessions/:sessionId/files/*',
    {
      schema: {
        summary: 'Upload a file',
        description:
          'Writes the body (`application/octet-stream`) to the path, relative to the working directory of the session.',
        tags: ['files'],
        consumes: ['application/octet-stream'],
        params: FileParamsSchema,
        body: z.instanceof(Buffer).describe('The file: raw bytes'),
        response: { 201: StoredFileSchema, ...errors(400, 404, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      const { sessionId, '*': path } = request.params;
      const { maxUploadBytes } = request.scope.tenant.quotas;
      if (request.body.length > maxUploadBytes) {
        throw new HttpError({
          code: 'PAYLOAD_TOO_LARGE',
          message: `Files are at most ${maxUploadBytes} bytes for this API key`,
        });
      }
      const queueSessionId = knownSession(request, sessionId);
      const outcome = await sessionJob(request, {
        kind: 'write-file',
        sessionId: queueSessionId,
        path,
        dataBase64: request.body.toString('base64'),
      });
      if (outcome.error)
        throw new HttpError({ code: 'INVALID_ARGUMENT', message: outcome.error.value });
      return reply.code(201).send({ path, sizeBytes: request.body.length });
    },
  );

  app.get(
    '/v1/sessions/:sessionId/files/*',
    {
      schema: {
        summary: 'Download a file',
        tags: ['files'],
        produces: ['application/octet-stream'],
        params: FileParamsSchema,
        response: {
          200: z.unknown().describe('application/octet-stream: the file'),
          ...errors(400, 404, 503),
        },
      },
    },
    async (request, reply) => {
      const { sessionId, '*': path } = request.params;
      const queueSessionId = knownSession(request, sessionId);
      const outcome = await sessionJob(request, {
        kind: 'read-file',
        sessionId: queueSessionId,
        path,
      });
      if (outcome.error || outcome.dataBase64 === undefined) {
        throw new HttpError({
          code: 'NOT_FOUND',
          message: outcome.error?.value ?? `No file ${path}`,
        });
      }
      // A Buffer is sent as is, past the JSON serializer.
      return reply.type('application/octet-stream').send(Buffer.from(outcome.dataBase64, 'base64'));
    },
  );

  app.get(
    '/v1/sessions/:sessionId/files',
    {
      schema: {
        summary: 'List files',
        description: 'Regular files under `path` (the working directory by default), sorted.',
        tags: ['files'],
        params: SessionParamsSchema,
        querystring: ListFilesQuerySchema,
        response: { 200: FileListingSchema, ...errors(400, 404, 503) },
      },
    },
    async (request) => {
      const { sessionId } = request.params;
      const queueSessionId = knownSession(request, sessionId);
      const { path } = request.query;
      const outcome = await sessionJob(request, {
        kind: 'list-files',
        sessionId: queueSessionId,
        ...(path === undefined ? {} : { path }),
      });
      if (outcome.error) throw new HttpError({ code: 'NOT_FOUND', message: outcome.error.value });
      return { files: outcome.files ?? [], truncated: outcome.truncated ?? false };
    },
  );
}
