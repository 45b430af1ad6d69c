// One fault scenario's world: its own Redis server, a TCP proxy between the workers and
// that Redis (so the workers' connection can be stalled and cut while the submitter's is
// not), `lagent worker` processes, a run counter mounted into their sandboxes, and a job
// client. It also checks what every scenario must leave behind: one answer per call, no job
// stranded, no container left.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { expect } from 'vitest';
import { safeParseJson } from '../../../core/index.ts';
import type { JobResult } from '../../../workers/queue/job-schema.ts';
import { RedisJobClient } from '../../../workers/queue/redis-job-client.ts';
import type { RedisJobClientOptions } from '../../../workers/queue/redis-job-client.ts';
import { redisKeys } from '../../../workers/queue/redis-keys.ts';
import { requireDocker } from '../../support/services.ts';
import type { WorkerProcess } from '../../support/worker-process.ts';
import { startWorkerProcess } from '../../support/worker-process.ts';
import type { RedisServer, RedisServerOptions } from './redis-server.ts';
import { startRedisServer } from './redis-server.ts';
import type { RunCounter } from './run-counter.ts';
import { startRunCounter } from './run-counter.ts';
import type { TcpProxy } from './tcp-proxy.ts';
import { startTcpProxy } from './tcp-proxy.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const fixture = (name: string) => join(root, 'tests', 'fixtures', 'tools', name);

/** The lease of the scenarios' workers: short, so faults show quickly, with room for load. */
export const FAULT_LEASE_MS = 6_000;
/** How often the scenarios' submitters check on the jobs they wait for. */
export const FAULT_LIVENESS_INTERVAL_MS = 500;

export interface FaultCluster {
  readonly queueName: string;
  readonly redis: RedisServer;
  /** Between the workers and Redis; the client talks to Redis directly. */
  readonly proxy: TcpProxy;
  readonly runs: RunCounter;
  readonly client: RedisJobClient;
  readonly workers: readonly WorkerProcess[];
  /** Starts a `lagent worker` through the proxy (or straight to Redis). */
  startWorker(options?: {
    extraArgs?: readonly string[];
    viaProxy?: boolean;
  }): Promise<WorkerProcess>;
  /** Every job submitted through `submitCode`, for `assertClean`. */
  readonly jobIds: string[];
  /** Submits Python as a run-code job (in a session when given) and records its id. */
  submitCode(code: string, sessionId?: string): Promise<string>;
  /** Resolves once `worker` holds a lease again, having lost one `times` times in all. */
  backAfter(worker: WorkerProcess, times: number): Promise<void>;
  /** How many results the results stream holds for a job: a job has exactly one. */
  answers(jobId: string): Promise<number>;
  /** Polls a worker's health endpoint. */
  health(worker: WorkerProcess): Promise<Record<string, unknown>>;
  /**
   * The end of every scenario: each job ended with exactly one answer, no queue holds a
   * waiting or running job, and once the workers are stopped no sandbox container is left.
   * @default jobIds: every job submitted through `submitCode`
   */
  assertClean(jobIds?: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultCluster({
  redis: redisOptions = {},
  client: clientOptions = {},
}: {
  redis?: RedisServerOptions;
  client?: Omit<RedisJobClientOptions, 'redisUrl' | 'queueName'>;
} = {}): Promise<FaultCluster> {
  await requireDocker();
  const docker = new Dockerode();
  const queueName = `fault-${randomUUID().slice(0, 8)}`;
  const redis = await startRedisServer(redisOptions);
  const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: redis.port } });
  const runs = await startRunCounter();
  const client = await RedisJobClient.connect({
    redisUrl: redis.url,
    queueName,
    livenessIntervalMs: FAULT_LIVENESS_INTERVAL_MS,
    ...clientOptions,
  });
  const workers: WorkerProcess[] = [];
  const jobIds: string[] = [];
  const prefix = `${queueName}-sbx`;
  const keys = redisKeys(queueName);

  const containers = async () =>
    (await docker.listContainers({ all: true })).filter((info) =>
      info.Names.some((name) => name.replace(/^\//, '').startsWith(prefix)),
    );

  const stopWorkers = async () => {
    await Promise.all(
      workers.map(async (worker) => {
        if (worker.child.exitCode === null && worker.child.signalCode === null)
          worker.child.kill('SIGTERM');
        await worker.exited;
      }),
    );
  };

  async function health(worker: WorkerProcess): Promise<Record<string, unknown>> {
    return (await (await fetch(worker.healthUrl)).json()) as Record<string, unknown>;
  }

  async function answers(jobId: string): Promise<number> {
    const entries = await redis.command('XRANGE', keys.results, '-', '+');
    return (entries as [string, string[]][]).filter(([, fields]) => {
      const parsed = safeParseJson(fields[1] ?? '');
      return parsed.success && (parsed.value as JobResult).jobId === jobId;
    }).length;
  }

  return {
    queueName,
    redis,
    proxy,
    runs,
    client,
    workers,
    jobIds,
    async submitCode(code, sessionId) {
      const jobId = await client.submit({
        request: { kind: 'run-code', code, ...(sessionId === undefined ? {} : { sessionId }) },
      });
      jobIds.push(jobId);
      return jobId;
    },
    async backAfter(worker, times) {
      await expect
        .poll(
          async () => {
            const report = await health(worker);
            return { status: report['status'], incarnations: report['incarnations'] };
          },
          { timeout: 90_000 },
        )
        .toEqual({ status: 'ok', incarnations: times });
    },
    async startWorker({ extraArgs = [], viaProxy = true } = {}) {
      const worker = await startWorkerProcess({
        queueName,
        namePrefix: `${prefix}-${workers.length}`,
        redisUrl: viaProxy ? proxy.url : redis.url,
        extraArgs: [
          '--lease-ms',
          String(FAULT_LEASE_MS),
          '--module-tool',
          fixture('sequence-tool.ts'),
          ...runs.workerArgs,
          ...extraArgs,
        ],
      });
      workers.push(worker);
      return worker;
    },
    answers,
    health,
    async assertClean(ids = jobIds) {
      for (const jobId of ids) {
        await expect
          .poll(async () => (await client.getJob({ jobId })).state, { timeout: 60_000 })
          .toBe('ended');
        expect(await answers(jobId), `answers of ${jobId}`).toBe(1);
      }
      // Dead workers are cleared by the live ones: no registered worker is left without a
      // lease (its own queue would be nobody's), and no queue holds a job.
      await expect
        .poll(
          async () => {
            const registered = (await redis.command('SMEMBERS', keys.workers)) as string[];
            const status = await client.queueStatus();
            return {
              unleased: registered.length - status.workers.length,
              jobs: status.waiting + status.active,
            };
          },
          { timeout: 90_000 },
        )
        .toEqual({ unleased: 0, jobs: 0 });
      await stopWorkers();
      // A container stops and is removed once its worker's attach stream closes.
      await expect.poll(async () => (await containers()).length, { timeout: 60_000 }).toBe(0);
    },
    async close() {
      try {
        await client.close();
        await Promise.all(workers.map((worker) => worker.stop()));
        await Promise.all(
          (await containers()).map((info) =>
            docker
              .getContainer(info.Id)
              .remove({ force: true })
              .catch(() => undefined),
          ),
        );
      } finally {
        await proxy.close();
        await redis.stop();
        await runs.close();
      }
    },
  };
}
