// The eval runner without Docker: itemResult maps a job result to a results-file line, and
// runEval drives a fake job backend (only submit and wait) with at most `concurrency` jobs in
// flight, reporting each item as it ends and a summary at the end.
import { describe, expect, test } from 'vitest';
import type { Execution } from '../../../../core/index.ts';
import { InvalidArgumentError } from '../../../../core/index.ts';
import type { EvalItem } from '../../../../workers/eval/eval-dataset.ts';
import type { EvalItemResult } from '../../../../workers/eval/eval-runner.ts';
import {
  DEFAULT_EVAL_MAX_OUTPUT_BYTES,
  EVAL_JOB_MAX_CODE_BYTES,
  itemResult,
  runEval,
} from '../../../../workers/eval/eval-runner.ts';
import { MAX_BATCH_PROGRAMS } from '../../../../workers/queue/job-schema.ts';
import type {
  JobBackend,
  SubmitOptions,
  WaitOptions,
} from '../../../../workers/queue/job-backend.ts';
import type { JobRequest, JobResult } from '../../../../workers/queue/job-schema.ts';

const item: EvalItem = { id: 'demo/1', program: 'assert True\n', format: 'humaneval' };

function execution(overrides: Partial<Execution> = {}): Execution {
  return {
    results: [],
    logs: { stdout: [], stderr: [] },
    error: null,
    executionCount: null,
    ...overrides,
  };
}

function completed(overrides: Partial<Execution> = {}): JobResult {
  return { jobId: 'j', status: 'completed', workerId: 'w', execution: execution(overrides) };
}

describe('itemResult', () => {
  test('a completed job whose program raised nothing passed', () => {
    expect(itemResult({ item, result: completed(), timeMs: 12.34 })).toEqual({
      id: 'demo/1',
      passed: true,
      status: 'completed',
      error: null,
      timeMs: 12.3,
    });
  });

  test("a completed job whose program raised fails with the exception's name", () => {
    const result = completed({
      error: { name: 'AssertionError', value: '', traceback: 'Traceback ...' },
    });
    expect(itemResult({ item: { ...item, expected: 'failed' }, result, timeMs: 1_234.56 })).toEqual(
      {
        id: 'demo/1',
        passed: false,
        status: 'completed',
        error: 'AssertionError',
        timeMs: 1_234.6,
        expected: 'failed',
      },
    );
  });

  test('a program stopped at its deadline fails as TimeoutError, even without an error', () => {
    const killed = itemResult({ item, result: completed({ timedOut: 'killed' }), timeMs: 1 });
    expect(killed).toMatchObject({ passed: false, status: 'completed', error: 'TimeoutError' });
    const named = completed({
      timedOut: 'killed',
      error: { name: 'TimeoutError', value: 'ran too long', traceback: '' },
    });
    expect(itemResult({ item, result: named, timeMs: 1 }).error).toBe('TimeoutError');
  });

  test('a job that did not complete fails with its status, whatever its execution says', () => {
    for (const status of ['timed-out', 'cancelled', 'worker-lost', 'expired'] as const) {
      const result: JobResult = { jobId: 'j', status, workerId: null };
      expect(itemResult({ item, result, timeMs: 3_000 })).toEqual({
        id: 'demo/1',
        passed: false,
        status,
        error: status,
        timeMs: 3_000,
      });
    }
    const timedOut: JobResult = { ...completed(), status: 'timed-out' };
    expect(itemResult({ item, result: timedOut, timeMs: 1 })).toMatchObject({
      passed: false,
      error: 'timed-out',
    });
  });

  test('a completed job without an execution does not pass', () => {
    const result: JobResult = { jobId: 'j', status: 'completed', workerId: 'w' };
    expect(itemResult({ item, result, timeMs: 1 })).toMatchObject({
      passed: false,
      error: 'NoExecution',
    });
  });

  test('expected is copied only when the item has one', () => {
    expect(itemResult({ item, result: completed(), timeMs: 1 })).not.toHaveProperty('expected');
    expect(
      itemResult({ item: { ...item, expected: 'crash' }, result: completed(), timeMs: 1 }).expected,
    ).toBe('crash');
  });
});

/**
 * A JobBackend with only submit and wait. Each job "runs" for a few macrotask turns (so jobs
 * end out of order), then its result says whether the program raised: programs containing
 * `fail` raise an AssertionError.
 */
class FakeJobs {
  readonly requests: JobRequest[] = [];
  readonly signals: (AbortSignal | undefined)[] = [];
  inFlight = 0;
  maxInFlight = 0;
  #nextId = 0;
  readonly #programs = new Map<string, string[]>();

  asBackend(): JobBackend {
    return this as unknown as JobBackend;
  }

