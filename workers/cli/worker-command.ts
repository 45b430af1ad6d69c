import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { Action } from '../../core/index.ts';
import type { McpServerSpec } from '../../tools/index.ts';
import { parseMcpServerSpec } from '../../tools/index.ts';
import { DEFAULT_MAX_CODE_BYTES, DEFAULT_MAX_EXECUTION_TIMEOUT_MS } from '../../core/index.ts';
import type { ContainerRuntime, SandboxMount } from '../../sandboxes/index.ts';
import {
  DEFAULT_FRESH_CONTAINERS,
  DEFAULT_FRESH_PRELOAD,
  DEFAULT_SANDBOX_LIMITS,
} from '../../sandboxes/index.ts';
import { connectRedis } from '../queue/redis-connection.ts';
import { DEFAULT_REDIS_URL } from '../queue/redis-keys.ts';
import {
  DEFAULT_WORKER_CONCURRENCY,
  DEFAULT_WORKER_CONNECT_TIMEOUT_MS,
  ToolWorker,
} from '../queue/tool-worker.ts';
import type { BuiltInTool } from '../queue/worker-runner.ts';
import {
  BUILT_IN_TOOLS,
  createWorkerRunner,
  DEFAULT_WORKER_TOOLS,
} from '../queue/worker-runner.ts';
import {
  integerAtLeast,
  nonNegativeInteger,
  moduleList,
  nonNegativeNumber,
  positiveInteger,
} from './cli-options.ts';
import { loadToolModules } from './tool-modules.ts';

interface WorkerCommandOptions {
  redisUrl?: string;
  queue?: string;
  connectTimeoutMs: number;
  concurrency: number;
  tools: BuiltInTool[];
  threadTool: string[];
  moduleTool: string[];
  mcpServer: McpServerSpec[];
  mcpCallTimeoutMs?: number;
  runtime: ContainerRuntime;
  poolSize: number;
  freshContainers?: number;
  freshPreload?: string[];
  maxSessions: number;
  memoryMb: number;
  cpus: number;
  maxCodeBytes?: number;
  maxTimeoutMs?: number;
  sandboxPrefix?: string;
  mount: SandboxMount[];
  healthPort?: number;
  leaseMs?: number;
  shutdownDeadlineMs?: number;
  logFormat: 'pretty' | 'json';
  logLevel: string;
}

