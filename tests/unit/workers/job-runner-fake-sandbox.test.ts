// The job runner's run-code sessions, on the in-memory fake sandbox (which keeps the Sandbox
// contract): one sandbox per session key, started once; cancels, deadlines, lost state and a
// reclaimed session as job results; sessions closed with the runner.
import { describe, expect, test } from 'vitest';
import type { ToolEvent } from '../../../core/index.ts';
import { ActionExecutor } from '../../../core/index.ts';
import { JobResultSchema } from '../../../workers/queue/job-schema.ts';
import { JobRunner } from '../../../workers/queue/job-runner.ts';
import { FakeSandboxProvider } from '../../fakes/fake-sandbox.ts';

function setup(provider = new FakeSandboxProvider()) {
  const runner = new JobRunner({
    executor: new ActionExecutor({ actions: [] }),
    sandboxes: provider,
  });
  let jobs = 0;
  const run = (
    code: string,
    {
      sessionKey,
      signal,
      timeoutMs,
      emit,
    }: {
      sessionKey?: string;
      signal?: AbortSignal;
      timeoutMs?: number;
      emit?: (event: ToolEvent) => void;
    } = {},
  ) =>
    runner.run({
      jobId: `job-${++jobs}`,
      workerId: 'test',
      ...(signal ? { signal } : {}),
      ...(emit ? { emit } : {}),
      envelope: {
        request: {
          kind: 'run-code',
          language: 'python',
          code,
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
        },
        submittedAt: Date.now(),
        ...(sessionKey === undefined ? {} : { sessionKey }),
      },
    });
  return { provider, runner, run };
}

const stdout = (result: { execution?: { logs: { stdout: string[] } } }) =>
  result.execution?.logs.stdout.join('');

