// The job API, the same on both backends: Redis with a BullMQ worker, and embedded in this
// process. Jobs run on real Docker sandboxes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { executionText, QueueFullError, ValidationError } from '../../../core/index.ts';
import {
  calls,
  latePlatformErrorTool,
  platformErrorTool,
  userErrorTool,
} from '../../fixtures/tools/flaky-tools.ts';
import { tool as echoTool } from '../../fixtures/tools/echo-tool.ts';
import type { TestJobs } from '../../support/job-backend-fixture.ts';
import { BACKENDS, JOB_API_BACKENDS, startTestJobs } from '../../support/job-backend-fixture.ts';

describe.each(JOB_API_BACKENDS)('job API (%s)', (mode) => {
  let setup: TestJobs;
  beforeAll(async () => {
    setup = await startTestJobs({
      mode,
      extraTools: [echoTool, userErrorTool, platformErrorTool, latePlatformErrorTool],
    });
  });
  afterAll(async () => {
    await setup?.close();
  });

  test('run-code jobs keep state per session; jobs without a session start fresh', async () => {
    const { jobs } = setup;
    const first = await jobs.submit({
      request: { kind: 'run-code', code: 'total = 40', sessionId: 'state' },
    });
    expect((await jobs.wait({ jobId: first })).status).toBe('completed');
    const second = await jobs.submit({
      request: { kind: 'run-code', code: 'total + 2', sessionId: 'state' },
    });
    const result = await jobs.wait({ jobId: second });
    expect(result.execution && executionText(result.execution)).toBe('42');
    const alone = await jobs.submit({
      request: { kind: 'run-code', code: '"total" in globals()' },
    });
    const fresh = await jobs.wait({ jobId: alone });
    expect(fresh.execution && executionText(fresh.execution)).toBe('False');
  });

  test('output streams to the submitter while the job runs', async () => {
    const { jobs } = setup;
    const jobId = await jobs.submit({
      request: {
        kind: 'run-code',
        code: 'import time\nprint("first", flush=True)\ntime.sleep(60)',
      },
    });
    const seen: string[] = [];
    let printed = '';
    for await (const event of jobs.events({ jobId })) {
      seen.push(event.type);
      if (event.type === 'stdout') printed += event.text;
      // The job is still sleeping: this output reached us while it ran.
      if (printed === 'first\n') break;
    }
    expect(seen[0]).toBe('started');
    expect(seen).not.toContain('end');
    await jobs.cancel({ jobId });
    const result = await jobs.wait({ jobId });
    expect(result.status).toBe('cancelled');
  });

  test('a failure of the code or of the tool is a completed result and is not retried', async () => {
    const { jobs } = setup;
    const before = calls.userError;
    const jobId = await jobs.submit({
      request: { kind: 'tool-call', call: { name: 'Broken', parameters: {} } },
    });
    const result = await jobs.wait({ jobId });
    expect(result.status).toBe('completed');
    expect(result.actionReturn?.errmsg).toBe('the tool failed');
    expect(calls.userError - before).toBe(1);
    const failing = await jobs.wait({
      jobId: await jobs.submit({ request: { kind: 'run-code', code: '1/0' } }),
    });
    expect(failing.status).toBe('completed');
    expect(failing.execution?.error?.name).toBe('ZeroDivisionError');
  });

  test('a poison job (a platform failure every time) is retried a bounded number of times and fails alone', async () => {
    const { jobs } = setup;
    const before = calls.platformError;
    const poison = await jobs.submit({
      request: { kind: 'tool-call', call: { name: 'Unavailable', parameters: {} } },
    });
    const healthy = await jobs.submit({
      request: { kind: 'tool-call', call: { name: 'Echo', parameters: { text: 'fine' } } },
    });
    const [failed, fine] = await Promise.all([
      jobs.wait({ jobId: poison }),
      jobs.wait({ jobId: healthy }),
    ]);
    expect(failed.status).toBe('failed');
    expect(failed.actionReturn?.errmsg).toContain('the engine is down');
    expect(calls.platformError - before).toBe(3);
    expect(fine.actionReturn?.result).toEqual([{ type: 'text', content: 'fine' }]);
    const listed = await jobs.listFailed();
    expect(listed.find((job) => job.jobId === poison)?.reason).toContain('the engine is down');
  });

  test('a platform failure after the job ended (its wait timed out) is not retried', async () => {
    const { jobs } = setup;
    const before = calls.latePlatformError;
    const jobId = await jobs.submit({
      request: {
        kind: 'tool-call',
        call: { name: 'LateUnavailable', parameters: { delayMs: 800 } },
      },
    });
    const ended = await jobs.wait({ jobId, timeoutMs: 200 });
    expect(ended.status).toBe('timed-out');
    // Once the backend is done with the job (its late failure seen, no retry queued), the
    // tool ran once.
    await setup.settled(jobId);
    expect(calls.latePlatformError - before).toBe(1);
    expect((await jobs.wait({ jobId })).status).toBe('timed-out');
  });

  test('a job id submitted twice runs once', async () => {
    const { jobs } = setup;
    const jobId = `once-${mode}-${Date.now()}`;
    const request = {
      kind: 'run-code' as const,
      code: 'runs = globals().get("runs", 0) + 1',
      sessionId: 'dedupe',
    };
    await jobs.submit({ request, jobId });
    await jobs.wait({ jobId });
    await jobs.submit({ request, jobId });
    expect((await jobs.wait({ jobId })).status).toBe('completed');
    const check = await jobs.wait({
      jobId: await jobs.submit({
        request: { kind: 'run-code', code: 'runs', sessionId: 'dedupe' },
      }),
    });
    expect(check.execution && executionText(check.execution)).toBe('1');
  });

  test('a wait past its deadline gives a timed-out result and cancels the job', async () => {
    const { jobs } = setup;
    const jobId = await jobs.submit({
      request: { kind: 'run-code', code: 'import time\ntime.sleep(60)', sessionId: 'slow' },
    });
    const result = await jobs.wait({ jobId, timeoutMs: 1_500 });
    expect(result.status).toBe('timed-out');
    expect(result.execution?.error?.name).toBe('TimeoutError');
    // The cancelled job interrupted the kernel: the session serves the next call.
    const next = await jobs.wait({
      jobId: await jobs.submit({
        request: { kind: 'run-code', code: '"free"', sessionId: 'slow' },
      }),
    });
    expect(next).toMatchObject({ status: 'completed' });
    expect(next.execution && executionText(next.execution)).toBe("'free'");
  });

  test('cancel stops a running job, and its result says so', async () => {
    const { jobs } = setup;
    const jobId = await jobs.submit({
      request: { kind: 'run-code', code: 'import time\ntime.sleep(60)' },
    });
    for await (const event of jobs.events({ jobId })) if (event.type === 'started') break;
    expect(await jobs.cancel({ jobId })).toBe(true);
    const result = await jobs.wait({ jobId });
    expect(result.status).toBe('cancelled');
    expect(await jobs.cancel({ jobId })).toBe(false);
  });

  test('a request that is not a job is refused at submit', async () => {
    const bad = { kind: 'run-code', code: 42 } as unknown as Parameters<
      TestJobs['jobs']['submit']
    >[0]['request'];
    await expect(setup.jobs.submit({ request: bad })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe.each(BACKENDS)('backpressure (%s)', (mode) => {
  test('a full queue pushes back with QueueFullError instead of growing', async () => {
    // Redis: no worker takes from this queue; embedded: one slot, held by a slow job.
    const setup = await startTestJobs({
      mode,
      withWorker: false,
      concurrency: 1,
      client: { maxQueueLength: 2 },
    });
    try {
      const slow = { kind: 'run-code' as const, code: 'import time\ntime.sleep(30)' };
      if (mode === 'embedded') await setup.jobs.submit({ request: slow });
      await setup.jobs.submit({ request: slow });
      await setup.jobs.submit({ request: slow });
      await expect(setup.jobs.submit({ request: slow })).rejects.toBeInstanceOf(QueueFullError);
    } finally {
      await setup.close();
    }
  });
});
