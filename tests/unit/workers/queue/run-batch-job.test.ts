// A run-batch job: many programs, each on fresh state (the provider's runFresh), answered with
// one Execution per program in order. The schema bounds it (1 to MAX_BATCH_PROGRAMS programs,
// within maxCodeBytes together, no session), and a batch that is cancelled or times out
// answers every program with that outcome.
import { describe, expect, test } from 'vitest';
import type { Execution, FreshRunOptions, SandboxProvider } from '../../../../core/index.ts';
import {
  ActionExecutor,
  AbortedError,
  DEFAULT_MAX_CODE_BYTES,
  RequestLimitError,
  ValidationError,
} from '../../../../core/index.ts';
import { JobRunner } from '../../../../workers/queue/job-runner.ts';
import {
  JobResultSchema,
  MAX_BATCH_PROGRAMS,
  parseJobRequest,
} from '../../../../workers/queue/job-schema.ts';
import type { JobEnvelope, JobRequest } from '../../../../workers/queue/job-schema.ts';

const ran = (code: string): Execution => ({
  results: [],
  logs: { stdout: [`ran ${code}\n`], stderr: [] },
  error: code.includes('raise')
    ? { name: 'ValueError', value: 'bad', traceback: 'Traceback ...' }
    : null,
  executionCount: null,
});

