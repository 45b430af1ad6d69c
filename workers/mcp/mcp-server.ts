import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { PlatformError } from '../../core/index.ts';
import type { ToolDescriptor } from '../queue/job-backend.ts';
import type { ParsedJobRequest } from '../queue/job-schema.ts';
import { jobResultToMcp, RunOutputSchema } from './mcp-content.ts';
import type { McpJobGateway } from './mcp-job-gateway.ts';
import { listSessionFiles, readSessionFile } from './mcp-resources.ts';
import type { McpSandboxSessions, SandboxLanguage } from './mcp-sandbox-sessions.ts';
import { MCP_SANDBOX_SESSION_PATTERN } from './mcp-sandbox-sessions.ts';
import { followProgress } from './mcp-progress.ts';

/** The worker tools that `run_python` and `run_javascript` stand for; not listed again. */
const CODE_TOOLS = new Set(['IPythonInteractive', 'IPythonInterpreter', 'JavaScriptInterpreter']);
const JAVASCRIPT_TOOL = 'JavaScriptInterpreter';

const RunArgumentsSchema = z.object({
  code: z.string().describe('The code to run.'),
  sessionId: z
    .string()
    .regex(MCP_SANDBOX_SESSION_PATTERN)
    .optional()
    .describe(
      'A session of your own naming (letters, digits, _ and -): its variables and files are kept between calls. Without it, the calls share this connection’s default session.',
    ),
  timeoutMs: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Longest time the code may run, in milliseconds; then it is interrupted.'),
});
type RunArguments = z.infer<typeof RunArgumentsSchema>;

function jsonSchema(schema: z.ZodType): Tool['inputSchema'] {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input' });
  return rest as Tool['inputSchema'];
}

const RUN_PYTHON: Tool = {
  name: 'run_python',
  title: 'Run Python',
  description:
    'Run Python in an isolated IPython kernel (a hardened container). Variables, imports and files persist in the session; stdout, stderr, the value of the last expression and matplotlib figures (as images) come back. A failure of the code is an error result with its traceback.',
  inputSchema: jsonSchema(RunArgumentsSchema),
  outputSchema: jsonSchema(RunOutputSchema),
  annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
};

const RUN_JAVASCRIPT: Tool = {
  name: 'run_javascript',
  title: 'Run JavaScript',
  description:
    'Run JavaScript in an isolated V8 session (no Node.js API, no network). Variables persist in the session; console output and the value of the last expression come back.',
  inputSchema: jsonSchema(RunArgumentsSchema),
  annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
};

/** A worker tool's MCP name: `Tool` for a single API, `Toolkit.api` for a toolkit's APIs. */
function workerTools(descriptors: readonly ToolDescriptor[]): Map<string, Tool> {
  const tools = new Map<string, Tool>();
  for (const descriptor of descriptors) {
    if (CODE_TOOLS.has(descriptor.name)) continue;
    for (const api of descriptor.apis) {
      const name = descriptor.isToolkit ? `${descriptor.name}.${api.name}` : descriptor.name;
      tools.set(name, {
        name,
        description: api.description,
        inputSchema: { ...api.inputSchema, type: 'object' },
      });
    }
  }
  return tools;
}

export interface McpServerOptions {
  gateway: McpJobGateway;
  sessions: McpSandboxSessions;
  /** @default { name: 'lagent-ts', version: '1' } */
  serverInfo?: { name: string; version: string };
}

function invalidParams(message: string): McpError {
  return new McpError(ErrorCode.InvalidParams, message);
}

/** Platform errors of a request: the caller's mistake is InvalidParams, the rest a result. */
function platformErrorResult(error: unknown): CallToolResult {
  if (!PlatformError.isInstance(error) && !isHttpError(error)) throw error;
  const { code, message } = error as { code: string; message: string };
  if (['INVALID_ARGUMENT', 'REQUEST_LIMIT_EXCEEDED', 'VALIDATION_FAILED'].includes(code)) {
    throw invalidParams(message);
  }
  // Quotas, no worker, a full queue: the call did not run, and the client may try again.
  return { content: [{ type: 'text', text: `${code}: ${message}` }], isError: true };
}

