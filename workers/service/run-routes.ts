import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { AbortedError } from '../../core/index.ts';
import type { JobBackend } from '../queue/job-backend.ts';
import type { ParsedJobRequest } from '../queue/job-schema.ts';
import { ApiErrorSchema } from './api-error.ts';
import type { TenantSubmit } from './job-submit.ts';
import { clientGone, streamJobEvents } from './job-submit.ts';
import { RunCodeBodySchema, StoredJobResultSchema, ToolCallBodySchema } from './service-schemas.ts';
import type { OpenStreams } from './sse-stream.ts';

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ApiErrorSchema]));

const ANSWERS =
  'Answers with the result (JSON), or, asked with `Accept: text/event-stream`, with the job’s events as they happen, ending with `end` and the result. Leaving (closing the connection) or reaching `waitMs` cancels the job.';

function wantsStream(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/event-stream');
}

/** The one-call routes: submit a job and answer with its result, or stream it. */
export function registerRunRoutes(
  root: FastifyInstance,
  { jobs, streams, submit }: { jobs: JobBackend; streams: OpenStreams; submit: TenantSubmit },
) {
  const app = root.withTypeProvider<ZodTypeProvider>();

  async function run(
    request: FastifyRequest,
    reply: FastifyReply,
    { jobRequest, waitMs }: { jobRequest: ParsedJobRequest; waitMs: number | undefined },
  ): Promise<z.output<typeof StoredJobResultSchema> | undefined> {
    const jobId = await submit(request.scope, { jobRequest });
    const gone = clientGone(reply);
    if (wantsStream(request)) {
      // The events do not name their job: the header does (to read, follow or cancel it).
      reply.raw.setHeader('lagent-job-id', request.scope.publicId(jobId) ?? jobId);
      const { ended } = await streamJobEvents({ request, reply, jobs, streams, jobId });
      // A client that left stops its job; a stream the service ended (it is stopping) does not.
      if (!ended && gone.aborted) await jobs.cancel({ jobId }).catch(() => false);
      return undefined;
    }
    try {
      const result = await jobs.wait({
        jobId,
        signal: gone,
        ...(waitMs === undefined ? {} : { timeoutMs: waitMs }),
      });
      // The serializer checks the answer against its schema.
      return request.scope.result(result) as z.output<typeof StoredJobResultSchema>;
    } catch (error) {
      if (!(error instanceof AbortedError)) throw error;
      reply.hijack(); // the client went away: nobody is left to answer
      return undefined;
    }
  }

  app.post(
    '/v1/run-code',
    {
      schema: {
        summary: 'Run code',
        description: `Runs code in a sandbox (a session's, with \`sessionId\`). ${ANSWERS}`,
        tags: ['jobs'],
        body: RunCodeBodySchema,
        response: { 200: StoredJobResultSchema, ...errors(400, 401, 413, 429, 503) },
      },
    },
    async (request, reply) => {
      const { waitMs, ...code } = request.body;
      return run(request, reply, { jobRequest: { kind: 'run-code', ...code }, waitMs });
    },
  );

  app.post(
    '/v1/tool-calls',
    {
      schema: {
        summary: 'Call a tool',
        description: `Calls a tool the workers serve (see /v1/tools) as the ActionExecutor routes it; the result holds its ActionReturn. ${ANSWERS}`,
        tags: ['tools'],
        body: ToolCallBodySchema,
        response: { 200: StoredJobResultSchema, ...errors(400, 401, 413, 429, 503) },
      },
    },
    async (request, reply) => {
      const { waitMs, name, parameters, id, sessionId, timeoutMs } = request.body;
      const jobRequest: ParsedJobRequest = {
        kind: 'tool-call',
        call: { name, parameters, ...(id === undefined ? {} : { id }) },
        ...(sessionId === undefined ? {} : { sessionId }),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      };
      return run(request, reply, { jobRequest, waitMs });
    },
  );
}
