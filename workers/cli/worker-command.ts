import type { Command } from 'commander';
import { Option } from 'commander';
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { Action } from '../../core/index.ts';
import type { ContainerRuntime } from '../../sandboxes/index.ts';
import { ToolWorker } from '../queue/tool-worker.ts';
import type { BuiltInTool } from '../queue/worker-runner.ts';
import {
  BUILT_IN_TOOLS,
  createWorkerRunner,
  DEFAULT_WORKER_TOOLS,
} from '../queue/worker-runner.ts';
import { loadToolModules } from './tool-modules.ts';

interface WorkerCommandOptions {
  redisUrl?: string;
  queue?: string;
  concurrency: string;
  tools: string;
  threadTool: string[];
  moduleTool: string[];
  runtime: ContainerRuntime;
  poolSize: string;
  maxSessions: string;
  memoryMb: string;
  sandboxPrefix?: string;
  healthPort?: string;
  heartbeatTtlMs?: string;
  lockDurationMs?: string;
  shutdownDeadlineMs?: string;
  logFormat: 'pretty' | 'json';
  logLevel: string;
}

function createLogger({
  logFormat,
  logLevel,
}: Pick<WorkerCommandOptions, 'logFormat' | 'logLevel'>): Logger {
  return logFormat === 'pretty'
    ? pino({
        name: 'lagent-worker',
        level: logLevel,
        transport: {
          target: 'pino-pretty',
          options: { colorize: process.stdout.isTTY, ignore: 'pid,hostname' },
        },
      })
    : pino({ name: 'lagent-worker', level: logLevel });
}

const collect = (value: string, previous: string[]) => [...previous, value];
const optional = (value: string | undefined) => (value === undefined ? undefined : Number(value));

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Serve tool calls and code jobs from the queue, in Docker sandboxes')
    .option('--redis-url <url>', 'Redis (default: REDIS_URL, else redis://127.0.0.1:6379)')
    .option('--queue <name>', 'queue name (default: LAGENT_QUEUE, else lagent)')
    .option(
      '--concurrency <n>',
      "jobs at once, from the shared queue and from this worker's own",
      '4',
    )
    .option(
      '--tools <list>',
      `built-in tools: ${BUILT_IN_TOOLS.join(',')}, or none`,
      DEFAULT_WORKER_TOOLS.join(','),
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
    .addOption(
      new Option('--runtime <runtime>', 'container runtime')
        .choices(['runc', 'runsc'])
        .default('runc'),
    )
    .option('--pool-size <n>', 'warm sandboxes kept ready', '2')
    .option('--max-sessions <n>', 'sandbox sessions at most', '32')
    .option('--memory-mb <n>', 'memory per sandbox', '512')
    .option('--sandbox-prefix <prefix>', 'sandbox container names start with this')
    .option('--health-port <port>', 'serve GET /health on this port')
    .option('--heartbeat-ttl-ms <ms>', 'how long a silent worker counts as alive')
    .option('--lock-duration-ms <ms>', "job lock; a killed worker's job is redelivered after it")
    .option('--shutdown-deadline-ms <ms>', 'on SIGTERM, time running jobs get to finish')
    .addOption(
      new Option('--log-format <format>', 'log lines')
        .choices(['pretty', 'json'])
        .default(process.stdout.isTTY ? 'pretty' : 'json'),
    )
    .option('--log-level <level>', 'pino level', 'info')
    .action(async (options: WorkerCommandOptions) => {
      const logger = createLogger(options);
      const tools =
        options.tools === 'none' ? [] : (options.tools.split(',').filter(Boolean) as BuiltInTool[]);
      const extraTools: Action[] = await loadToolModules(options.moduleTool);
      const runner = await createWorkerRunner({
        tools,
        extraTools,
        threadTools: options.threadTool.map((module) => ({ module })),
        sandbox: {
          runtime: options.runtime,
          poolSize: Number(options.poolSize),
          maxSessions: Number(options.maxSessions),
          memoryMb: Number(options.memoryMb),
          ...(options.sandboxPrefix === undefined ? {} : { namePrefix: options.sandboxPrefix }),
          onError: (error) => logger.warn({ error: String(error) }, 'sandbox pool'),
        },
      });
      const worker = await ToolWorker.start({
        runner,
        logger,
        handleExitSignals: true,
        concurrency: Number(options.concurrency),
        ...(options.redisUrl === undefined ? {} : { redisUrl: options.redisUrl }),
        ...(options.queue === undefined ? {} : { queueName: options.queue }),
        ...(options.healthPort === undefined ? {} : { healthPort: Number(options.healthPort) }),
        ...(optional(options.heartbeatTtlMs) === undefined
          ? {}
          : { heartbeatTtlMs: Number(options.heartbeatTtlMs) }),
        ...(optional(options.lockDurationMs) === undefined
          ? {}
          : { lockDurationMs: Number(options.lockDurationMs) }),
        ...(optional(options.shutdownDeadlineMs) === undefined
          ? {}
          : { shutdownDeadlineMs: Number(options.shutdownDeadlineMs) }),
      });
      logger.info(
        { workerId: worker.id, tools: [...runner.executor.keys()], health: worker.healthUrl },
        'ready',
      );
    });
}
