// The HTTP service through real HTTP on 127.0.0.1, in front of both job backends (Redis with
// a BullMQ worker, and embedded), with jobs on real Docker sandboxes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../../core/index.ts';
import { tool as echoTool } from '../../fixtures/tools/echo-tool.ts';
import { BACKENDS } from '../../support/job-backend-fixture.ts';
import type { TestService } from '../../support/service-fixture.ts';
import { call, readEvents, startTestService } from '../../support/service-fixture.ts';

const runs = { count: 0 };
const countTool = defineTool({
  name: 'Count',
  description: 'Counts its runs.',
  parameters: z.object({}),
  execute: () => String((runs.count += 1)),
});

/** A call of `Gated` with a tag runs until the test opens that tag's gate. */
const gates = new Map<string, PromiseWithResolvers<void>>();
const gate = (tag: string) => {
  const entry = gates.get(tag) ?? Promise.withResolvers<void>();
  gates.set(tag, entry);
  return entry;
};
const gatedTool = defineTool({
  name: 'Gated',
  description: "Waits for the test's go.",
  parameters: z.object({ tag: z.string() }),
  execute: async ({ tag }) => {
    await gate(tag).promise;
    return `opened ${tag}`;
  },
});

const LONG_POLL_MS = 60_000;

interface Result {
  status: string;
  execution?: { results: { text?: string }[]; logs: { stdout: string[] }; error: unknown };
  actionReturn?: { result: { content: string }[] };
}

