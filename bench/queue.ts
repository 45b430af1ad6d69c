// The job queue, measured in one run against real Redis and `lagent worker` processes:
// - overhead per tool call through the queue over the direct ActionExecutor (p50/p99);
// - jobs per second on trivial Python with one and with two worker processes;
// - a burst of 10,000 jobs: every result accounted for, and the memory of Redis and workers.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { ActionExecutor, createAgentMessage } from '../core/index.ts';
import { tool as echoTool } from '../tests/fixtures/tools/echo-tool.ts';
import type { WorkerProcess } from '../tests/support/worker-process.ts';
import { startWorkerProcess } from '../tests/support/worker-process.ts';
import { purgeQueue } from '../workers/queue/purge-queue.ts';
import { createRedis } from '../workers/queue/redis-keys.ts';
import { RedisJobClient } from '../workers/queue/redis-job-client.ts';
import { createQueueExecutor } from '../workers/queue/remote-action.ts';
import { formatMs, sample, summarise } from './stats.ts';

const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const overheadCalls = Number(process.env['BENCH_QUEUE_CALLS'] ?? 1_000);
const throughputSeconds = Number(process.env['BENCH_THROUGHPUT_SECONDS'] ?? 10);
const burstJobs = Number(process.env['BENCH_BURST_JOBS'] ?? 10_000);

/** Busy and total CPU time of the whole machine so far (seconds), from /proc/stat. */
async function machineCpu(): Promise<{ busy: number; total: number }> {
  const fields = ((await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}

async function rssMb(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function redisMemoryMb(): Promise<number> {
  const redis = createRedis(redisUrl);
  try {
    return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0) / 2 ** 20;
  } finally {
    redis.disconnect();
  }
}

async function withWorkers<T>(
  count: number,
  extraArgs: readonly string[],
  use: (queueName: string, workers: WorkerProcess[]) => Promise<T>,
): Promise<T> {
  const queueName = `bench-${randomUUID().slice(0, 8)}`;
  const workers = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      startWorkerProcess({ queueName, namePrefix: `${queueName}-${index}`, extraArgs }),
    ),
  );
  try {
    return await use(queueName, workers);
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await purgeQueue({ redisUrl, queueName });
  }
}

async function benchOverhead(): Promise<void> {
  const message = createAgentMessage({
    sender: 'Agent',
    content: { name: 'Echo', parameters: { text: 'x' } },
  });
  const direct = new ActionExecutor({ actions: [echoTool] });
  const directSummary = summarise(
    await sample({ iterations: overheadCalls, operation: () => direct.call(message) }),
  );
  await withWorkers(1, ['--tools', 'none', '--concurrency', '4'], async (queueName) => {
    const client = await RedisJobClient.connect({ redisUrl, queueName });
    try {
      const queued = await createQueueExecutor({ client, tools: ['Echo'] });
      const queuedSummary = summarise(
        await sample({ iterations: overheadCalls, operation: () => queued.call(message) }),
      );
      console.log('\ntool call through the queue (Echo, one worker process, real Redis)');
      console.log(
        `  direct ActionExecutor.call : p50 ${formatMs(directSummary.p50Ms)}  p99 ${formatMs(directSummary.p99Ms)}`,
      );
      console.log(
        `  QueueExecutor.call         : p50 ${formatMs(queuedSummary.p50Ms)}  p99 ${formatMs(queuedSummary.p99Ms)}  (n=${queuedSummary.count})`,
      );
      const overhead = queuedSummary.p50Ms - directSummary.p50Ms;
      console.log(
        `  queue overhead             : p50 ${formatMs(overhead)}  p99 ${formatMs(queuedSummary.p99Ms - directSummary.p99Ms)}  (target < 3 ms at p50: ${overhead < 3 ? 'met' : 'MISSED'})`,
      );
    } finally {
      await client.close();
    }
  });
}

interface Throughput {
  jobsPerSecond: number;
  /** CPU time the whole machine spent per job (ms): kernels, drivers, workers, Redis, Docker. */
  cpuMsPerJob: number;
  /** Share of all cores busy during the run. */
  utilisation: number;
}

