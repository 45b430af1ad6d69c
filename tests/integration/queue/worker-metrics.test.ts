// Job metrics where jobs run, on real Redis and Docker: a ToolWorker's GET /metrics on its
// health port (scraped over HTTP), the embedded backend's registry, and the `lagent worker`
// CLI's health port. Every ended job is counted once, with its final status.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { expect, test } from 'vitest';
import { EmbeddedJobBackend } from '../../../workers/queue/embedded-job-backend.ts';
import type { JobBackend } from '../../../workers/queue/job-backend.ts';
import { purgeQueue } from '../../../workers/queue/purge-queue.ts';
import { RedisJobClient } from '../../../workers/queue/redis-job-client.ts';
import { ToolWorker } from '../../../workers/queue/tool-worker.ts';
import { createWorkerRunner } from '../../../workers/queue/worker-runner.ts';
import { tool as echoTool } from '../../fixtures/tools/echo-tool.ts';
import { startTestJobs } from '../../support/job-backend-fixture.ts';
import { redisUrl, requireDocker, requireRedis } from '../../support/services.ts';
import { startWorkerProcess } from '../../support/worker-process.ts';

/** Deadline for anything a loaded 2-core machine (gVisor too) should still manage. */
const SETTLE_TIMEOUT_MS = 90_000;

const SLEEPING = { kind: 'run-code', code: 'import time\ntime.sleep(60)' } as const;

/**
 * Prometheus text format: `name{label="value",...}` (labels sorted) to its value. Enough for
 * what prom-client writes (no timestamps; label values here have no escapes).
 */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match) continue;
    const [, name = '', labelText = '', value = ''] = match;
    const labels = [...labelText.matchAll(/(\w+)="([^"]*)"/g)]
      .map(([, label = '', labelValue = '']) => `${label}="${labelValue}"`)
      .sort();
    samples.set(`${name}{${labels.join(',')}}`, Number(value));
  }
  return samples;
}

/** The samples of one metric name, keyed by their labels only. */
function series(samples: Map<string, number>, name: string): Record<string, number> {
  return Object.fromEntries(
    [...samples]
      .filter(([key]) => key.startsWith(`${name}{`))
      .map(([key, value]) => [key.slice(name.length), value]),
  );
}

/** Scrapes a worker's /metrics over HTTP. */
async function scrape(healthUrl: string): Promise<{ contentType: string; text: string }> {
  const response = await fetch(new URL('/metrics', healthUrl));
  expect(response.status).toBe(200);
  return { contentType: response.headers.get('content-type') ?? '', text: await response.text() };
}

/** Resolves once the job has started running (its `started` event). */
async function started(jobs: JobBackend, jobId: string): Promise<void> {
  for await (const event of jobs.events({ jobId })) if (event.type === 'started') return;
  throw new Error(`job ${jobId} ended without starting`);
}

/** Runs, one at a time, the jobs both backends count the same way. */
async function runCommonJobs(jobs: JobBackend): Promise<string[]> {
  const ok = await jobs.submit({ request: { kind: 'run-code', code: 'print(1)' } });
  expect((await jobs.wait({ jobId: ok })).status).toBe('completed');
  // A failure of the user's code is a completed job.
  const failing = await jobs.submit({ request: { kind: 'run-code', code: '1/0' } });
  const failed = await jobs.wait({ jobId: failing });
  expect(failed.status).toBe('completed');
  expect(failed.execution?.error?.name).toBe('ZeroDivisionError');
  const echo = await jobs.submit({
    request: { kind: 'tool-call', call: { name: 'Echo', parameters: { text: 'hi' } } },
  });
  expect((await jobs.wait({ jobId: echo })).status).toBe('completed');
  // Cancelled and timed out while running, so their run is this worker's to count.
  const cancelled = await jobs.submit({ request: SLEEPING });
  await started(jobs, cancelled);
  expect(await jobs.cancel({ jobId: cancelled })).toBe(true);
  expect((await jobs.wait({ jobId: cancelled })).status).toBe('cancelled');
  const timedOut = await jobs.submit({ request: SLEEPING });
  await started(jobs, timedOut);
  expect((await jobs.wait({ jobId: timedOut, timeoutMs: 1_000 })).status).toBe('timed-out');
  return [ok, failing, echo, cancelled, timedOut];
}