function isHttpError(error: unknown): boolean {
  return error instanceof Error && error.name === 'HttpError' && 'code' in error;
}

/**
 * The MCP server of one MCP session: `run_python`, `run_javascript` and the tools the
 * workers serve, each call a job; the session's files as resources. Built on the SDK's
 * low-level Server: the worker tools come with JSON Schemas, not zod ones.
 */
export function createMcpServer({
  gateway,
  sessions,
  serverInfo = { name: 'lagent-ts', version: '1' },
}: McpServerOptions): Server {
  const server = new Server(serverInfo, {
    capabilities: { tools: {}, resources: {} },
    instructions:
      'Runs code in hardened sandboxes: run_python (IPython) and run_javascript (V8), each with sessions that keep state; plus the tools the workers serve. Session files are resources.',
  });
  let known = new Map<string, Tool>();
  let descriptors: ToolDescriptor[] = [];

  async function refreshTools(): Promise<Tool[]> {
    descriptors = await gateway.toolDescriptors();
    known = workerTools(descriptors);
    const javascript = descriptors.some((descriptor) => descriptor.name === JAVASCRIPT_TOOL);
    return [RUN_PYTHON, ...(javascript ? [RUN_JAVASCRIPT] : []), ...known.values()];
  }

  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: await refreshTools() }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args = {} } = request.params;
    let jobRequest: ParsedJobRequest;
    let language: SandboxLanguage | undefined;
    let run: RunArguments | undefined;
    if (name === RUN_PYTHON.name || name === RUN_JAVASCRIPT.name) {
      const parsed = RunArgumentsSchema.safeParse(args);
      if (!parsed.success) {
        throw invalidParams(
          `${name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
        );
      }
      run = parsed.data;
      language = name === RUN_PYTHON.name ? 'python' : 'javascript';
    } else if (!known.has(name)) {
      await refreshTools();
      if (!known.has(name)) throw invalidParams(`Unknown tool: ${name}`);
    }
    // A worker tool's state is not a Python session's: no sandbox is opened for it, and its
    // session is not listed among the files.
    const session = sessions.use({ sessionId: run?.sessionId, language: language ?? 'tools' });
    try {
      if (run && language === 'python') {
        jobRequest = {
          kind: 'run-code',
          language: 'python',
          code: run.code,
          sessionId: session.jobSessionId,
          ...(run.timeoutMs === undefined ? {} : { timeoutMs: run.timeoutMs }),
        };
      } else if (run) {
        jobRequest = {
          kind: 'tool-call',
          call: {
            name: JAVASCRIPT_TOOL,
            parameters: {
              command: run.code,
              ...(run.timeoutMs === undefined ? {} : { timeout: Math.ceil(run.timeoutMs / 1000) }),
            },
          },
          sessionId: session.jobSessionId,
        };
      } else {
        jobRequest = {
          kind: 'tool-call',
          call: { name, parameters: args as never },
          sessionId: session.jobSessionId,
        };
      }
      let jobId: string;
      try {
        jobId = await gateway.submit(jobRequest);
      } catch (error) {
        return platformErrorResult(error);
      }
      // The client's cancel (notifications/cancelled) stops the job: the kernel is interrupted.
      const cancel = () => void gateway.cancel({ jobId }).catch(() => undefined);
      extra.signal.addEventListener('abort', cancel, { once: true });
      const progressToken = extra._meta?.progressToken;
      const progress =
        progressToken === undefined
          ? undefined
          : followProgress({ gateway, jobId, progressToken, send: extra.sendNotification });
      try {
        const result = await gateway.result({ jobId });
        return jobResultToMcp({
          result,
          ...(language === 'python' ? { sessionId: run?.sessionId ?? undefined } : {}),
        });
      } finally {
        extra.signal.removeEventListener('abort', cancel);
        await progress?.stop();
      }
    } finally {
      session.done();
    }
  });

  server.setRequestHandler(ListResourcesRequestSchema, async () => ({
    resources: await listSessionFiles({ gateway, sessions }),
  }));

  server.setRequestHandler(ReadResourceRequestSchema, async (request) => ({
    contents: [await readSessionFile({ gateway, sessions, uri: request.params.uri })],
  }));

  return server;
}
