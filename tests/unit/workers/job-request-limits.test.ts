// The job API's request limits, checked where requests are read: at submit (parseJobRequest),
// by a worker (parseJobEnvelope, JobRunner.run), and what an outcome repeats of a request.
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import type { Execution, RunCodeOptions, Sandbox, SandboxProvider } from '../../../core/index.ts';
import {
  ActionExecutor,
  defineTool,
  InvalidArgumentError,
  RequestLimitError,
  ValidationError,
} from '../../../core/index.ts';
import { EmbeddedJobBackend } from '../../../workers/queue/embedded-job-backend.ts';
import { outcomeResult } from '../../../workers/queue/job-outcomes.ts';
import { JobRunner } from '../../../workers/queue/job-runner.ts';
import type { JobRequest } from '../../../workers/queue/job-schema.ts';
import { parseJobEnvelope, parseJobRequest } from '../../../workers/queue/job-schema.ts';

function nested(depth: number): unknown {
  let value: unknown = {};
  for (let level = 1; level < depth; level += 1) value = { next: value };
  return value;
}

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

const MiB = 1024 * 1024;

describe('parseJobRequest', () => {
  test('20 MiB of code: RequestLimitError (maxCodeBytes)', () => {
    const error = caught(() => parseJobRequest({ kind: 'run-code', code: 'x'.repeat(20 * MiB) }));
    expect(error).toBeInstanceOf(RequestLimitError);
    expect((error as RequestLimitError).limit).toBe('maxCodeBytes');
  });

  test('arguments nested 100,000 deep: RequestLimitError, not RangeError', () => {
    const request = { kind: 'tool-call', call: { name: 'Echo', parameters: nested(100_000) } };
    const error = caught(() => parseJobRequest(request));
    expect(error).toBeInstanceOf(RequestLimitError);
    expect((error as RequestLimitError).limit).toBe('maxArgumentDepth');
  });

  test('arguments over 1 MiB: RequestLimitError (maxArgumentBytes)', () => {
    const request = {
      kind: 'tool-call',
      call: { name: 'Echo', parameters: { text: 'x'.repeat(2 * MiB) } },
    };
    expect((caught(() => parseJobRequest(request)) as RequestLimitError).limit).toBe(
      'maxArgumentBytes',
    );
  });

  test('timeoutMs over maxExecutionTimeoutMs is refused; the limit is an option', () => {
    const request: JobRequest = { kind: 'run-code', code: '1', timeoutMs: 1e9 };
    const error = caught(() => parseJobRequest(request));
    expect(error).toBeInstanceOf(RequestLimitError);
    expect((error as Error).message).toContain('600000 ms');
    expect(parseJobRequest(request, { maxExecutionTimeoutMs: 1e9 }).timeoutMs).toBe(1e9);
    expect(() => parseJobRequest({ ...request, timeoutMs: 600_000 })).not.toThrow();
  });

  test('envs: LD_PRELOAD and bad names are refused', () => {
    const run = (envs: Record<string, string>) => () =>
      parseJobRequest({ kind: 'run-code', code: '1', envs });
    expect(caught(run({ LD_PRELOAD: '/tmp/evil.so' }))).toBeInstanceOf(InvalidArgumentError);
    expect(run({ LD_PRELOAD: '/tmp/evil.so' })).toThrow(/LD_PRELOAD may not be set/);
    expect(run({ PYTHONSTARTUP: '/tmp/x.py' })).toThrow(/PYTHONSTARTUP may not be set/);
    expect(run({ 'BAD-NAME': 'x' })).toThrow(/not a valid variable name/);
    expect(run({ A: 'a\0b' })).toThrow(/NUL/);
    expect(parseJobRequest({ kind: 'run-code', code: '1', envs: { TOKEN: 'x' } })).toMatchObject({
      envs: { TOKEN: 'x' },
    });
  });

  test('session ids: the CLI, test and fault-suite ids pass; others are refused', () => {
    for (const sessionId of ['s', 'state', 'burst-3', 'interrupt-SIGINT', 'cancel-x-y', '0']) {
      expect(parseJobRequest({ kind: 'run-code', code: '1', sessionId }).sessionId).toBe(sessionId);
    }
    for (const sessionId of ['', 'a b', 'x'.repeat(129), 'a/b', '😀']) {
      expect(() => parseJobRequest({ kind: 'run-code', code: '1', sessionId })).toThrow(
        InvalidArgumentError,
      );
    }
  });

  test('a tool name or call id of any length is not a request', () => {
    expect(() =>
      parseJobRequest({ kind: 'tool-call', call: { name: 'x'.repeat(300), parameters: {} } }),
    ).toThrow(ValidationError);
    expect(() =>
      parseJobRequest({
        kind: 'tool-call',
        call: { name: 'Echo', parameters: {}, id: 'x'.repeat(300) },
      }),
    ).toThrow(ValidationError);
  });
});

