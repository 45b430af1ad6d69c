// JavaScriptInterpreter as a queue job: a worker's default tools include it, on both backends.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ActionStatusCode } from '../../../core/index.ts';
import type { TestJobs } from '../../support/job-backend-fixture.ts';
import { BACKENDS, startTestJobs } from '../../support/job-backend-fixture.ts';

describe.each(BACKENDS)('JavaScript jobs (%s)', (mode) => {
  let setup: TestJobs;
  beforeAll(async () => {
    setup = await startTestJobs({ mode });
  });
  afterAll(async () => {
    await setup?.close();
  });

  test('tool-call jobs keep JavaScript state per session, and a runaway script is contained', async () => {
    const { jobs } = setup;
    const call = (command: string, sessionId: string) =>
      jobs.submit({
        request: {
          kind: 'tool-call',
          call: { name: 'JavaScriptInterpreter', parameters: { command } },
          sessionId,
        },
      });
    const sessionId = `js-${mode}-${Date.now()}`;
    await jobs.wait({ jobId: await call('let seen = ["a"]', sessionId) });
    const kept = await jobs.wait({ jobId: await call('seen.push("b"); seen.join("")', sessionId) });
    expect(kept.status).toBe('completed');
    expect(kept.actionReturn?.result).toEqual([{ type: 'text', content: '"ab"' }]);

    const runaway = await jobs.wait({
      jobId: await call('while (true) {}', `${sessionId}-loop`),
    });
    expect(runaway.status).toBe('completed');
    expect(runaway.actionReturn?.state).toBe(ActionStatusCode.API_ERROR);
    expect(runaway.actionReturn?.errmsg).toContain('CPU-time limit');
    const after = await jobs.wait({ jobId: await call('seen.length', sessionId) });
    expect(after.actionReturn?.result).toEqual([{ type: 'text', content: '2' }]);
  });
});
