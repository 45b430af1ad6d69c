import type { Command } from 'commander';
import ipaddr from 'ipaddr.js';
import { Option } from 'commander';
import { InvalidArgumentError } from '../../core/index.ts';
import type { ContainerRuntime } from '../../sandboxes/index.ts';
import type { JobBackend } from '../queue/job-backend.ts';
import { connectJobs } from '../queue/job-client.ts';
import { ToolWorker } from '../queue/tool-worker.ts';
import type { WorkerRunnerOptions } from '../queue/worker-runner.ts';
import { createWorkerRunner } from '../queue/worker-runner.ts';
import { DEFAULT_SERVICE_HOST, DEFAULT_SERVICE_PORT, startService } from '../service/service.ts';
import type { TenantsConfig } from '../service/tenants.ts';
import { API_KEYS_ENV, loadTenantsConfig } from '../service/tenants.ts';
import { nonNegativeInteger } from './cli-options.ts';
import { createLogger } from './worker-command.ts';

interface ServeCommandOptions {
  host: string;
  port: number;
  redisUrl?: string;
  queue?: string;
  withWorker: boolean;
  runtime: ContainerRuntime;
  poolSize: number;
  sandboxPrefix?: string;
  logFormat: 'pretty' | 'json';
  logLevel: string;
  apiKeysFile?: string;
}

/** Session ids of the service share one scope: a session is the same from every client. */
export const SERVICE_SESSION_SCOPE = 'service';

const LOOPBACK_NAMES = new Set(['localhost', 'ip6-localhost']);

/** True for an address only this machine reaches (127/8, ::1, and IPv4-mapped 127/8). */
export function isLoopbackHost(host: string): boolean {
  if (LOOPBACK_NAMES.has(host)) return true;
  if (!ipaddr.isValid(host)) return false;
  return ipaddr.process(host).range() === 'loopback';
}

/**
 * Without API keys anyone who reaches the port may run code, so the service binds only
 * where this machine alone reaches it.
 */
export function checkServiceHost({
  host,
  tenants,
}: {
  host: string;
  tenants: TenantsConfig | undefined;
}): void {
  if (tenants === undefined && !isLoopbackHost(host)) {
    throw new InvalidArgumentError({
      message: `Refusing to serve on ${host} without API keys: anyone who reaches it could run code. Bind 127.0.0.1 (the default), or configure API keys.`,
    });
  }
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Serve the job API over HTTP (OpenAPI at /openapi.json)')
    .option('--host <host>', 'address to bind', DEFAULT_SERVICE_HOST)
    .option(
      '--port <port>',
      'port to bind (0: any free one)',
      nonNegativeInteger,
      DEFAULT_SERVICE_PORT,
    )
    .option(
      '--redis-url <url>',
      'submit to workers through this Redis (default: REDIS_URL; without one, jobs run in this process)',
    )
    .option('--queue <name>', 'queue name (default: LAGENT_QUEUE, else lagent)')
    .option('--with-worker', 'with Redis: run a worker in this process too', false)
    .addOption(
      new Option('--runtime <runtime>', 'container runtime of the sandboxes run here')
        .choices(['runc', 'runsc'])
        .default('runc'),
    )
    .option('--pool-size <n>', 'warm sandboxes kept ready here', nonNegativeInteger, 2)
    .option('--sandbox-prefix <prefix>', 'sandbox container names start with this')
    .addOption(
      new Option('--log-format <format>', 'log lines')
        .choices(['pretty', 'json'])
        .default(process.stdout.isTTY ? 'pretty' : 'json'),
    )
    .option('--log-level <level>', 'pino level', 'info')
    .option(
      '--api-keys-file <file>',
      `tenants, their hashed API keys and quotas, as JSON (default: ${API_KEYS_ENV}; see lagent api-key)`,
    )
    .action(async (options: ServeCommandOptions) => {
      const tenants = await loadTenantsConfig({ file: options.apiKeysFile });
      checkServiceHost({ host: options.host, tenants });
      const logger = createLogger({ ...options, name: 'lagent-serve' });
      const redisUrl = options.redisUrl ?? process.env['REDIS_URL'] ?? null;
      const runner: WorkerRunnerOptions = {
        sandbox: {
          runtime: options.runtime,
          poolSize: options.poolSize,
          ...(options.sandboxPrefix === undefined ? {} : { namePrefix: options.sandboxPrefix }),
        },
      };
      const jobs: JobBackend = await connectJobs({
        redisUrl,
        runner,
        sessionScope: SERVICE_SESSION_SCOPE,
        ...(options.queue === undefined ? {} : { queueName: options.queue }),
      });
      const worker =
        redisUrl && options.withWorker
          ? await ToolWorker.start({
              runner: await createWorkerRunner(runner),
              logger,
              redisUrl,
              ...(options.queue === undefined ? {} : { queueName: options.queue }),
            })
          : undefined;
      const service = await startService({
        jobs,
        host: options.host,
        port: options.port,
        logger: { level: options.logLevel },
        tenants,
        ...(worker ? { metricsRegistries: [worker.metrics.registry] } : {}),
      });
      logger.info(
        {
          url: service.url,
          backend: jobs.mode,
          worker: worker?.id ?? (jobs.mode === 'embedded' ? 'in this process' : 'none here'),
          openapi: `${service.url}/openapi.json`,
          dashboard: `${service.url}/ui/`,
        },
        tenants === undefined
          ? `serving on ${service.url}, this machine only (no API keys configured)`
          : `serving on ${service.url} for ${tenants.tenants.length} tenant(s); requests need an API key`,
      );
      const stop = (signal: NodeJS.Signals) => {
        logger.info({ signal }, 'stopping: no new requests; open streams get their grace');
        void (async () => {
          try {
            await service.close();
            await jobs.close();
            await worker?.close();
          } finally {
            process.exit(0);
          }
        })();
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
