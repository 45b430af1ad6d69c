// JobMetrics: what each method adds to its own registry, read back through prom-client, and
// the worker health server's GET /metrics over loopback HTTP.
import { register as globalRegistry } from 'prom-client';
import type { MetricValue } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { JobMetrics } from '../../../../workers/queue/job-metrics.ts';
import { startHealthServer } from '../../../../workers/queue/worker-health.ts';

/**
 * A metric's samples by `{label="value",...}` (labels sorted), prefixed with the sample's name
 * for a histogram's (`_bucket`, `_sum`, `_count`).
 */
async function samples(metrics: JobMetrics, name: string): Promise<Map<string, number>> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return new Map(values.map((value) => [key(value), value.value]));
}

/** Histograms name each sample (`_bucket`, `_sum`, `_count`); counters and gauges do not. */
function key({ metricName, labels }: MetricValue<string> & { metricName?: string }): string {
  const pairs = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, value]) => `${label}="${String(value)}"`);
  return `${metricName ?? ''}{${pairs.join(',')}}`;
}

describe('JobMetrics', () => {
  test('counts ended jobs by kind and status, in its own registry', async () => {
    const metrics = new JobMetrics({ processMetrics: false });
    metrics.observe({ kind: 'run-code', status: 'completed' });
    metrics.observe({ kind: 'run-code', status: 'completed' });
    metrics.observe({ kind: 'run-code', status: 'cancelled' });
    metrics.observe({ kind: 'tool-call', status: 'expired' });
    metrics.observe({ kind: 'unknown', status: 'failed' });
    expect(await samples(metrics, 'lagent_jobs_total')).toEqual(
      new Map([
        ['{kind="run-code",status="completed"}', 2],
        ['{kind="run-code",status="cancelled"}', 1],
        ['{kind="tool-call",status="expired"}', 1],
        ['{kind="unknown",status="failed"}', 1],
      ]),
    );
    // Unrun jobs have no durations.
    expect(await samples(metrics, 'lagent_job_queue_wait_seconds')).toEqual(new Map());
    expect(globalRegistry.getSingleMetric('lagent_jobs_total')).toBeUndefined();
    // Two instances in one process do not clash.
    expect(() => new JobMetrics()).not.toThrow();
  });

  test('a run observes its queue wait and its run time, in seconds', async () => {
    const metrics = new JobMetrics({ processMetrics: false });
    const run = metrics.runStarted({ kind: 'run-code', submittedAt: 1_000, startedAt: 1_250 });
    metrics.observeRun({ ...run, status: 'completed', endedAt: 4_250 });
    metrics.runEnded(run);
    const runs = await samples(metrics, 'lagent_job_run_seconds');
    expect(runs.get('lagent_job_run_seconds_count{kind="run-code",status="completed"}')).toBe(1);
    expect(runs.get('lagent_job_run_seconds_sum{kind="run-code",status="completed"}')).toBe(3);
    expect(
      runs.get('lagent_job_run_seconds_bucket{kind="run-code",le="2.5",status="completed"}'),
    ).toBe(0);
    expect(
      runs.get('lagent_job_run_seconds_bucket{kind="run-code",le="5",status="completed"}'),
    ).toBe(1);
    const waits = await samples(metrics, 'lagent_job_queue_wait_seconds');
    expect(waits.get('lagent_job_queue_wait_seconds_sum{kind="run-code"}')).toBe(0.25);
    expect(waits.get('lagent_job_queue_wait_seconds_bucket{kind="run-code",le="0.1"}')).toBe(0);
    expect(waits.get('lagent_job_queue_wait_seconds_bucket{kind="run-code",le="0.25"}')).toBe(1);
    // Buckets reach from 1 ms to 10 minutes.
    expect(waits.has('lagent_job_queue_wait_seconds_bucket{kind="run-code",le="0.001"}')).toBe(
      true,
    );
    expect(waits.has('lagent_job_queue_wait_seconds_bucket{kind="run-code",le="600"}')).toBe(true);
  });

  test('a submitter whose clock is ahead gives a queue wait of 0, not a negative one', async () => {
    const metrics = new JobMetrics({ processMetrics: false });
    const run = metrics.runStarted({ kind: 'tool-call', submittedAt: 5_000, startedAt: 4_000 });
    metrics.observeRun({ ...run, status: 'completed', endedAt: 4_010 });
    metrics.observe({ kind: 'tool-call', status: 'completed', queuedMs: -3, runMs: Number.NaN });
    const waits = await samples(metrics, 'lagent_job_queue_wait_seconds');
    expect(waits.get('lagent_job_queue_wait_seconds_count{kind="tool-call"}')).toBe(2);
    expect(waits.get('lagent_job_queue_wait_seconds_sum{kind="tool-call"}')).toBe(0);
    expect(waits.get('lagent_job_queue_wait_seconds_bucket{kind="tool-call",le="0.001"}')).toBe(2);
    // A run time that is not a number is left out; the job is still counted.
    const runs = await samples(metrics, 'lagent_job_run_seconds');
    expect(runs.get('lagent_job_run_seconds_count{kind="tool-call",status="completed"}')).toBe(1);
    expect(await samples(metrics, 'lagent_jobs_total')).toEqual(
      new Map([['{kind="tool-call",status="completed"}', 2]]),
    );
  });

  test('the running gauge follows starts and ends, per kind', async () => {
    const metrics = new JobMetrics({ processMetrics: false });
    const first = metrics.runStarted({ kind: 'run-code', submittedAt: Date.now() });
    const second = metrics.runStarted({ kind: 'run-code', submittedAt: Date.now() });
    const call = metrics.runStarted({ kind: 'tool-call', submittedAt: Date.now() });
    expect(await samples(metrics, 'lagent_jobs_running')).toEqual(
      new Map([
        ['{kind="run-code"}', 2],
        ['{kind="tool-call"}', 1],
      ]),
    );
    metrics.runEnded(first);
    metrics.runEnded(call);
    expect(await samples(metrics, 'lagent_jobs_running')).toEqual(
      new Map([
        ['{kind="run-code"}', 1],
        ['{kind="tool-call"}', 0],
      ]),
    );
    metrics.runEnded(second);
    expect((await samples(metrics, 'lagent_jobs_running')).get('{kind="run-code"}')).toBe(0);
  });

  test('sessions are read at each scrape; process metrics carry the worker prefix', async () => {
    let sessions = 3;
    const metrics = new JobMetrics({ sessions: () => sessions });
    expect(await samples(metrics, 'lagent_worker_sessions')).toEqual(new Map([['{}', 3]]));
    sessions = 5;
    expect(await samples(metrics, 'lagent_worker_sessions')).toEqual(new Map([['{}', 5]]));
    expect(
      metrics.registry.getSingleMetric('lagent_worker_process_cpu_user_seconds_total'),
    ).toBeDefined();
    const quiet = new JobMetrics({ processMetrics: false });
    expect(
      quiet.registry.getSingleMetric('lagent_worker_process_cpu_user_seconds_total'),
    ).toBeUndefined();
    expect(await samples(quiet, 'lagent_worker_sessions')).toEqual(new Map([['{}', 0]]));
  });
});

describe('worker health server', () => {
  test('GET /metrics serves the registry in its content type, next to GET /health', async () => {
    const metrics = new JobMetrics({ processMetrics: false });
    metrics.observe({ kind: 'run-code', status: 'timed-out' });
    const server = await startHealthServer({
      port: 0,
      report: () => ({ status: 'ok' }),
      metrics: metrics.registry,
    });
    try {
      const response = await fetch(new URL('/metrics', server.url));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(metrics.registry.contentType);
      expect(await response.text()).toContain(
        'lagent_jobs_total{kind="run-code",status="timed-out"} 1',
      );
      expect((await fetch(server.url)).status).toBe(200);
      expect((await fetch(new URL('/other', server.url))).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  test('without a registry, /metrics is not found', async () => {
    const server = await startHealthServer({ port: 0, report: () => ({ status: 'ok' }) });
    try {
      expect((await fetch(new URL('/metrics', server.url))).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