test('a worker counts each job it ended on GET /metrics of its health port', async () => {
  await requireRedis();
  await requireDocker();
  const queueName = `test-${randomUUID().slice(0, 8)}`;
  const runner = await createWorkerRunner({
    sandbox: { namePrefix: queueName, poolSize: 1, handleExitSignals: false, removeOrphans: false },
    extraTools: [echoTool],
  });
  const redis = new Redis(redisUrl().href);
  const queue = new Queue(queueName, { connection: { url: redisUrl().href } });
  let client: RedisJobClient | undefined;
  let worker: ToolWorker | undefined;
  try {
    client = await RedisJobClient.connect({ queueName, livenessIntervalMs: 500 });
    // Submitted before any worker, with a deadline (Redis time) passed before one starts.
    const expired = await client.submit({
      request: { kind: 'run-code', code: 'print("never")' },
      deadlineMs: 1,
    });
    const redisNowMs = async () => {
      const [seconds, micros] = await redis.time();
      return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    };
    const submittedBy = await redisNowMs();
    await expect.poll(redisNowMs, { interval: 1 }).toBeGreaterThan(submittedBy + 1);
    worker = await ToolWorker.start({
      runner,
      queueName,
      concurrency: 2,
      leaseMs: 10_000,
      healthPort: 0,
    });
    const healthUrl = worker.healthUrl ?? '';
    expect(healthUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/health$/);
    expect((await client.wait({ jobId: expired })).status).toBe('expired');
    const jobIds = [expired, ...(await runCommonJobs(client))];
    // Every delivery done with (its BullMQ job completed or failed): all counting is done.
    await expect
      .poll(() => Promise.all(jobIds.map((jobId) => queue.getJobState(jobId))), {
        timeout: SETTLE_TIMEOUT_MS,
        interval: 100,
      })
      .toSatisfy((states: string[]) =>
        states.every((state) => /^(unknown|completed|failed)$/.test(state)),
      );
    const { contentType, text } = await scrape(healthUrl);
    expect(contentType).toBe(worker.metrics.registry.contentType);
    const samples = parseMetrics(text);
    expect(series(samples, 'lagent_jobs_total')).toEqual({
      '{kind="run-code",status="completed"}': 2,
      '{kind="tool-call",status="completed"}': 1,
      '{kind="run-code",status="cancelled"}': 1,
      '{kind="run-code",status="timed-out"}': 1,
      '{kind="run-code",status="expired"}': 1,
    });
    // Runs only: the expired job never ran.
    expect(series(samples, 'lagent_job_run_seconds_count')).toEqual({
      '{kind="run-code",status="completed"}': 2,
      '{kind="tool-call",status="completed"}': 1,
      '{kind="run-code",status="cancelled"}': 1,
      '{kind="run-code",status="timed-out"}': 1,
    });
    expect(series(samples, 'lagent_job_queue_wait_seconds_count')).toEqual({
      '{kind="run-code"}': 4,
      '{kind="tool-call"}': 1,
    });
    expect(series(samples, 'lagent_jobs_running')).toEqual({
      '{kind="run-code"}': 0,
      '{kind="tool-call"}': 0,
    });
    expect(series(samples, 'lagent_worker_sessions')).toEqual({ '{}': 0 });
    expect(samples.get('lagent_worker_process_cpu_user_seconds_total{}')).toBeGreaterThan(0);
    // The health report is still there beside it.
    expect((await fetch(healthUrl)).status).toBe(200);
  } finally {
    await client?.close();
    if (worker) await worker.close({ deadlineMs: 5_000 });
    else await runner.close();
    await queue.close();
    redis.disconnect();
    await purgeQueue({ queueName });
  }
});