describe('JobRunner sessions on the fake sandbox', () => {
  test("a session's jobs share one sandbox and its state; a job without a session gets its own, closed after", async () => {
    const { provider, runner, run } = setup();
    try {
      await run('set x kept', { sessionKey: 'a' });
      expect(stdout(await run('get x', { sessionKey: 'a' }))).toBe('kept\n');
      expect((await run('get x', { sessionKey: 'b' })).execution?.error?.name).toBe('NameError');
      const alone = await run('print alone');
      expect(stdout(alone)).toBe('alone\n');
      expect(provider.created.map((sandbox) => [sandbox.sessionId, sandbox.closed])).toEqual([
        ['a', false],
        ['b', false],
        [undefined, true],
      ]);
      expect(runner.sessionKeys.sort()).toEqual(['a', 'b']);
    } finally {
      await runner.close();
    }
  });

  test('jobs of a new session that arrive together share one start and run in arrival order', async () => {
    const { provider, runner, run } = setup();
    try {
      const results = await Promise.all([
        run('set order first', { sessionKey: 's' }),
        run('get order\nset order second', { sessionKey: 's' }),
        run('get order', { sessionKey: 's' }),
      ]);
      expect(results.map(stdout)).toEqual(['', 'first\n', 'second\n']);
      expect(provider.created).toHaveLength(1);
    } finally {
      await runner.close();
    }
  });

  test("cancelling a job stops its code; the session's next job runs on the same state", async () => {
    const { provider, runner, run } = setup();
    try {
      await run('set x kept', { sessionKey: 's' });
      const controller = new AbortController();
      const cancelled = run('print started\nspin', {
        sessionKey: 's',
        signal: controller.signal,
        emit: (event) => {
          if (event.type === 'stdout') controller.abort();
        },
      });
      expect((await cancelled).status).toBe('cancelled');
      const next = await run('get x', { sessionKey: 's' });
      expect(next.status).toBe('completed');
      expect(stdout(next)).toBe('kept\n');
      expect(provider.created).toHaveLength(1);
    } finally {
      await runner.close();
    }
  });

  test("a run-code job's deadline is the sandbox's: it completes with timedOut, and the session goes on", async () => {
    const { runner, run } = setup();
    try {
      await run('set x kept', { sessionKey: 's' });
      const spun = await run('spin', { sessionKey: 's', timeoutMs: 1_000 });
      expect(spun.status).toBe('completed');
      expect(spun.execution?.timedOut).toBe('interrupted');
      expect(spun.execution?.error?.name).toBe('TimeoutError');
      expect(stdout(await run('get x', { sessionKey: 's' }))).toBe('kept\n');
    } finally {
      await runner.close();
    }
  });

  test('a lost state reaches the job result (stateLost survives the queue schema); the next job runs fresh', async () => {
    const { runner, run } = setup();
    try {
      await run('set x kept', { sessionKey: 's' });
      const lost = JobResultSchema.parse(await run('lose-state', { sessionKey: 's' }));
      expect(lost.status).toBe('completed');
      expect(lost.execution?.stateLost).toBe(true);
      expect(lost.execution?.error?.name).toBe('KernelDied');
      const next = await run('get x', { sessionKey: 's' });
      expect(next.execution?.error?.name).toBe('NameError');
      expect(next.execution?.stateLost).toBeUndefined();
    } finally {
      await runner.close();
    }
  });

  test('a session closed under the runner ends its job with SessionClosed; the next job gets a new sandbox', async () => {
    const { provider, runner, run } = setup();
    try {
      await run('set x kept', { sessionKey: 's' });
      await provider.created[0]?.close();
      const closed = await run('get x', { sessionKey: 's' });
      expect(closed.status).toBe('completed');
      expect(closed.execution?.error?.name).toBe('SessionClosed');
      const fresh = await run('get x', { sessionKey: 's' });
      expect(fresh.execution?.error?.name).toBe('NameError');
      expect(provider.created).toHaveLength(2);
    } finally {
      await runner.close();
    }
  });

  test.each([
    ['in a session', 's'],
    ['without a session', undefined],
  ] as const)(
    'a job aborted and then ended by its sandbox closing (a worker shutting down) is cancelled, %s',
    async (_, sessionKey) => {
      const { provider, runner, run } = setup();
      try {
        const controller = new AbortController();
        const job = run('print started\nspin', {
          ...(sessionKey === undefined ? {} : { sessionKey }),
          signal: controller.signal,
          emit: (event) => {
            if (event.type !== 'stdout') return;
            // The abort escalates to closing the sandbox before the run has settled.
            controller.abort();
            void provider.created[0]?.close();
          },
        });
        const result = await job;
        expect(result.status).toBe('cancelled');
        expect(result.execution?.error?.name).toBe('Cancelled');
      } finally {
        await runner.close();
      }
    },
  );

  test("aborting a session's first job while its sandbox starts does not fail the next job", async () => {
    const starting = Promise.withResolvers<void>();
    const release = Promise.withResolvers<void>();
    const { provider, runner, run } = setup(
      new FakeSandboxProvider({
        onCreate: async () => {
          starting.resolve();
          await release.promise;
        },
      }),
    );
    try {
      const controller = new AbortController();
      const first = run('print first', { sessionKey: 's', signal: controller.signal });
      await starting.promise;
      controller.abort();
      // The next job arrives while the aborted one's start is still going on.
      const second = run('print second', { sessionKey: 's' });
      expect((await first).status).toBe('cancelled');
      release.resolve();
      const result = await second;
      expect(result.status).toBe('completed');
      expect(stdout(result)).toBe('second\n');
      expect(provider.created).toHaveLength(1);
      expect(provider.created[0]?.ran).toEqual(['print second']);
    } finally {
      await runner.close();
    }
  });

  test('closeSession closes its sandbox; close() closes the rest', async () => {
    const { provider, runner, run } = setup();
    await run('set x 1', { sessionKey: 'a' });
    await run('set x 2', { sessionKey: 'b' });
    await runner.closeSession('a');
    expect(provider.created.map((sandbox) => sandbox.closed)).toEqual([true, false]);
    expect(runner.sessionKeys).toEqual(['b']);
    await runner.close();
    expect(provider.list()).toEqual([]);
  });
});