  submit({ request, signal }: SubmitOptions): Promise<string> {
    const jobId = `job-${this.#nextId++}`;
    this.requests.push(request);
    this.signals.push(signal);
    this.#programs.set(
      jobId,
      request.kind === 'run-code'
        ? [request.code]
        : request.kind === 'run-batch'
          ? request.programs
          : [],
    );
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return Promise.resolve(jobId);
  }

  async wait({ jobId }: WaitOptions): Promise<JobResult> {
    const index = Number(jobId.slice('job-'.length));
    // 0 to 4 turns of the event loop: later jobs often end before earlier ones.
    for (let turn = 0; turn < (index * 7) % 5; turn += 1)
      await new Promise<void>((resolve) => setImmediate(resolve));
    this.inFlight -= 1;
    const programs = this.#programs.get(jobId) ?? [];
    const request = this.requests[index];
    // A job holding a `lost` program is lost with all its programs (its worker died).
    if (programs.some((program) => program.includes('lost')))
      return { jobId, status: 'worker-lost', workerId: null };
    const ran = programs.map((program) =>
      execution(
        program.includes('fail')
          ? { error: { name: 'AssertionError', value: '', traceback: '' } }
          : {},
      ),
    );
    return request?.kind === 'run-batch'
      ? { jobId, status: 'completed', workerId: 'fake', executions: ran }
      : { jobId, status: 'completed', workerId: 'fake', execution: ran[0] as Execution };
  }
}

function items(count: number): EvalItem[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `task/${index}`,
    // Every third program fails.
    program: index % 3 === 0 ? `assert False  # fail ${index}\n` : `assert True  # ${index}\n`,
    format: 'mbpp' as const,
  }));
}

describe('runEval', () => {
  test.each([1, 3, 8])(
    'never has more than %i jobs in flight, runs each item once, and sums up',
    async (concurrency) => {
      const fake = new FakeJobs();
      const dataset = items(20);
      const seen: EvalItemResult[] = [];
      const summary = await runEval({
        jobs: fake.asBackend(),
        items: dataset,
        timeoutMs: 1_500,
        concurrency,
        programsPerJob: 1,
        onResult: (result) => {
          seen.push(result);
        },
      });
      expect(fake.maxInFlight).toBe(concurrency);
      expect(fake.inFlight).toBe(0);
      // Each program once, as a fresh run-code job with the eval's timeout and output limit.
      expect(fake.requests).toEqual(
        dataset.map((entry) => ({
          kind: 'run-code',
          code: entry.program,
          fresh: true,
          timeoutMs: 1_500,
          maxOutputBytes: DEFAULT_EVAL_MAX_OUTPUT_BYTES,
        })),
      );
      expect(seen.map((result) => result.id).sort()).toEqual(
        dataset.map((entry) => entry.id).sort(),
      );
      const failing = dataset.filter((entry) => entry.program.includes('fail')).length;
      for (const result of seen) {
        const expectedPass = !dataset
          .find((entry) => entry.id === result.id)
          ?.program.includes('fail');
        expect(result).toMatchObject({
          passed: expectedPass,
          status: 'completed',
          error: expectedPass ? null : 'AssertionError',
        });
      }
      expect(summary).toMatchObject({
        total: 20,
        passed: 20 - failing,
        failed: failing,
        passAt1: (20 - failing) / 20,
      });
      expect(summary.elapsedMs).toBeGreaterThanOrEqual(0);
    },
  );

  test('with room for all, results come in the order the jobs end, not the order of the items', async () => {
    const fake = new FakeJobs();
    const order: string[] = [];
    await runEval({
      jobs: fake.asBackend(),
      items: items(10),
      concurrency: 10,
      programsPerJob: 1,
      onResult: (result) => {
        order.push(result.id);
      },
    });
    expect(order).toHaveLength(10);
    expect(order).not.toEqual(items(10).map((entry) => entry.id));
    // Job 0 takes no turn of the event loop: it ends first.
    expect(order[0]).toBe('task/0');
  });

  test('reads an async iterable of items and waits for a slow onResult', async () => {
    const fake = new FakeJobs();
    async function* source(): AsyncGenerator<EvalItem> {
      for (const entry of items(7)) {
        await Promise.resolve();
        yield entry;
      }
    }
    let written = 0;
    const summary = await runEval({
      jobs: fake.asBackend(),
      items: source(),
      concurrency: 2,
      programsPerJob: 1,
      onResult: async () => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        written += 1;
      },
    });
    expect(written).toBe(7);
    expect(fake.maxInFlight).toBeLessThanOrEqual(2);
    expect(summary).toMatchObject({ total: 7, passed: 4, failed: 3 });
    expect(summary.passAt1).toBeCloseTo(4 / 7, 10);
  });

  test('passes its signal to every submission; an empty dataset is pass@1 0', async () => {
    const fake = new FakeJobs();
    const controller = new AbortController();
    await runEval({
      jobs: fake.asBackend(),
      items: items(3),
      signal: controller.signal,
      programsPerJob: 1,
      onResult: () => undefined,
    });
    expect(fake.signals).toEqual([controller.signal, controller.signal, controller.signal]);

    const empty = await runEval({
      jobs: new FakeJobs().asBackend(),
      items: [],
      onResult: () => {},
    });
    expect(empty).toMatchObject({ total: 0, passed: 0, failed: 0, passAt1: 0 });
  });
});

