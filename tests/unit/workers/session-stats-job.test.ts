// The session-stats job on the runner (fake sandboxes): the sandbox's reading when it has
// `stats`, nulls when it has none, when the runner holds no sandbox for the session (it
// starts none), or when the sandbox was closed since. And the engine's memory figure
// (container-stats.ts) under cgroup v1 and v2.
import { describe, expect, test } from 'vitest';
import { ActionExecutor, SandboxClosedError } from '../../../core/index.ts';
import { memoryInUse } from '../../../sandboxes/docker/container-stats.ts';
import { JobRunner } from '../../../workers/queue/job-runner.ts';
import { JobResultSchema } from '../../../workers/queue/job-schema.ts';
import { UNKNOWN_STATS } from '../../../workers/queue/session-ops.ts';
import { FakeSandboxProvider } from '../../fakes/fake-sandbox.ts';

function setup() {
  const provider = new FakeSandboxProvider();
  const runner = new JobRunner({
    executor: new ActionExecutor({ actions: [] }),
    sandboxes: provider,
  });
  let jobs = 0;
  const job = async (kind: 'open-session' | 'session-stats', sessionKey = 's') => {
    const result = await runner.run({
      jobId: `job-${++jobs}`,
      workerId: 'test',
      envelope: { request: { kind, sessionId: 's' }, sessionKey, submittedAt: Date.now() },
    });
    expect(JobResultSchema.safeParse(result).success).toBe(true);
    return result;
  };
  return { provider, runner, job };
}

describe('session-stats jobs', () => {
  test('a session the runner holds no sandbox for answers nulls and starts none', async () => {
    const { provider, runner, job } = setup();
    try {
      const result = await job('session-stats');
      expect(result).toMatchObject({ status: 'completed', session: { stats: UNKNOWN_STATS } });
      expect(provider.created).toEqual([]);
    } finally {
      await runner.close();
    }
  });

  test("the sandbox's reading, or nulls for a sandbox without stats or closed since", async () => {
    const { provider, runner, job } = setup();
    try {
      await job('open-session');
      const [sandbox] = provider.created;
      if (!sandbox) throw new Error('no sandbox was opened');
      // The fake has no stats: nulls, not an error.
      expect((await job('session-stats')).session).toEqual({ stats: UNKNOWN_STATS });
      Object.assign(sandbox, {
        stats: () =>
          sandbox.closed
            ? Promise.reject(new SandboxClosedError({ message: 'closed' }))
            : Promise.resolve({
                runtime: 'runc',
                memoryBytes: 42 * 2 ** 20,
                memoryLimitBytes: 2 ** 29,
              }),
      });
      expect((await job('session-stats')).session).toEqual({
        stats: {
          runtime: 'runc',
          memoryBytes: 42 * 2 ** 20,
          memoryLimitBytes: 2 ** 29,
          pids: null,
        },
      });
      await sandbox.close(); // as its provider reclaiming it idle would
      expect((await job('session-stats')).session).toEqual({ stats: UNKNOWN_STATS });
      expect(runner.sessionKeys).toEqual([]);
      expect(provider.created).toHaveLength(1);
    } finally {
      await runner.close();
    }
  });
});

describe("the engine's memory figure", () => {
  test('is usage less the inactive file cache (cgroup v1 and v2), or null without a reading', () => {
    const v1 = { usage: 300, limit: 1000, stats: { total_inactive_file: 100, inactive_file: 7 } };
    expect(memoryInUse(v1)).toBe(200);
    expect(memoryInUse({ usage: 300, limit: 1000, stats: { inactive_file: 50 } })).toBe(250);
    expect(memoryInUse({ usage: 300 })).toBe(300);
    expect(memoryInUse({})).toBeNull();
    expect(memoryInUse(undefined)).toBeNull();
  });
});
