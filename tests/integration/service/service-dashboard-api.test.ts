// The routes the dashboard reads, through real HTTP on 127.0.0.1 in front of each backend:
// the recent-jobs list (filters, tenants), a job's request on its page, the live worker
// samples, and the dashboard's own page and script under their Content-Security-Policy.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ApiAnswer, TestService } from '../../support/service-fixture.ts';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { parseJson } from '../../../core/index.ts';
import { call, readEvents, startTestService } from '../../support/service-fixture.ts';
import { BACKENDS } from '../../support/job-backend-fixture.ts';
import { hashApiKey } from '../../../workers/service/tenants.ts';
import { DASHBOARD_CSP } from '../../../workers/dashboard/dashboard-routes.ts';

const KEYS = {
  alice: 'alice-dash-0123456789',
  bob: 'bob-dash-0123456789',
  tight: 'tight-dash-0123456789',
};
const TENANTS = {
  tenants: [
    { id: 'alice', keys: [hashApiKey(KEYS.alice)] },
    { id: 'bob', keys: [hashApiKey(KEYS.bob)] },
    { id: 'tight', keys: [hashApiKey(KEYS.tight)], quotas: { maxConcurrentJobs: 2 } },
  ],
};

interface BatchAnswer {
  batchId: string;
  name: string | null;
  total: number;
  submitted: number;
  ended: number;
  passed: number;
  failed: number;
  passRate: number | null;
  endedAt: number | null;
  jobs?: Listed[];
}

interface Listed {
  jobId: string;
  tenant: string | null;
  kind: string;
  state: string;
  status: string | null;
  title: string;
  sessionId: string | null;
  durationMs: number | null;
  failure: string | null;
}