describe('runEval with several programs to a job', () => {
  test('packs the items in order into run-batch jobs and reports each program once', async () => {
    const fake = new FakeJobs();
    const dataset = items(20);
    const seen: EvalItemResult[] = [];
    const summary = await runEval({
      jobs: fake.asBackend(),
      items: dataset,
      timeoutMs: 2_000,
      concurrency: 2,
      programsPerJob: 8,
      maxOutputBytes: 100,
      onResult: (result) => {
        seen.push(result);
      },
    });
    expect(fake.requests).toEqual(
      [dataset.slice(0, 8), dataset.slice(8, 16), dataset.slice(16)].map((chunk) => ({
        kind: 'run-batch',
        programs: chunk.map((entry) => entry.program),
        timeoutMs: 2_000,
        maxOutputBytes: 100,
      })),
    );
    expect(fake.maxInFlight).toBe(2);
    expect(seen.map((result) => result.id).sort()).toEqual(dataset.map((entry) => entry.id).sort());
    for (const result of seen) {
      const failing = dataset.find((entry) => entry.id === result.id)?.program.includes('fail');
      expect(result).toMatchObject({
        passed: !failing,
        status: 'completed',
        error: failing ? 'AssertionError' : null,
      });
    }
    expect(summary).toMatchObject({ total: 20, passed: 13, failed: 7 });
  });

  test("a job that did not complete fails each of its programs with the job's status", async () => {
    const fake = new FakeJobs();
    const dataset = items(6);
    dataset[4] = { ...(dataset[4] as EvalItem), program: 'pass  # lost\n' };
    const seen = new Map<string, EvalItemResult>();
    const summary = await runEval({
      jobs: fake.asBackend(),
      items: dataset,
      programsPerJob: 3,
      onResult: (result) => {
        seen.set(result.id, result);
      },
    });
    // task/3..5 shared the lost job; task/0..2 ran (task/0 fails its assert).
    for (const id of ['task/3', 'task/4', 'task/5'])
      expect(seen.get(id)).toMatchObject({
        passed: false,
        status: 'worker-lost',
        error: 'worker-lost',
      });
    expect(seen.get('task/0')).toMatchObject({ passed: false, error: 'AssertionError' });
    expect(seen.get('task/1')).toMatchObject({ passed: true, error: null });
    expect(summary).toMatchObject({ total: 6, passed: 2, failed: 4 });
  });

  test('a job holds programs up to EVAL_JOB_MAX_CODE_BYTES together; a larger one goes alone', async () => {
    const fake = new FakeJobs();
    const big = (index: number): EvalItem => ({
      id: `big/${index}`,
      program: `assert True  # ${'x'.repeat(EVAL_JOB_MAX_CODE_BYTES / 2)}\n`,
      format: 'mbpp',
    });
    const huge: EvalItem = {
      id: 'huge',
      program: `# ${'y'.repeat(EVAL_JOB_MAX_CODE_BYTES)}\n`,
      format: 'mbpp',
    };
    await runEval({
      jobs: fake.asBackend(),
      items: [big(0), big(1), huge, ...items(2)],
      programsPerJob: 8,
      onResult: () => undefined,
    });
    const sizes = fake.requests.map((request) =>
      request.kind === 'run-batch' ? request.programs.length : -1,
    );
    // big/0 alone (big/1 would pass the bound), big/1 alone, huge alone, then the two small ones.
    expect(sizes).toEqual([1, 1, 1, 2]);
    const firsts = fake.requests.map(
      (request) => request.kind === 'run-batch' && request.programs[0],
    );
    expect(firsts.slice(0, 3)).toEqual([big(0).program, big(1).program, huge.program]);
  });

  test.each([
    { programsPerJob: 0 },
    { programsPerJob: 1.5 },
    { programsPerJob: MAX_BATCH_PROGRAMS + 1 },
    { maxOutputBytes: -1 },
    { maxOutputBytes: 0.5 },
    { maxOutputBytes: Number.NaN },
  ])('%o is refused', async (option) => {
    await expect(
      runEval({ jobs: new FakeJobs().asBackend(), items: items(1), ...option, onResult: () => {} }),
    ).rejects.toThrow(InvalidArgumentError);
  });
});