/** Closed-loop `print(1)` jobs, one session per worker, each worker taking one job at a time. */
async function jobsPerSecond(workerCount: number): Promise<Throughput> {
  return withWorkers(
    workerCount,
    ['--tools', 'none', '--concurrency', '1'],
    async (queueName, workers) => {
      const client = await RedisJobClient.connect({ redisUrl, queueName });
      try {
        // Open sessions until every worker owns one: the calls of a session stay on its worker.
        const sessions: string[] = [];
        const owners = new Set<string>();
        for (let index = 0; owners.size < workers.length && index < 50; index += 1) {
          const sessionId = `s${index}`;
          const first = await client.wait({
            jobId: await client.submit({
              request: { kind: 'run-code', code: 'print(1)', sessionId },
            }),
          });
          if (first.workerId && !owners.has(first.workerId)) {
            owners.add(first.workerId);
            sessions.push(sessionId);
          }
        }
        const before = await machineCpu();
        const until = performance.now() + throughputSeconds * 1000;
        const counts = await Promise.all(
          sessions.map(async (sessionId) => {
            let count = 0;
            while (performance.now() < until) {
              await client.wait({
                jobId: await client.submit({
                  request: { kind: 'run-code', code: 'print(1)', sessionId },
                }),
              });
              count += 1;
            }
            return count;
          }),
        );
        const after = await machineCpu();
        const jobs = counts.reduce((sum, count) => sum + count, 0);
        return {
          jobsPerSecond: jobs / throughputSeconds,
          cpuMsPerJob: ((after.busy - before.busy) * 1000) / jobs,
          utilisation: (after.busy - before.busy) / (after.total - before.total),
        };
      } finally {
        await client.close();
      }
    },
  );
}

async function benchScaling(): Promise<void> {
  const one = await jobsPerSecond(1);
  const two = await jobsPerSecond(2);
  console.log('\ntrivial Python (print(1) in a session), workers taking one job at a time');
  const describe = (run: Throughput) =>
    `${run.jobsPerSecond.toFixed(0)} jobs/s, ${run.cpuMsPerJob.toFixed(2)} ms of machine CPU per job, cores ${(run.utilisation * 100).toFixed(0)}% busy`;
  const ratio = two.jobsPerSecond / one.jobsPerSecond;
  console.log(`  1 worker process  : ${describe(one)}`);
  console.log(`  2 worker processes: ${describe(two)}`);
  console.log(
    `  two / one: ${ratio.toFixed(2)}x (target >= 1.6x: ${ratio >= 1.6 ? 'met' : 'MISSED'})`,
  );
  // With every core busy, no number of workers can do more than cores / CPU per job.
  const ceiling = (cpus().length * 1000) / two.cpuMsPerJob;
  console.log(
    `  this machine's ceiling: ${cpus().length} cores / ${two.cpuMsPerJob.toFixed(2)} ms = ${ceiling.toFixed(0)} jobs/s, ${(ceiling / one.jobsPerSecond).toFixed(2)}x one worker`,
  );
}

async function benchBurst(): Promise<void> {
  await withWorkers(2, ['--tools', 'none', '--concurrency', '16'], async (queueName, workers) => {
    const client = await RedisJobClient.connect({
      redisUrl,
      queueName,
      maxQueueLength: burstJobs * 2,
    });
    try {
      const redisBefore = await redisMemoryMb();
      const start = performance.now();
      const jobIds = await Promise.all(
        Array.from({ length: burstJobs }, (_, index) =>
          client.submit({
            request: {
              kind: 'tool-call',
              call: { name: 'Echo', parameters: { text: `job ${index}` } },
            },
          }),
        ),
      );
      const submittedMs = performance.now() - start;
      const redisPeak = await redisMemoryMb();
      const results = await Promise.all(jobIds.map((jobId) => client.wait({ jobId })));
      const totalMs = performance.now() - start;
      const completed = results.filter(
        (result, index) =>
          result.status === 'completed' &&
          result.actionReturn?.result?.[0]?.content === `job ${index}`,
      ).length;
      const workerMb = await Promise.all(workers.map((worker) => rssMb(worker.child.pid)));
      console.log(`\nburst of ${burstJobs} Echo jobs, 2 worker processes (concurrency 16 each)`);
      console.log(
        `  submitted in ${(submittedMs / 1000).toFixed(2)} s; all done in ${(totalMs / 1000).toFixed(2)} s (${(burstJobs / (totalMs / 1000)).toFixed(0)} jobs/s)`,
      );
      console.log(
        `  results accounted for: ${completed} of ${burstJobs} completed with their own answer; ${new Set(results.map((result) => result.jobId)).size} distinct ids`,
      );
      console.log(
        `  Redis used_memory: ${redisBefore.toFixed(1)} MB before, ${redisPeak.toFixed(1)} MB with the burst queued, ${(await redisMemoryMb()).toFixed(1)} MB after`,
      );
      console.log(`  worker RSS: ${workerMb.map((mb) => `${mb.toFixed(0)} MB`).join(', ')}`);
    } finally {
      await client.close();
    }
  });
}

export async function benchQueue(): Promise<void> {
  await benchOverhead();
  await benchScaling();
  await benchBurst();
}
