import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Command } from 'commander';
import { Option } from 'commander';
import { pino } from 'pino';
import type { ContainerRuntime } from '../../sandboxes/index.ts';
import type { JobBackend } from '../queue/job-backend.ts';
import { connectJobs } from '../queue/job-client.ts';
import { directGateway } from '../mcp/mcp-job-gateway.ts';
import { McpSandboxSessions } from '../mcp/mcp-sandbox-sessions.ts';
import { createMcpServer } from '../mcp/mcp-server.ts';
import type { QueueFlags } from './cli-options.ts';
import {
  addQueueOptions,
  addServiceOptions,
  nonNegativeInteger,
  positiveInteger,
  SERVICE_API_KEY_ENV,
  SERVICE_URL_ENV,
} from './cli-options.ts';
import { readPackageVersion } from './package-version.ts';

interface McpCommandOptions extends QueueFlags {
  runtime: ContainerRuntime;
  poolSize: number;
  sandboxPrefix?: string;
  sessionIdleTtlMs?: number;
  logLevel: string;
}

/** Session ids of `lagent mcp` processes share one scope (each MCP session adds its own key). */
export const MCP_SESSION_SCOPE = 'mcp';

/**
 * The job API for the MCP server: a `lagent serve` service (--url), else Redis workers, else
 * sandboxes in this process, as for run-code.
 */
async function openJobs(options: McpCommandOptions): Promise<JobBackend> {
  const url = options.url ?? process.env[SERVICE_URL_ENV];
  if (url) {
    return connectJobs({ url, apiKey: options.apiKey ?? process.env[SERVICE_API_KEY_ENV] });
  }
  return connectJobs({
    redisUrl: options.redisUrl ?? process.env['REDIS_URL'] ?? null,
    sessionScope: MCP_SESSION_SCOPE,
    runner: {
      sandbox: {
        runtime: options.runtime,
        poolSize: options.poolSize,
        ...(options.sandboxPrefix === undefined ? {} : { namePrefix: options.sandboxPrefix }),
      },
    },
    ...(options.queue === undefined ? {} : { queueName: options.queue }),
    ...(options.connectTimeoutMs === undefined
      ? {}
      : { connectTimeoutMs: options.connectTimeoutMs }),
  });
}

export function registerMcpCommand(program: Command): void {
  const command = program
    .command('mcp')
    .description(
      'Serve MCP over stdio: run_python, run_javascript and the workers’ tools, for an MCP client',
    );
  addServiceOptions(command);
  addQueueOptions(command, { embedded: true, connectTimeoutMs: 5_000 })
    .addOption(
      new Option('--runtime <runtime>', 'container runtime of the sandboxes run here')
        .choices(['runc', 'runsc'])
        .default('runc'),
    )
    .option('--pool-size <n>', 'warm sandboxes kept ready here', nonNegativeInteger, 1)
    .option('--sandbox-prefix <prefix>', 'sandbox container names start with this')
    .option(
      '--session-idle-ttl-ms <ms>',
      'close a sandbox session unused this long (default 15 minutes)',
      positiveInteger,
    )
    .option('--log-level <level>', 'pino level, logged to stderr', 'info')
    .action(async (options: McpCommandOptions) => {
      // stdout carries the protocol: every log line goes to stderr.
      const logger = pino({ name: 'lagent-mcp', level: options.logLevel }, pino.destination(2));
      const jobs = await openJobs(options);
      const gateway = directGateway({ jobs });
      const sessions = new McpSandboxSessions({
        close: (sessionId) => gateway.closeSession({ sessionId }),
        ...(options.sessionIdleTtlMs === undefined ? {} : { idleTtlMs: options.sessionIdleTtlMs }),
      });
      const server = createMcpServer({
        gateway,
        sessions,
        serverInfo: { name: 'lagent-ts', version: readPackageVersion() },
      });
      let stopping = false;
      const stop = async (why: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ why }, 'stopping: closing this session’s sandboxes');
        try {
          await sessions.closeAll();
          await jobs.close();
        } finally {
          process.exit(0);
        }
      };
      const transport = new StdioServerTransport();
      // The client closes stdin to end the session (the MCP specification's stdio shutdown).
      process.stdin.once('end', () => void stop('stdin closed'));
      transport.onclose = () => void stop('transport closed');
      process.once('SIGTERM', () => void stop('SIGTERM'));
      process.once('SIGINT', () => void stop('SIGINT'));
      await server.connect(transport);
      logger.info({ backend: jobs.mode }, 'serving MCP on stdio');
    });
}