describe('parseJobEnvelope (a worker reading a job)', () => {
  test('checks the request against the given limits', () => {
    const envelope = (request: unknown) => ({ request, submittedAt: Date.now() });
    expect(
      caught(() =>
        parseJobEnvelope(envelope({ kind: 'run-code', code: 'x'.repeat(100) }), {
          maxCodeBytes: 10,
        }),
      ),
    ).toBeInstanceOf(RequestLimitError);
    const deep = { kind: 'tool-call', call: { name: 'Echo', parameters: nested(100_000) } };
    expect(caught(() => parseJobEnvelope(envelope(deep)))).toBeInstanceOf(RequestLimitError);
    expect(
      caught(() =>
        parseJobEnvelope(envelope({ kind: 'run-code', code: '1', envs: { LD_AUDIT: 'x' } })),
      ),
    ).toBeInstanceOf(InvalidArgumentError);
    expect(parseJobEnvelope(envelope({ kind: 'run-code', code: '1' })).request.kind).toBe(
      'run-code',
    );
  });
});

describe('outcomes do not repeat large requests', () => {
  test('small arguments are repeated in args, large ones are not', () => {
    const small = outcomeResult({
      jobId: 'j1',
      request: parseJobRequest({
        kind: 'tool-call',
        call: { name: 'Echo', parameters: { text: 'hi' } },
      }),
      status: 'cancelled',
    });
    expect(small.actionReturn?.args).toEqual({ name: 'Echo', parameters: { text: 'hi' } });
    const large = outcomeResult({
      jobId: 'j2',
      request: parseJobRequest({
        kind: 'tool-call',
        call: { name: 'Echo', parameters: { text: 'x'.repeat(MiB - 100) } },
      }),
      status: 'timed-out',
    });
    expect(large.actionReturn?.args).toEqual({ name: 'Echo' });
    expect(JSON.stringify(large).length).toBeLessThan(2_000);
  });
});

/** A sandbox provider that counts the code it is asked to run. */
function countingSandboxes(): SandboxProvider & { runs: number } {
  const provider = {
    runs: 0,
    create: (): Promise<Sandbox> =>
      Promise.resolve({
        id: 'counting',
        runCode: (_options: RunCodeOptions): Promise<Execution> => {
          provider.runs += 1;
          return Promise.resolve({
            results: [],
            logs: { stdout: [], stderr: [] },
            error: null,
            executionCount: 1,
          });
        },
        writeFile: () => Promise.resolve(),
        readFile: () => Promise.resolve(new Uint8Array()),
        listFiles: () => Promise.resolve({ files: [], truncated: false }),
        setEnvs: () => Promise.resolve(),
        interrupt: () => Promise.resolve(),
        restart: () => Promise.resolve(),
        close: () => Promise.resolve(),
        [Symbol.asyncDispose]: () => Promise.resolve(),
      }),
    list: () => [],
    close: () => Promise.resolve(),
  };
  return provider;
}

const echo = defineTool({
  name: 'Echo',
  parameters: z.object({ text: z.string() }),
  execute: ({ text }) => text,
});

describe('JobRunner limits (the worker side)', () => {
  test('a default timeout over the maximum is a construction error', () => {
    const executor = new ActionExecutor({ actions: [] });
    expect(() => new JobRunner({ executor, defaultTimeoutMs: 700_000 })).toThrow(
      /maxExecutionTimeoutMs/,
    );
    expect(
      () =>
        new JobRunner({
          executor,
          defaultTimeoutMs: 700_000,
          limits: { maxExecutionTimeoutMs: 700_000 },
        }),
    ).not.toThrow();
  });

  test('a job over the limits that reached the runner unchecked is refused, not run', async () => {
    const sandboxes = countingSandboxes();
    const runner = new JobRunner({
      executor: new ActionExecutor({ actions: [echo] }),
      sandboxes,
      limits: { maxCodeBytes: 16 },
    });
    const run = (request: object) =>
      runner.run({
        jobId: 'j',
        workerId: 'w',
        // As a raw queue job would be: never through parseJobRequest.
        envelope: { request, submittedAt: Date.now() } as never,
      });
    await expect(
      run({ kind: 'run-code', code: 'x'.repeat(17), language: 'python' }),
    ).rejects.toBeInstanceOf(RequestLimitError);
    await expect(
      run({ kind: 'run-code', code: '1', language: 'python', timeoutMs: 1e9 }),
    ).rejects.toThrow(/maxExecutionTimeoutMs/);
    await expect(
      run({ kind: 'run-code', code: '1', language: 'python', envs: { LD_PRELOAD: 'x' } }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(sandboxes.runs).toBe(0);
    const fine = await run({ kind: 'run-code', code: '1', language: 'python' });
    expect(fine.status).toBe('completed');
    expect(sandboxes.runs).toBe(1);
    await runner.close();
  });

  test('the embedded backend refuses at submit with its runner limits, and runs the rest', async () => {
    const runner = new JobRunner({
      executor: new ActionExecutor({ actions: [echo] }),
      sandboxes: countingSandboxes(),
      limits: { maxArgumentBytes: 64 },
    });
    const jobs = new EmbeddedJobBackend({ runner });
    try {
      const large = {
        kind: 'tool-call',
        call: { name: 'Echo', parameters: { text: 'x'.repeat(100) } },
      } as const;
      await expect(jobs.submit({ request: large })).rejects.toBeInstanceOf(RequestLimitError);
      const small = {
        kind: 'tool-call',
        call: { name: 'Echo', parameters: { text: 'ok' } },
      } as const;
      const result = await jobs.wait({ jobId: await jobs.submit({ request: small }) });
      expect(result.actionReturn?.result).toEqual([{ type: 'text', content: 'ok' }]);
    } finally {
      await jobs.close();
    }
  });
});