/** runFresh answers each program after a number of event-loop turns (later ones often first). */
function provider(): SandboxProvider & { fresh: FreshRunOptions[]; inFlight: number; max: number } {
  const made = {
    fresh: [] as FreshRunOptions[],
    inFlight: 0,
    max: 0,
    async runFresh(options: FreshRunOptions): Promise<Execution> {
      made.fresh.push(options);
      made.inFlight += 1;
      made.max = Math.max(made.max, made.inFlight);
      try {
        for (let turn = 0; turn < 5 - (made.fresh.length % 5); turn += 1) {
          if (options.signal?.aborted) throw new AbortedError({ message: 'aborted' });
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        if (options.code.includes('hang'))
          await new Promise<never>((_, reject) =>
            options.signal?.addEventListener('abort', () =>
              reject(new AbortedError({ message: 'aborted' })),
            ),
          );
        return ran(options.code);
      } finally {
        made.inFlight -= 1;
      }
    },
    create: () => Promise.reject(new Error('no sessions here')),
    list: () => [],
    close: () => Promise.resolve(),
  };
  return made;
}

const envelope = (request: JobRequest): JobEnvelope => ({
  request: parseJobRequest(request),
  submittedAt: Date.now(),
});

describe('run-batch requests', () => {
  test('1 to MAX_BATCH_PROGRAMS programs; language python by default', () => {
    expect(parseJobRequest({ kind: 'run-batch', programs: ['print(1)'] })).toEqual({
      kind: 'run-batch',
      programs: ['print(1)'],
      language: 'python',
    });
    expect(() => parseJobRequest({ kind: 'run-batch', programs: [] })).toThrow(ValidationError);
    const many = Array.from({ length: MAX_BATCH_PROGRAMS + 1 }, () => 'pass');
    expect(() => parseJobRequest({ kind: 'run-batch', programs: many })).toThrow(/programs/);
    expect(() => parseJobRequest({ kind: 'run-batch', programs: [1] })).toThrow(ValidationError);
  });

  test('a session is refused: fresh runs have none', () => {
    expect(() =>
      parseJobRequest({ kind: 'run-batch', programs: ['pass'], sessionId: 's' }),
    ).toThrow(/sessionId/);
  });

  test('maxOutputBytes: a whole number, 0 or more; on run-code only with fresh', () => {
    expect(
      parseJobRequest({ kind: 'run-batch', programs: ['pass'], maxOutputBytes: 4096 }),
    ).toMatchObject({ maxOutputBytes: 4096 });
    for (const bad of [-1, 1.5, '4096'])
      expect(() =>
        parseJobRequest({ kind: 'run-batch', programs: ['pass'], maxOutputBytes: bad }),
      ).toThrow(ValidationError);
    expect(
      parseJobRequest({ kind: 'run-code', code: 'pass', fresh: true, maxOutputBytes: 0 }),
    ).toMatchObject({ fresh: true, maxOutputBytes: 0 });
    expect(() => parseJobRequest({ kind: 'run-code', code: 'pass', maxOutputBytes: 4096 })).toThrow(
      /maxOutputBytes is for fresh runs/,
    );
    expect(() =>
      parseJobRequest({ kind: 'run-code', code: 'pass', sessionId: 's', maxOutputBytes: 1 }),
    ).toThrow(ValidationError);
  });

  test('the programs together are within maxCodeBytes', () => {
    const half = 'x'.repeat(DEFAULT_MAX_CODE_BYTES / 2);
    expect(() =>
      parseJobRequest({ kind: 'run-batch', programs: [half, half.slice(1)] }),
    ).not.toThrow();
    expect(() => parseJobRequest({ kind: 'run-batch', programs: [half, half, 'x'] })).toThrow(
      RequestLimitError,
    );
  });
});

describe('JobRunner and run-batch jobs', () => {
  test('every program runs fresh with the timeout and envs; executions come back in order', async () => {
    const sandboxes = provider();
    const runner = new JobRunner({ executor: new ActionExecutor({ actions: [] }), sandboxes });
    const programs = ['a = 1', 'raise ValueError("bad")', 'b = 2', 'c = 3', 'd = 4', 'e = 5'];
    const result = await runner.run({
      jobId: 'j1',
      workerId: 'w',
      envelope: envelope({ kind: 'run-batch', programs, timeoutMs: 1_500, envs: { K: 'v' } }),
    });
    expect(JobResultSchema.parse(result)).toEqual(result);
    expect(result.status).toBe('completed');
    expect(result.executions).toEqual(programs.map(ran));
    expect(sandboxes.fresh.map((options) => options.code).sort()).toEqual([...programs].sort());
    for (const options of sandboxes.fresh)
      expect(options).toMatchObject({ timeoutMs: 1_500, envs: { K: 'v' } });
    // All handed over at once: the provider decides how many run at a time.
    expect(sandboxes.max).toBe(programs.length);
    // No output limit asked for: the provider's own holds.
    for (const options of sandboxes.fresh) expect(options.maxOutputBytes).toBeUndefined();
  });

  test('an output limit asked for reaches each run of a batch, and a fresh run-code run', async () => {
    const sandboxes = provider();
    const runner = new JobRunner({ executor: new ActionExecutor({ actions: [] }), sandboxes });
    await runner.run({
      jobId: 'j4',
      workerId: 'w',
      envelope: envelope({ kind: 'run-batch', programs: ['a = 1', 'b = 2'], maxOutputBytes: 512 }),
    });
    await runner.run({
      jobId: 'j5',
      workerId: 'w',
      envelope: envelope({ kind: 'run-code', code: 'c = 3', fresh: true, maxOutputBytes: 0 }),
    });
    expect(sandboxes.fresh.map((options) => [options.code, options.maxOutputBytes])).toEqual(
      expect.arrayContaining([
        ['a = 1', 512],
        ['b = 2', 512],
        ['c = 3', 0],
      ]),
    );
    expect(sandboxes.fresh).toHaveLength(3);
  });

  test('a cancelled batch answers each program cancelled, and no run goes on after it', async () => {
    const sandboxes = provider();
    const runner = new JobRunner({ executor: new ActionExecutor({ actions: [] }), sandboxes });
    const controller = new AbortController();
    const running = runner.run({
      jobId: 'j2',
      workerId: 'w',
      signal: controller.signal,
      envelope: envelope({ kind: 'run-batch', programs: ['a = 1', 'hang()', 'b = 2'] }),
    });
    while (sandboxes.fresh.length < 3) await new Promise<void>((resolve) => setImmediate(resolve));
    controller.abort();
    const result = await running;
    expect(result.status).toBe('cancelled');
    expect(result.executions).toHaveLength(3);
    for (const execution of result.executions ?? [])
      expect(execution.error?.name).toBe('Cancelled');
    expect(sandboxes.inFlight).toBe(0);
  });

  test('a runner without fresh runs refuses a batch with a clear error', async () => {
    const runner = new JobRunner({
      executor: new ActionExecutor({ actions: [] }),
      sandboxes: {
        create: () => Promise.reject(new Error('no sessions here')),
        list: () => [],
        close: () => Promise.resolve(),
      },
    });
    await expect(
      runner.run({
        jobId: 'j3',
        workerId: 'w',
        envelope: envelope({ kind: 'run-batch', programs: ['pass'] }),
      }),
    ).rejects.toThrow(/no fresh mode/);
  });
});
