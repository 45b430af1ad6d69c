import { describe, expect, test } from 'vitest';
import type { JobBackend, JobInfo } from '../../../workers/queue/job-backend.ts';
import type { JobResult } from '../../../workers/queue/job-schema.ts';
import { failureOf, JobLog, MAX_LOGGED_CODE_CHARS } from '../../../workers/service/job-log.ts';
import { ANONYMOUS_TENANT, TenantScope } from '../../../workers/service/tenant-scope.ts';
import { DEFAULT_TENANT_QUOTAS } from '../../../workers/service/tenants.ts';

/** A backend whose jobs end when the test says so. */
function controlledBackend() {
  const endings = new Map<string, PromiseWithResolvers<JobResult>>();
  const ending = (jobId: string) => {
    let pending = endings.get(jobId);
    if (!pending) {
      pending = Promise.withResolvers<JobResult>();
      endings.set(jobId, pending);
    }
    return pending;
  };
  const ended = new Map<string, JobResult>();
  const jobs = {
    awaitResult: ({ jobId }: { jobId: string }) => ending(jobId).promise,
    getJob: ({ jobId }: { jobId: string }): Promise<JobInfo> => {
      const result = ended.get(jobId);
      return Promise.resolve(
        result
          ? { jobId, state: 'ended', workerId: 'w1', result }
          : { jobId, state: 'running', workerId: 'w1' },
      );
    },
  } as unknown as JobBackend;
  return {
    jobs,
    end(result: JobResult) {
      ended.set(result.jobId, result);
      ending(result.jobId).resolve(result);
    },
  };
}

const completed = (jobId: string, extra: Partial<JobResult> = {}): JobResult => ({
  jobId,
  status: 'completed',
  workerId: 'w1',
  ...extra,
});

describe('JobLog', () => {
  test('lists newest first, reads the state of jobs not ended, and keeps each tenant apart', async () => {
    const backend = controlledBackend();
    const log = new JobLog({ jobs: backend.jobs, size: 2 });
    const acme = new TenantScope({ id: 'acme', quotas: DEFAULT_TENANT_QUOTAS });
    const anonymous = new TenantScope(ANONYMOUS_TENANT);
    log.record({
      scope: acme,
      queueId: 'acme.a',
      request: { kind: 'run-code', code: '\n  a = 1\nb', language: 'python' },
    });
    log.record({
      scope: acme,
      queueId: 'acme.b',
      request: { kind: 'tool-call', call: { name: 'T.api', parameters: {} } },
    });
    log.record({
      scope: anonymous,
      queueId: 'c',
      request: { kind: 'run-code', code: 'c', language: 'python' },
    });
    const listed = await log.list({ scope: acme, limit: 10 });
    expect(listed.map((job) => [job.jobId, job.title, job.state, job.tenant])).toEqual([
      ['b', 'T.api', 'running', 'acme'],
      ['a', '  a = 1', 'running', 'acme'],
    ]);
    expect((await log.list({ scope: anonymous, limit: 10 })).map((job) => job.tenant)).toEqual([
      null,
    ]);

    backend.end(
      completed('acme.a', {
        execution: {
          results: [],
          logs: { stdout: [], stderr: [] },
          error: { name: 'E', value: 'v', traceback: '' },
          executionCount: 1,
        },
      }),
    );
    const [b, a] = await log.list({ scope: acme, limit: 10 });
    expect(a).toMatchObject({ state: 'ended', status: 'completed', failure: 'E: v' });
    expect(a?.durationMs).toBeGreaterThanOrEqual(0);
    expect(b?.state).toBe('running');

    // Past its size the oldest is forgotten; the same id again is the same job.
    log.record({
      scope: acme,
      queueId: 'acme.b',
      request: { kind: 'run-code', code: 'other', language: 'python' },
    });
    log.record({
      scope: acme,
      queueId: 'acme.d',
      request: { kind: 'run-code', code: 'd', language: 'python' },
    });
    expect((await log.list({ scope: acme, limit: 10 })).map((job) => job.jobId)).toEqual([
      'd',
      'b',
    ]);
    expect(log.entry(acme, 'acme.b')?.request.kind).toBe('tool-call');
    expect(log.entry(acme, 'acme.a')).toBeUndefined();
    log.close();
  });

  test('keeps at most MAX_LOGGED_CODE_CHARS of code, and no uploaded bytes', () => {
    const log = new JobLog({ jobs: controlledBackend().jobs });
    const scope = new TenantScope(ANONYMOUS_TENANT);
    const code = 'x'.repeat(MAX_LOGGED_CODE_CHARS + 10);
    log.record({ scope, queueId: 'long', request: { kind: 'run-code', code, language: 'python' } });
    const kept = log.entry(scope, 'long')?.request as { code: string };
    expect(kept.code.startsWith('x'.repeat(MAX_LOGGED_CODE_CHARS))).toBe(true);
    expect(kept.code.endsWith('# … (cut)')).toBe(true);
    log.record({
      scope,
      queueId: 'up',
      request: { kind: 'write-file', sessionId: 's', path: 'f', dataBase64: 'AAAA' },
    });
    expect(log.entry(scope, 'up')?.request).toMatchObject({ kind: 'write-file', dataBase64: '' });
    log.close();
  });

  test('failureOf names why a result is not a success', () => {
    expect(failureOf(completed('j'))).toBeNull();
    expect(failureOf({ ...completed('j'), status: 'timed-out' })).toBe('timed-out');
    expect(
      failureOf(
        completed('j', {
          actionReturn: {
            type: 'T',
            args: {},
            result: null,
            errmsg: 'bad args',
            state: -1001,
            valid: 1,
            thought: null,
          } as never,
        }),
      ),
    ).toBe('bad args');
  });
});