describe.each(BACKENDS)('dashboard API (%s)', (mode) => {
  let t: TestService;
  const as = (key: string) => (options: { method?: string; path: string; body?: unknown }) =>
    call({ url: t.url, ...options, headers: { authorization: `Bearer ${key}` } });
  beforeAll(async () => {
    t = await startTestService({
      mode,
      client: { backoffMs: 10 },
      service: { tenants: TENANTS, dashboard: { sampleIntervalMs: 200 } },
    });
  }, 180_000);
  afterAll(async () => {
    await t?.close();
  });

  test('GET /v1/jobs lists the tenant’s own jobs, newest first, with state, status, duration and failure; filters apply', async () => {
    const alice = as(KEYS.alice);
    const bob = as(KEYS.bob);
    const ok = await alice({
      method: 'POST',
      path: '/v1/run-code',
      body: { code: '\n\nprint("fine")', sessionId: 'dash-s' },
    });
    expect(ok.status).toBe(200);
    const failed = await alice({ method: 'POST', path: '/v1/run-code', body: { code: '1/0' } });
    expect(failed.status).toBe(200);
    const bobs = await bob({ method: 'POST', path: '/v1/run-code', body: { code: 'x = 1' } });
    expect(bobs.status).toBe(200);

    const listed = (await alice({ path: '/v1/jobs' })) as ApiAnswer & { body: { jobs: Listed[] } };
    expect(listed.status).toBe(200);
    const jobs = listed.body.jobs;
    expect(jobs.map((job) => job.title)).toEqual(['1/0', 'print("fine")']);
    expect(jobs[0]).toMatchObject({
      tenant: 'alice',
      kind: 'run-code',
      state: 'ended',
      status: 'completed',
      failure: 'ZeroDivisionError: division by zero',
      sessionId: null,
    });
    expect(jobs[1]).toMatchObject({ state: 'ended', failure: null, sessionId: 'dash-s' });
    expect(jobs[1]?.durationMs).toBeGreaterThan(0);
    // Bob's job is not Alice's to see, and the ids carry no tenant prefix.
    expect(jobs.some((job) => job.jobId === (bobs.body as { jobId: string }).jobId)).toBe(false);
    expect(jobs.every((job) => !job.jobId.startsWith('alice.'))).toBe(true);

    const onlyFailed = (await alice({ path: '/v1/jobs?failed=true' })).body as { jobs: Listed[] };
    expect(onlyFailed.jobs.map((job) => job.title)).toEqual(['1/0']);
    const bySession = (await alice({ path: '/v1/jobs?sessionId=dash-s' })).body as {
      jobs: Listed[];
    };
    expect(bySession.jobs.map((job) => job.title)).toEqual(['print("fine")']);
    const toolCalls = (await alice({ path: '/v1/jobs?kind=tool-call' })).body as { jobs: Listed[] };
    expect(toolCalls.jobs).toEqual([]);
    const limited = (await alice({ path: '/v1/jobs?limit=1' })).body as { jobs: Listed[] };
    expect(limited.jobs).toHaveLength(1);
    expect((await alice({ path: '/v1/jobs?state=sleeping' })).status).toBe(400);
  });

  test('a job read by id carries its request as submitted (the tenant’s own session id)', async () => {
    const alice = as(KEYS.alice);
    const submitted = await alice({
      method: 'POST',
      path: '/v1/jobs',
      body: {
        jobId: 'dash-read',
        request: { kind: 'run-code', code: 'y = 2', sessionId: 'dash-s' },
      },
    });
    expect(submitted.status).toBe(202);
    const read = await alice({ path: '/v1/jobs/dash-read?waitMs=60000' });
    expect(read.body).toMatchObject({
      jobId: 'dash-read',
      state: 'ended',
      request: { kind: 'run-code', code: 'y = 2', sessionId: 'dash-s' },
    });
    expect(typeof (read.body as { submittedAt: unknown }).submittedAt).toBe('number');
    expect((await as(KEYS.bob)({ path: '/v1/jobs/dash-read' })).status).toBe(404);
  });

  test('GET /v1/job-events tells the caller of each of its own jobs: submitted, then ended', async () => {
    const controller = new AbortController();
    // The feed is subscribed before its headers are sent: once fetch answers, it listens.
    const response = await fetch(`${t.url}/v1/job-events`, {
      headers: { authorization: `Bearer ${KEYS.alice}` },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events: { type: string; data: Listed }[] = [];
    const reader = response.body
      ?.pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream())
      .getReader();
    try {
      const bobs = await as(KEYS.bob)({
        method: 'POST',
        path: '/v1/run-code',
        body: { code: 'b = 1' },
      });
      expect(bobs.status).toBe(200);
      const alices = await as(KEYS.alice)({
        method: 'POST',
        path: '/v1/jobs',
        body: { jobId: 'dash-feed', request: { kind: 'run-code', code: 'a = 1' } },
      });
      expect(alices.status).toBe(202);
      while (!events.some((event) => event.data.state === 'ended')) {
        const read = await reader?.read();
        if (!read || read.done) throw new Error('the feed ended');
        events.push({ type: read.value.event ?? '', data: parseJson(read.value.data) as Listed });
      }
    } finally {
      controller.abort();
    }
    // Only Alice's job, as she names it: queued, then ended with its status.
    expect(events.map((event) => [event.type, event.data.jobId, event.data.state])).toEqual([
      ['job', 'dash-feed', 'queued'],
      ['job', 'dash-feed', 'ended'],
    ]);
    expect(events[1]?.data).toMatchObject({ status: 'completed', failure: null, tenant: 'alice' });
  });

  test('GET /v1/workers/events sends the history, then samples with each live worker and its rate', async () => {
    const { events } = await readEvents({
      url: t.url,
      path: '/v1/workers/events',
      headers: { authorization: `Bearer ${KEYS.alice}` },
      // Two samples: the second has a rate for every worker seen in the first.
      stopWhen: (seen) => seen.filter((event) => event.type === 'status').length >= 2,
    });
    expect(events[0]?.type).toBe('history');
    expect(events[0]?.data).toMatchObject({ intervalMs: 200 });
    const second = events.filter((event) => event.type === 'status')[1]?.data as {
      workers: {
        workerId: string;
        status: string;
        jobsPerSecond: number | null;
        finished: number;
      }[];
      waiting: number;
    };
    expect(second.workers.length).toBeGreaterThanOrEqual(1);
    for (const worker of second.workers) {
      expect(worker.status).toBe('ok');
      expect(worker.jobsPerSecond).toBeGreaterThanOrEqual(0);
      // The jobs of the tests above ran on the workers.
      expect(worker.finished).toBeGreaterThan(0);
    }
    const unauthorised = await call({ url: t.url, path: '/v1/workers/events' });
    expect(unauthorised.status).toBe(401);
  });

  test('a batch: its requests queued as jobs, then its progress and pass rate; jobs join it by batchId', async () => {
    const alice = as(KEYS.alice);
    const fresh = (code: string) => ({ kind: 'run-code', code, fresh: true });
    const opened = await alice({
      method: 'POST',
      path: '/v1/batches',
      body: {
        batchId: 'dash-batch',
        name: 'three programs',
        total: 4,
        requests: [fresh('assert 1 + 1 == 2'), fresh('assert 1 + 1 == 3'), fresh('print(7)')],
      },
    });
    expect(opened.status).toBe(201);
    const { batch, jobIds } = opened.body as { batch: BatchAnswer; jobIds: string[] };
    expect(batch).toMatchObject({
      batchId: 'dash-batch',
      name: 'three programs',
      total: 4,
      submitted: 3,
    });
    expect(jobIds).toHaveLength(3);
    // The fourth joins through /v1/jobs.
    const joined = await alice({
      method: 'POST',
      path: '/v1/jobs',
      body: { request: fresh('raise SystemExit(3)'), batchId: 'dash-batch' },
    });
    expect(joined.status).toBe(202);
    for (const jobId of [...jobIds, (joined.body as { jobId: string }).jobId]) {
      const read = await alice({ path: `/v1/jobs/${jobId}?waitMs=60000` });
      expect(read.body).toMatchObject({ state: 'ended' });
    }
    // Each end is counted as the service's watch sees it: wait for the fourth.
    await expect
      .poll(
        async () => ((await alice({ path: '/v1/batches/dash-batch' })).body as BatchAnswer).ended,
        {
          timeout: 30_000,
          interval: 50,
        },
      )
      .toBe(4);
    const read = (await alice({ path: '/v1/batches/dash-batch' })).body as BatchAnswer;
    expect(read).toMatchObject({ total: 4, submitted: 4, passed: 2, failed: 2, passRate: 0.5 });
    expect(read.endedAt).toEqual(expect.any(Number));
    expect(read.jobs?.map((job) => job.failure).sort()).toEqual(
      ['AssertionError', 'SystemExit: 3', null, null].sort(),
    );
    const listed = (await alice({ path: '/v1/batches' })).body as { batches: BatchAnswer[] };
    expect(listed.batches.map((one) => one.batchId)).toContain('dash-batch');
    const inBatch = (await alice({ path: '/v1/jobs?batchId=dash-batch' })).body as {
      jobs: Listed[];
    };
    expect(inBatch.jobs).toHaveLength(4);

    // Another tenant's batch is not there.
    expect((await as(KEYS.bob)({ path: '/v1/batches/dash-batch' })).status).toBe(404);
    expect(
      ((await as(KEYS.bob)({ path: '/v1/batches' })).body as { batches: unknown[] }).batches,
    ).toEqual([]);
    // More requests than the quota's places: refused before anything is queued.
    const tight = as(KEYS.tight);
    const refused = await tight({
      method: 'POST',
      path: '/v1/batches',
      body: { batchId: 'too-big', requests: [fresh('1'), fresh('2'), fresh('3')] },
    });
    expect(refused.status).toBe(429);
    expect((await tight({ path: '/v1/jobs' })).body).toEqual({ jobs: [] });
    expect((await tight({ path: '/v1/batches/too-big' })).status).toBe(404);
  });

  test('the dashboard page, script and style are served under a strict CSP, without a key', async () => {
    const root = await fetch(`${t.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/ui/');
    const page = await fetch(`${t.url}/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).not.toContain('unsafe-inline');
    const text = await page.text();
    expect(text).toContain('<script type="module" src="app.js"></script>');
    expect(text).not.toMatch(/<script>/);
    const script = await fetch(`${t.url}/ui/app.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await script.text()).length).toBeGreaterThan(10_000);
    const style = await fetch(`${t.url}/ui/app.css`);
    expect(style.headers.get('content-type')).toMatch(/^text\/css/);
  });
});
