// A fresh run has no session: the queue's request schema (and so parseJobRequest and a
// worker's parseJobEnvelope) and the service's run-code body schema refuse `fresh` together
// with `sessionId`, and accept either alone.
import { describe, expect, test } from 'vitest';
import type { z } from 'zod';
import { ValidationError } from '../../../../core/index.ts';
import {
  JobRequestSchema,
  parseJobEnvelope,
  parseJobRequest,
  RunCodeRequestSchema,
} from '../../../../workers/queue/job-schema.ts';
import { RunCodeBodySchema } from '../../../../workers/service/service-schemas.ts';

const both = { kind: 'run-code', code: 'print(1)', fresh: true, sessionId: 's' } as const;

/** The issues of a refused value, as `path: message` lines. */
function refusal(result: z.ZodSafeParseResult<unknown>): string[] {
  if (result.success) throw new Error(`expected a refusal, got ${JSON.stringify(result.data)}`);
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('fresh run-code requests (the queue)', () => {
  test('JobRequestSchema refuses fresh with a sessionId, naming fresh', () => {
    const issues = refusal(JobRequestSchema.safeParse(both));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^fresh: .*fresh/);
    expect(issues[0]).toContain('sessionId');
    // The run-code schema alone refuses it the same way.
    expect(refusal(RunCodeRequestSchema.safeParse(both))).toEqual(issues);
  });

  test('parseJobRequest and parseJobEnvelope throw a ValidationError that mentions fresh', () => {
    let thrown: unknown;
    try {
      parseJobRequest(both);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).message).toMatch(/fresh/);
    expect((thrown as ValidationError).issues.join('\n')).toMatch(/^fresh: /m);
    expect(() => parseJobEnvelope({ request: both, submittedAt: Date.now() })).toThrow(
      /fresh.*not both/,
    );
  });

  test('fresh alone is accepted and kept; a session alone and fresh: false with a session too', () => {
    const fresh = JobRequestSchema.parse({ kind: 'run-code', code: 'print(1)', fresh: true });
    expect(fresh).toEqual({ kind: 'run-code', code: 'print(1)', language: 'python', fresh: true });
    expect(
      parseJobRequest({ kind: 'run-code', code: 'x', fresh: true, timeoutMs: 1_500 }),
    ).toMatchObject({ fresh: true, timeoutMs: 1_500 });
    expect(
      JobRequestSchema.safeParse({ kind: 'run-code', code: 'x', sessionId: 's' }).success,
    ).toBe(true);
    expect(
      JobRequestSchema.safeParse({ kind: 'run-code', code: 'x', fresh: false, sessionId: 's' })
        .success,
    ).toBe(true);
  });

  test('fresh must be a boolean', () => {
    const issues = refusal(JobRequestSchema.safeParse({ kind: 'run-code', code: 'x', fresh: 1 }));
    expect(issues.join('\n')).toMatch(/^fresh: /m);
  });
});

describe('fresh run-code bodies (the service)', () => {
  test('RunCodeBodySchema refuses fresh with a sessionId, naming fresh', () => {
    const issues = refusal(
      RunCodeBodySchema.safeParse({ code: 'print(1)', fresh: true, sessionId: 's', waitMs: 5_000 }),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^fresh: .*fresh/);
  });

  test('RunCodeBodySchema accepts fresh alone and a session alone', () => {
    expect(RunCodeBodySchema.parse({ code: 'print(1)', fresh: true, waitMs: 5_000 })).toEqual({
      code: 'print(1)',
      language: 'python',
      fresh: true,
      waitMs: 5_000,
    });
    expect(RunCodeBodySchema.safeParse({ code: 'print(1)', sessionId: 's' }).success).toBe(true);
  });
});