describe.each(BACKENDS)('service API (%s)', (mode) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ mode, extraTools: [echoTool, countTool, gatedTool] });
  });
  afterAll(async () => {
    for (const entry of gates.values()) entry.resolve();
    await t?.close();
  });

  const submit = async (request: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const answer = await call({
      url: t.url,
      method: 'POST',
      path: '/v1/jobs',
      body: { request, ...extra },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    return (answer.body as { jobId: string }).jobId;
  };
  const end0 = (stream: { events: { data: unknown }[] }) =>
    (stream.events.at(-1)?.data as { result: Result & { jobId: string } }).result;
  const ended = async (jobId: string): Promise<Result> => {
    const answer = await call({ url: t.url, path: `/v1/jobs/${jobId}?waitMs=${LONG_POLL_MS}` });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ jobId, state: 'ended' });
    return (answer.body as { result: Result }).result;
  };

  test('a job is submitted, long-polled to its end and read; the same id submitted again runs once', async () => {
    const jobId = await submit({ kind: 'run-code', code: 'print("hi")\n6 * 7' });
    const result = await ended(jobId);
    expect(result.status).toBe('completed');
    expect(result.execution?.logs.stdout.join('')).toBe('hi\n');
    expect(result.execution?.results[0]?.text).toBe('42');
    const again = await call({ url: t.url, path: `/v1/jobs/${jobId}` });
    expect((again.body as { result: unknown }).result).toEqual(result);

    const chosen = `count-${mode}-${Date.now()}`;
    const before = runs.count;
    const request = { kind: 'tool-call', call: { name: 'Count', parameters: {} } };
    expect(await submit(request, { jobId: chosen })).toBe(chosen);
    expect(await submit(request, { jobId: chosen })).toBe(chosen);
    const counted = await ended(chosen);
    expect(counted.actionReturn?.result[0]?.content).toBe(String(before + 1));
    expect(await submit(request, { jobId: chosen })).toBe(chosen);
    expect(await ended(chosen)).toEqual(counted);
    expect(runs.count).toBe(before + 1);
  });

  test('one request runs a tool call or code: the result as JSON, or its events as a stream', async () => {
    const called = await call({
      url: t.url,
      method: 'POST',
      path: '/v1/tool-calls',
      body: { name: 'Echo', parameters: { text: 'hello' }, id: 'call-1' },
    });
    expect(called.status).toBe(200);
    expect(called.body).toMatchObject({
      status: 'completed',
      actionReturn: { type: 'Echo', toolCallId: 'call-1', result: [{ content: 'hello' }] },
    });
    const unknown = await call({
      url: t.url,
      method: 'POST',
      path: '/v1/tool-calls',
      body: { name: 'NoSuchTool', parameters: {} },
    });
    expect(unknown.body).toMatchObject({ status: 'completed' });
    const refused = (unknown.body as { actionReturn: { errmsg: string | null } }).actionReturn;
    expect(refused.errmsg).toMatch(/NoSuchTool/);

    const streamed = await readEvents({
      url: t.url,
      post: { path: '/v1/run-code', body: { code: 'print("a", flush=True)\n6 * 7' } },
    });
    expect(streamed.endedByServer).toBe(true);
    expect(end0(streamed).jobId).toBe(streamed.headers.get('lagent-job-id'));
    const types = streamed.events.map(({ type }) => type);
    expect(types[0]).toBe('started');
    expect(types).toContain('stdout');
    expect(types.at(-1)).toBe('end');
    const end = { result: end0(streamed) };
    expect(end.result.execution?.results[0]?.text).toBe('42');

    // A client that leaves the stream stops its job.
    const left = await readEvents({
      url: t.url,
      post: {
        path: '/v1/run-code',
        body: { code: 'import time\nprint("start", flush=True)\ntime.sleep(600)' },
      },
      stopWhen: (events) => events.some(({ type }) => type === 'stdout'),
    });
    expect(left.endedByServer).toBe(false);
    const leftId = left.headers.get('lagent-job-id') ?? '';
    expect(leftId).not.toBe('');
    expect((await ended(leftId)).status).toBe('cancelled');
  });

  test('a long-poll that reaches waitMs answers where the job is, and the job goes on', async () => {
    const tag = `poll-${mode}`;
    const jobId = await submit({ kind: 'tool-call', call: { name: 'Gated', parameters: { tag } } });
    // The job cannot end before the gate opens, so this poll can only run out.
    const polled = await call({ url: t.url, path: `/v1/jobs/${jobId}?waitMs=200` });
    expect(polled.status).toBe(200);
    expect(['queued', 'running']).toContain((polled.body as { state: string }).state);
    expect(polled.body).not.toHaveProperty('result');
    gate(tag).resolve();
    const result = await ended(jobId);
    expect(result.status).toBe('completed');
    expect(result.actionReturn?.result[0]?.content).toBe(`opened ${tag}`);
  });

  test('waits on one job share its result: one that runs out leaves the others waiting', async () => {
    const tag = `shared-${mode}`;
    const jobId = await submit({ kind: 'tool-call', call: { name: 'Gated', parameters: { tag } } });
    const long = t.setup.jobs.awaitResult({ jobId, waitMs: LONG_POLL_MS });
    // The gate is closed: this one can only run out, and must not take the other's wait along.
    expect(await t.setup.jobs.awaitResult({ jobId, waitMs: 100 })).toBeNull();
    const polled = call({ url: t.url, path: `/v1/jobs/${jobId}?waitMs=${LONG_POLL_MS}` });
    gate(tag).resolve();
    const result = await long;
    expect(result?.status).toBe('completed');
    expect((await polled).body).toMatchObject({ state: 'ended', result });
  });

  test('events stream as SSE; a client that dropped its connection resumes after Last-Event-ID', async () => {
    const jobId = await submit({
      kind: 'run-code',
      code: 'import time\nfor i in range(3):\n    print(i, flush=True)\n    time.sleep(0.2)\n"done"',
    });
    // Dropped after the second event, as a client whose connection breaks.
    const first = await readEvents({
      url: t.url,
      jobId,
      stopWhen: (events) => events.length === 2,
    });
    expect(first.endedByServer).toBe(false);
    expect(first.events.map(({ id }) => id)).toEqual([0, 1]);
    expect(first.events[0]).toMatchObject({ type: 'started' });
    const rest = await readEvents({ url: t.url, jobId, lastEventId: 1 });
    expect(rest.endedByServer).toBe(true);
    const all = [...first.events, ...rest.events];
    expect(all.map(({ id }) => id)).toEqual(all.map((_, index) => index));
    const stdout = all
      .filter(({ type }) => type === 'stdout')
      .map(({ data }) => String(data['text']))
      .join('');
    expect(stdout).toBe('0\n1\n2\n');
    const last = all.at(-1);
    expect(last?.type).toBe('end');
    expect(last?.data['result']).toEqual(await ended(jobId));
    // A whole replay after the end: the same events again.
    const replay = await readEvents({ url: t.url, jobId });
    expect(replay.events).toEqual(all);
  });

  test('cancel interrupts a running job, which says so; the session keeps its state', async () => {
    const sessionId = `cancel-${mode}`;
    const jobId = await submit({
      kind: 'run-code',
      sessionId,
      code: 'import time\nkept = 7\nprint("start", flush=True)\ntime.sleep(600)',
    });
    await readEvents({
      url: t.url,
      jobId,
      stopWhen: (events) => events.some(({ type }) => type === 'stdout'),
    });
    const cancelled = await call({ url: t.url, method: 'POST', path: `/v1/jobs/${jobId}/cancel` });
    expect(cancelled).toMatchObject({ status: 200, body: { cancelled: true } });
    expect((await ended(jobId)).status).toBe('cancelled');
    const twice = await call({ url: t.url, method: 'POST', path: `/v1/jobs/${jobId}/cancel` });
    expect(twice).toMatchObject({ status: 200, body: { cancelled: false } });
    // Interrupted, not restarted: the session's next call still sees its variables.
    const next = await ended(await submit({ kind: 'run-code', sessionId, code: 'kept * 6' }));
    expect(next.execution?.results[0]?.text).toBe('42');
  });

  test('run-code answers with the result in one request', async () => {
    const answer = await call({
      url: t.url,
      method: 'POST',
      path: '/v1/run-code',
      body: { code: 'sum(range(10))' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: 'completed',
      execution: { results: [{ text: '45' }], error: null },
    });
    const failing = await call({
      url: t.url,
      method: 'POST',
      path: '/v1/run-code',
      body: { code: '1 / 0' },
    });
    // The code's failure is data, in a completed result.
    expect(failing.status).toBe(200);
    expect(failing.body).toMatchObject({
      status: 'completed',
      execution: { error: { name: 'ZeroDivisionError' } },
    });
  });

  test('tools, workers, liveness and readiness', async () => {
    const tools = await call({ url: t.url, path: '/v1/tools' });
    expect(tools.status).toBe(200);
    expect((tools.body as { name: string }[]).map(({ name }) => name)).toEqual(
      expect.arrayContaining(['IPythonInteractive', 'Echo', 'Count', 'Gated']),
    );
    const workers = await call({ url: t.url, path: '/v1/workers' });
    expect(workers.status).toBe(200);
    expect((workers.body as { workers: unknown[] }).workers).toHaveLength(1);
    expect(await call({ url: t.url, path: '/healthz' })).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
    expect(await call({ url: t.url, path: '/readyz' })).toMatchObject({
      status: 200,
      body: { status: 'ready', backend: mode, workers: 1 },
    });
    const failed = await call({ url: t.url, path: '/v1/failed-jobs?limit=5' });
    expect(failed.status).toBe(200);
    expect(Array.isArray(failed.body)).toBe(true);
  });

  test('metrics in Prometheus format: requests, submits, the queue and the workers', async () => {
    const scrape = async () => {
      const answer = await call({ url: t.url, path: '/metrics' });
      expect(answer.status).toBe(200);
      return String(answer.body);
    };
    const value = (text: string, series: string) => {
      const found = text.split('\n').find((row) => row.startsWith(`${series} `));
      return found === undefined ? 0 : Number(found.slice(series.length + 1));
    };
    const submitted = 'lagent_jobs_submitted_total{kind="tool-call"}';
    // Jobs that ended, counted where they ran: here for the embedded backend.
    const ran = 'lagent_jobs_total{kind="tool-call",status="completed"}';
    const first = await scrape();
    const before = value(first, submitted);
    const ranBefore = value(first, ran);
    const jobId = await submit({
      kind: 'tool-call',
      call: { name: 'Echo', parameters: { text: 'm' } },
    });
    await ended(jobId);
    const after = await scrape();
    expect(value(after, submitted)).toBe(before + 1);
    if (mode === 'embedded') expect(value(after, ran)).toBe(ranBefore + 1);
    expect(value(after, 'lagent_workers')).toBe(1);
    expect(value(after, 'lagent_queue_waiting_jobs')).toBe(0);
    expect(
      value(after, 'lagent_http_requests_total{method="POST",route="/v1/jobs",status="202"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(after).toContain(
      'lagent_http_request_duration_seconds_bucket{le="0.001",method="GET",route="/v1/jobs/:jobId"}',
    );
    expect(after).toContain('lagent_service_process_resident_memory_bytes');
  });
});