test('the embedded backend counts each job once, one cancelled before it started included', async () => {
  const setup = await startTestJobs({ mode: 'embedded', extraTools: [echoTool], concurrency: 1 });
  try {
    const jobs = setup.jobs;
    if (!(jobs instanceof EmbeddedJobBackend)) throw new Error('expected the embedded backend');
    await runCommonJobs(jobs);
    // One slot, held: a job cancelled while queued, and one whose deadline passes queued.
    const blocker = await jobs.submit({ request: SLEEPING });
    await started(jobs, blocker);
    const queued = await jobs.submit({ request: { kind: 'run-code', code: 'print("never")' } });
    const expired = await jobs.submit({
      request: { kind: 'tool-call', call: { name: 'Echo', parameters: { text: 'late' } } },
      deadlineMs: 1,
    });
    const submittedBy = Date.now();
    expect(await jobs.cancel({ jobId: queued })).toBe(true);
    await expect.poll(() => Date.now(), { interval: 1 }).toBeGreaterThan(submittedBy + 1);
    expect(await jobs.cancel({ jobId: blocker })).toBe(true);
    expect((await jobs.wait({ jobId: expired })).status).toBe('expired');
    expect((await jobs.wait({ jobId: queued })).status).toBe('cancelled');
    await jobs.drained();
    const samples = parseMetrics(await jobs.metrics.registry.metrics());
    expect(series(samples, 'lagent_jobs_total')).toEqual({
      '{kind="run-code",status="completed"}': 2,
      '{kind="tool-call",status="completed"}': 1,
      '{kind="run-code",status="cancelled"}': 3,
      '{kind="run-code",status="timed-out"}': 1,
      '{kind="tool-call",status="expired"}': 1,
    });
    // The job cancelled while queued and the expired one never ran.
    expect(series(samples, 'lagent_job_run_seconds_count')).toEqual({
      '{kind="run-code",status="completed"}': 2,
      '{kind="tool-call",status="completed"}': 1,
      '{kind="run-code",status="cancelled"}': 2,
      '{kind="run-code",status="timed-out"}': 1,
    });
    expect(series(samples, 'lagent_job_queue_wait_seconds_count')).toEqual({
      '{kind="run-code"}': 5,
      '{kind="tool-call"}': 1,
    });
    expect(series(samples, 'lagent_jobs_running')).toEqual({
      '{kind="run-code"}': 0,
      '{kind="tool-call"}': 0,
    });
    expect(series(samples, 'lagent_worker_sessions')).toEqual({ '{}': 0 });
    // The process hosting it exports its own process metrics.
    expect([...samples.keys()].some((key) => key.startsWith('lagent_worker_process_'))).toBe(false);
  } finally {
    await setup.close();
  }
});

test('the `lagent worker` CLI serves /metrics on its health port', async () => {
  await requireRedis();
  await requireDocker();
  const queueName = `test-${randomUUID().slice(0, 8)}`;
  const client = await RedisJobClient.connect({ queueName, livenessIntervalMs: 500 });
  const worker = await startWorkerProcess({ queueName, namePrefix: queueName }).catch(
    async (error: unknown) => {
      await client.close();
      await purgeQueue({ queueName });
      throw error;
    },
  );
  try {
    const jobId = await client.submit({
      request: { kind: 'tool-call', call: { name: 'Echo', parameters: { text: 'hi' } } },
    });
    expect((await client.wait({ jobId })).status).toBe('completed');
    // The worker counts right after storing the result the wait returned.
    await expect
      .poll(
        async () =>
          series(parseMetrics((await scrape(worker.healthUrl)).text), 'lagent_jobs_total'),
        { timeout: SETTLE_TIMEOUT_MS, interval: 100 },
      )
      .toEqual({ '{kind="tool-call",status="completed"}': 1 });
    const { contentType, text } = await scrape(worker.healthUrl);
    expect(contentType).toMatch(/^text\/plain/);
    expect(parseMetrics(text).get('lagent_worker_process_resident_memory_bytes{}')).toBeGreaterThan(
      0,
    );
  } finally {
    await client.close();
    await worker.stop();
    await purgeQueue({ queueName });
  }
});
