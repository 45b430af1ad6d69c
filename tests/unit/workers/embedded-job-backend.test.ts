// The embedded backend's retry rule, with a runner whose platform failure comes late.
import { expect, test } from 'vitest';
import { ActionExecutor, SandboxUnavailableError } from '../../../core/index.ts';
import { EmbeddedJobBackend } from '../../../workers/queue/embedded-job-backend.ts';
import { JobRunner } from '../../../workers/queue/job-runner.ts';
import type { RunJobOptions } from '../../../workers/queue/job-runner.ts';
import type { JobResult } from '../../../workers/queue/job-schema.ts';

/** Fails with a retryable platform error after `delayMs`, ignoring aborts (a hung engine call). */
class LateFailureRunner extends JobRunner {
  runs = 0;
  readonly delayMs: number;
  constructor(delayMs: number) {
    super({ executor: new ActionExecutor({ actions: [] }) });
    this.delayMs = delayMs;
  }
  override async run(_options: RunJobOptions): Promise<JobResult> {
    this.runs += 1;
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    throw new SandboxUnavailableError({ message: 'the engine went away' });
  }
}

const request = { kind: 'run-code', code: 'print(1)' } as const;

test('a platform failure is retried while the job is still open, then fails', async () => {
  const runner = new LateFailureRunner(0);
  const jobs = new EmbeddedJobBackend({ runner, attempts: 2 });
  try {
    const result = await jobs.wait({ jobId: await jobs.submit({ request }) });
    expect(result.status).toBe('failed');
    expect(runner.runs).toBe(2);
  } finally {
    await jobs.close();
  }
});

test('a platform failure after the job ended (its wait timed out) is not retried', async () => {
  const runner = new LateFailureRunner(300);
  const jobs = new EmbeddedJobBackend({ runner, attempts: 3 });
  try {
    const jobId = await jobs.submit({ request });
    expect((await jobs.wait({ jobId, timeoutMs: 50 })).status).toBe('timed-out');
    // Once nothing runs or waits any more (the late failure was seen, no retry queued).
    await jobs.drained();
    expect(runner.runs).toBe(1);
    expect((await jobs.wait({ jobId })).status).toBe('timed-out');
    expect(await jobs.listFailed()).toEqual([]);
  } finally {
    await jobs.close();
  }
});
