import { describe, expect, test } from 'vitest';
import type { JobResult } from '../../../workers/queue/job-schema.ts';
import { BatchLog, passedOf } from '../../../workers/service/batch-log.ts';
import { ANONYMOUS_TENANT, TenantScope } from '../../../workers/service/tenant-scope.ts';
import { DEFAULT_TENANT_QUOTAS } from '../../../workers/service/tenants.ts';

const execution = (extra: Record<string, unknown> = {}) => ({
  results: [],
  logs: { stdout: [], stderr: [] },
  error: null,
  executionCount: 1,
  ...extra,
});
const result = (extra: Partial<JobResult> = {}): JobResult => ({
  jobId: 'j',
  status: 'completed',
  workerId: 'w',
  execution: execution(),
  ...extra,
});

describe('BatchLog', () => {
  test('counts submits and ends; the total is the declared one, or those submitted', () => {
    const batches = new BatchLog();
    const scope = new TenantScope(ANONYMOUS_TENANT);
    expect(batches.open({ scope, batchId: 'b', name: 'set', total: 3 }).created).toBe(true);
    batches.submitted(scope, 'b');
    batches.submitted(scope, 'b');
    expect(batches.get(scope, 'b')).toMatchObject({ total: 3, submitted: 2, passRate: null });
    batches.ended(scope, 'b', result());
    batches.ended(scope, 'b', result({ status: 'timed-out' }));
    expect(batches.get(scope, 'b')).toMatchObject({
      ended: 2,
      passed: 1,
      failed: 1,
      passRate: 0.5,
      endedAt: null,
    });
    batches.submitted(scope, 'b');
    batches.ended(
      scope,
      'b',
      result({ execution: execution({ error: { name: 'E', value: '', traceback: '' } }) }),
    );
    const done = batches.get(scope, 'b');
    expect(done).toMatchObject({ ended: 3, passed: 1, failed: 2, total: 3 });
    expect(done?.endedAt).toEqual(expect.any(Number));
    // Past the declared total, the submitted count is the total (and it is not ended yet).
    batches.submitted(scope, 'b');
    expect(batches.get(scope, 'b')).toMatchObject({ total: 4, endedAt: null });
    // The same id again: not new; its name can change.
    expect(batches.open({ scope, batchId: 'b', name: 'renamed' })).toMatchObject({
      created: false,
      batch: { name: 'renamed', submitted: 4 },
    });
  });

  test('keeps each tenant apart, and forgets the oldest past its size', () => {
    const batches = new BatchLog({ size: 2 });
    const acme = new TenantScope({ id: 'acme', quotas: DEFAULT_TENANT_QUOTAS });
    const other = new TenantScope(ANONYMOUS_TENANT);
    for (const batchId of ['one', 'two', 'three']) batches.open({ scope: acme, batchId });
    expect(batches.list(acme).map((batch) => batch.batchId)).toEqual(['three', 'two']);
    expect(batches.list(other)).toEqual([]);
    expect(batches.get(other, 'two')).toBeUndefined();
    // An end for a batch it does not hold changes nothing.
    batches.ended(other, 'two', result());
    expect(batches.get(acme, 'two')?.ended).toBe(0);
  });

  test('passedOf: completed, no error from the code or tool, and in time', () => {
    expect(passedOf(result())).toBe(true);
    expect(passedOf(result({ status: 'cancelled' }))).toBe(false);
    expect(passedOf(result({ execution: execution({ timedOut: 'interrupted' }) }))).toBe(false);
  });
});