/** A pino logger: pretty lines on a terminal, JSON lines otherwise. */
export function createLogger({
  logFormat,
  logLevel,
  name = 'lagent-worker',
}: Pick<WorkerCommandOptions, 'logFormat' | 'logLevel'> & { name?: string }): Logger {
  return logFormat === 'pretty'
    ? pino({
        name,
        level: logLevel,
        transport: {
          target: 'pino-pretty',
          options: { colorize: process.stdout.isTTY, ignore: 'pid,hostname' },
        },
      })
    : pino({ name, level: logLevel });
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `--tools a,b`: built-in tool names, or `none`. */
export function parseToolsOption(value: string): BuiltInTool[] {
  if (value === 'none') return [];
  const names = value.split(',').filter(Boolean);
  const unknown = names.filter((name) => !(BUILT_IN_TOOLS as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new InvalidArgumentError(
      `unknown tool ${unknown.join(', ')}: choose from ${BUILT_IN_TOOLS.join(', ')}, or none`,
    );
  return names as BuiltInTool[];
}

/**
 * Fails fast, before sandboxes start, when Redis does not answer (ToolWorker.start checks
 * again, after them): a mistyped URL is one clear line within seconds.
 */
async function probeRedis({
  redisUrl,
  connectTimeoutMs,
}: {
  redisUrl?: string | undefined;
  connectTimeoutMs: number;
}): Promise<void> {
  const redis = await connectRedis({
    url: redisUrl ?? process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL,
    connectTimeoutMs,
  });
  redis.disconnect();
}

/** `--mcp-server`, with the spec's own message as commander's. */
function mcpServerOption(value: string): McpServerSpec {
  try {
    return parseMcpServerSpec(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

const MOUNT_FLAG = '--mount <host>:<container>[:rw]';

/**
 * `<host>:<container>[:rw]`, read-only unless `:rw` (`:ro` says so explicitly). The paths
 * themselves are checked when the sandbox provider starts.
 */
export function parseMountOption(value: string): SandboxMount {
  const [source, target, mode, ...rest] = value.split(':');
  if (
    !source ||
    !target ||
    rest.length > 0 ||
    (mode !== undefined && mode !== 'rw' && mode !== 'ro')
  ) {
    // Commander puts the flag and the value in front of this message.
    throw new InvalidArgumentError(
      'expected <host path>:<container path>, optionally followed by :rw (writable) or :ro',
    );
  }
  return { source, target, readOnly: mode !== 'rw' };
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Serve tool calls and code jobs from the queue, in Docker sandboxes')
    .option('--redis-url <url>', 'Redis (default: REDIS_URL, else redis://127.0.0.1:6379)')
    .option('--queue <name>', 'queue name (default: LAGENT_QUEUE, else lagent)')
    .option(
      '--connect-timeout-ms <ms>',
      'give up when Redis does not answer within this long',
      positiveInteger,
      DEFAULT_WORKER_CONNECT_TIMEOUT_MS,
    )
    .option(
      '--concurrency <n>',
      "jobs at once, from the shared queue and from this worker's own",
      positiveInteger,
      DEFAULT_WORKER_CONCURRENCY,
    )
    .option(
      '--tools <list>',
      `built-in tools: ${BUILT_IN_TOOLS.join(',')}, or none`,
      parseToolsOption,
      [...DEFAULT_WORKER_TOOLS],
    )
    .option(
      '--thread-tool <module>',
      'a module exporting `tool`, run on the thread pool (repeatable)',
      collect,
      [],
    )
    .option(
      '--module-tool <module>',
      'a module exporting `tool`, run on the main thread (repeatable)',
      collect,
      [],
    )
    .option(
      '--mcp-server <server>',
      'serve the tools of an MCP server: [name=]<url>, or [name=]<command> [args] started over stdio (repeatable)',
      (value: string, previous: McpServerSpec[]) => [...previous, mcpServerOption(value)],
      [],
    )
    .option(
      '--mcp-call-timeout-ms <ms>',
      'a remote MCP call taking longer is a hang: the server is restarted',
      positiveInteger,
    )
    .addOption(
      new Option('--runtime <runtime>', 'container runtime')
        .choices(['runc', 'runsc'])
        .default('runc'),
    )
    .option('--pool-size <n>', 'warm sandboxes kept ready', nonNegativeInteger, 2)
    .option(
      '--fresh-containers <n>',
      `fork-server containers for fresh runs, one run at a time each (default ${DEFAULT_FRESH_CONTAINERS})`,
      positiveInteger,
    )
    .option(
      '--fresh-preload <modules>',
      `modules fork-server containers import once, comma-separated ('' for none; default ${DEFAULT_FRESH_PRELOAD.join(',')})`,
      moduleList,
    )
    .option('--max-sessions <n>', 'sandbox sessions at most', positiveInteger, 32)
    .option('--memory-mb <n>', 'memory per sandbox', positiveInteger, 512)
    .option(
      '--cpus <n>',
      'CPU quota per sandbox, in cores (0: none)',
      nonNegativeNumber,
      DEFAULT_SANDBOX_LIMITS.cpus,
    )
    .option(
      '--max-code-bytes <n>',
      `largest code a request may send (default ${DEFAULT_MAX_CODE_BYTES})`,
      positiveInteger,
    )
    .option(
      '--max-timeout-ms <ms>',
      `longest timeoutMs a request may ask for (default ${DEFAULT_MAX_EXECUTION_TIMEOUT_MS})`,
      positiveInteger,
    )
    .option('--sandbox-prefix <prefix>', 'sandbox container names start with this')
    .option(
      MOUNT_FLAG,
      'bind a host path into every sandbox, read-only unless :rw (repeatable)',
      (value: string, previous: SandboxMount[]) => [...previous, parseMountOption(value)],
      [],
    )
    .option(
      '--health-port <port>',
      'serve GET /health and GET /metrics on this port (0: any free one)',
      nonNegativeInteger,
    )
    .option(
      '--lease-ms <ms>',
      'heartbeat lease and job lock: a worker silent this long is dead, its jobs redelivered',
      integerAtLeast(1_000),
    )
    .option(
      '--shutdown-deadline-ms <ms>',
      'on SIGTERM, time running jobs get to finish',
      nonNegativeInteger,
    )
    .addOption(
      new Option('--log-format <format>', 'log lines')
        .choices(['pretty', 'json'])
        .default(process.stdout.isTTY ? 'pretty' : 'json'),
    )
    .option('--log-level <level>', 'pino level', 'info')
    .action(async (options: WorkerCommandOptions) => {
      await probeRedis(options);
      const logger = createLogger(options);
      const extraTools: Action[] = await loadToolModules(options.moduleTool);
      const runner = await createWorkerRunner({
        tools: options.tools,
        extraTools,
        threadTools: options.threadTool.map((module) => ({ module })),
        mcpServers: options.mcpServer,
        ...(options.mcpCallTimeoutMs === undefined
          ? {}
          : { mcpCallTimeoutMs: options.mcpCallTimeoutMs }),
        limits: {
          ...(options.maxCodeBytes === undefined ? {} : { maxCodeBytes: options.maxCodeBytes }),
          ...(options.maxTimeoutMs === undefined
            ? {}
            : { maxExecutionTimeoutMs: options.maxTimeoutMs }),
        },
        sandbox: {
          runtime: options.runtime,
          poolSize: options.poolSize,
          ...(options.freshContainers === undefined
            ? {}
            : { freshContainers: options.freshContainers }),
          ...(options.freshPreload === undefined ? {} : { freshPreload: options.freshPreload }),
          maxSessions: options.maxSessions,
          memoryMb: options.memoryMb,
          cpus: options.cpus,
          ...(options.sandboxPrefix === undefined ? {} : { namePrefix: options.sandboxPrefix }),
          ...(options.mount.length === 0 ? {} : { mounts: options.mount }),
          onError: (error) => logger.warn({ error: String(error) }, 'sandbox pool'),
        },
      });
      const worker = await ToolWorker.start({
        runner,
        logger,
        handleExitSignals: true,
        concurrency: options.concurrency,
        connectTimeoutMs: options.connectTimeoutMs,
        ...(options.redisUrl === undefined ? {} : { redisUrl: options.redisUrl }),
        ...(options.queue === undefined ? {} : { queueName: options.queue }),
        ...(options.healthPort === undefined ? {} : { healthPort: options.healthPort }),
        ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
        ...(options.shutdownDeadlineMs === undefined
          ? {}
          : { shutdownDeadlineMs: options.shutdownDeadlineMs }),
      });
      logger.info(
        { workerId: worker.id, tools: [...runner.executor.keys()], health: worker.healthUrl },
        'ready',
      );
    });
}
