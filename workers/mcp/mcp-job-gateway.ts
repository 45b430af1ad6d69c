import type { JobBackend, ToolDescriptor } from '../queue/job-backend.ts';
import type { JobEvent, JobResult, ParsedJobRequest } from '../queue/job-schema.ts';

/**
 * What the MCP server needs of the job API, for one caller: the plain job backend (`lagent
 * mcp` over stdio), or a tenant's view of it (`/mcp` behind the service's API keys, with its
 * ids under the tenant's prefix and its quotas counted).
 */
export interface McpJobGateway {
  /** Submits the job; answers its id for the other methods. */
  submit(request: ParsedJobRequest): Promise<string>;
  events(options: { jobId: string; signal: AbortSignal }): AsyncIterable<JobEvent>;
  /** The job's result once it ends. */
  result(options: { jobId: string }): Promise<JobResult>;
  cancel(options: { jobId: string }): Promise<void>;
  toolDescriptors(): Promise<ToolDescriptor[]>;
  /** Closes a sandbox session (its id as the MCP server names it), in line after its calls. */
  closeSession(options: { sessionId: string }): Promise<void>;
}

/** The job backend as it is: `lagent mcp`, one caller with the whole queue. */
export function directGateway({ jobs }: { jobs: JobBackend }): McpJobGateway {
  return {
    submit: (request) => jobs.submit({ request }),
    events: ({ jobId, signal }) => jobs.events({ jobId, signal }),
    result: ({ jobId }) => jobs.wait({ jobId }),
    cancel: async ({ jobId }) => void (await jobs.cancel({ jobId })),
    toolDescriptors: () => jobs.toolDescriptors(),
    closeSession: async ({ sessionId }) =>
      void (await jobs.submit({ request: { kind: 'close-session', sessionId } })),
  };
}
