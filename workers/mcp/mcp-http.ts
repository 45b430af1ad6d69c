import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { JobBackend } from '../queue/job-backend.ts';
import type { TenantSubmit } from '../service/job-submit.ts';
import type { SessionRegistry } from '../service/session-registry.ts';
import type { TenantScope } from '../service/tenant-scope.ts';
import type { McpJobGateway } from './mcp-job-gateway.ts';
import { McpSandboxSessions } from './mcp-sandbox-sessions.ts';
import { createMcpServer } from './mcp-server.ts';

// MCP over Streamable HTTP at /mcp, behind the service's API keys: each MCP session belongs
// to the tenant that opened it (another tenant's session id answers 404, like an unknown
// one), submits as that tenant (its ids, its quotas), and owns its sandbox sessions.

/** An MCP session without a request this long is ended, and its sandbox sessions closed. */
export const DEFAULT_MCP_IDLE_TTL_MS = 15 * 60_000;

interface McpHttpSession {
  tenantId: string;
  transport: StreamableHTTPServerTransport;
  sessions: McpSandboxSessions;
  lastSeenAt: number;
}

/** The tenant's view of the job API, for its MCP sessions. */
function tenantGateway({
  scope,
  jobs,
  submit,
  registry,
}: {
  scope: TenantScope;
  jobs: JobBackend;
  submit: TenantSubmit;
  registry: SessionRegistry;
}): McpJobGateway {
  return {
    submit: (jobRequest) => submit(scope, { jobRequest }),
    events: ({ jobId, signal }) => jobs.events({ jobId, signal }),
    result: async ({ jobId }) => scope.result(await jobs.wait({ jobId })),
    cancel: async ({ jobId }) => void (await jobs.cancel({ jobId })),
    toolDescriptors: () => jobs.toolDescriptors(),
    closeSession: async ({ sessionId }) => {
      registry.forget(scope, sessionId);
      await jobs.submit({
        request: { kind: 'close-session', sessionId: scope.sessionId(sessionId) },
      });
    },
  };
}

function jsonRpcError(reply: FastifyReply, status: number, code: number, message: string) {
  return reply.status(status).send({ jsonrpc: '2.0', error: { code, message }, id: null });
}

/** Serves MCP at /mcp (POST, GET for the server's stream, DELETE to end a session). */
export function registerMcpRoutes(
  app: FastifyInstance,
  {
    jobs,
    submit,
    registry,
    idleTtlMs = DEFAULT_MCP_IDLE_TTL_MS,
    sandboxIdleTtlMs,
  }: {
    jobs: JobBackend;
    submit: TenantSubmit;
    registry: SessionRegistry;
    idleTtlMs?: number;
    sandboxIdleTtlMs?: number;
  },
): void {
  const open = new Map<string, McpHttpSession>();

  async function start(request: FastifyRequest): Promise<StreamableHTTPServerTransport> {
    const scope = request.scope;
    const gateway = tenantGateway({ scope, jobs, submit, registry });
    const sessions = new McpSandboxSessions({
      close: (jobSessionId) => gateway.closeSession({ sessionId: jobSessionId }),
      ...(sandboxIdleTtlMs === undefined ? {} : { idleTtlMs: sandboxIdleTtlMs }),
    });
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        open.set(id, { tenantId: scope.tenant.id, transport, sessions, lastSeenAt: Date.now() });
      },
    });
    transport.onclose = () => {
      const id = transport.sessionId;
      if (id !== undefined) open.delete(id);
      void sessions.closeAll();
    };
    await createMcpServer({ gateway, sessions }).connect(transport);
    return transport;
  }

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers['mcp-session-id'];
    const id = Array.isArray(header) ? header[0] : header;
    let transport: StreamableHTTPServerTransport;
    if (id !== undefined) {
      const session = open.get(id);
      // Another tenant's session is not there, exactly as a session nobody opened.
      if (!session || session.tenantId !== request.scope.tenant.id) {
        return jsonRpcError(reply, 404, -32001, 'Session not found');
      }
      session.lastSeenAt = Date.now();
      transport = session.transport;
    } else if (request.method === 'POST' && isInitializeRequest(request.body)) {
      transport = await start(request);
    } else {
      return jsonRpcError(reply, 400, -32000, 'Bad Request: no valid session id (mcp-session-id)');
    }
    reply.hijack();
    await transport.handleRequest(request.raw, reply.raw, request.body);
    return reply;
  };
  app.post('/mcp', { schema: { hide: true } }, handle);
  app.get('/mcp', { schema: { hide: true } }, handle);
  app.delete('/mcp', { schema: { hide: true } }, handle);

  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const session of open.values()) {
        if (now - session.lastSeenAt > idleTtlMs) void session.transport.close();
      }
    },
    Math.min(idleTtlMs, 60_000),
  );
  sweep.unref();
  // Stopping: each MCP session's streams end (clients reconnect elsewhere); its sandbox
  // sessions are closed with it.
  app.addHook('preClose', async () => {
    clearInterval(sweep);
    await Promise.allSettled([...open.values()].map((session) => session.transport.close()));
  });
}
