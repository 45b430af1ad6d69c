// Results as MCP content: output sanitised, figures as images, the code's failure an
// isError result with its traceback, a job that did not complete said so.
import { describe, expect, test } from 'vitest';
import { createActionReturn, ActionStatusCode } from '../../../../core/index.ts';
import type { Execution } from '../../../../core/index.ts';
import {
  actionReturnToMcp,
  executionToMcp,
  jobResultToMcp,
  RunOutputSchema,
} from '../../../../workers/mcp/mcp-content.ts';

function execution(init: Partial<Execution>): Execution {
  return { results: [], logs: { stdout: [], stderr: [] }, error: null, executionCount: 1, ...init };
}

describe('executionToMcp', () => {
  test('stdout, stderr and the main result as text; figures as images; structured content', () => {
    const mapped = executionToMcp({
      execution: execution({
        logs: { stdout: ['a\n', 'b\n'], stderr: ['warn\n'] },
        results: [
          { isMainResult: false, png: 'UE5H', text: '<Figure>' },
          { isMainResult: false, svg: '<svg/>' },
          { isMainResult: false, json: { k: [1, 2] } },
          { isMainResult: true, text: '42' },
        ],
      }),
      sessionId: 's',
    });
    expect(mapped.content).toEqual([
      { type: 'text', text: 'a\nb\n' },
      { type: 'text', text: '[stderr]\nwarn\n' },
      { type: 'image', data: 'UE5H', mimeType: 'image/png' },
      { type: 'image', data: Buffer.from('<svg/>').toString('base64'), mimeType: 'image/svg+xml' },
      { type: 'text', text: '{"k":[1,2]}' },
      { type: 'text', text: '42' },
    ]);
    expect(mapped.isError).toBeUndefined();
    expect(mapped.structuredContent).toEqual({
      stdout: 'a\nb\n',
      stderr: 'warn\n',
      result: '42',
      json: [{ k: [1, 2] }],
      status: 'completed',
      sessionId: 's',
    });
    expect(RunOutputSchema.safeParse(mapped.structuredContent).success).toBe(true);
  });

  test('a failure is an isError result with the traceback, colours and controls removed', () => {
    const mapped = executionToMcp({
      execution: execution({
        logs: { stdout: ['\u001b[31mred\u001b[0m\u202e\n'], stderr: [] },
        error: {
          name: 'TimeoutError',
          value: 'exceeded 1000 ms',
          traceback: '\u001b[0;31mKeyboardInterrupt\u001b[0m',
        },
        timedOut: 'interrupted',
      }),
    });
    expect(mapped.isError).toBe(true);
    expect(mapped.content).toEqual([
      { type: 'text', text: 'red\\u202e\n' },
      { type: 'text', text: 'TimeoutError: exceeded 1000 ms\nKeyboardInterrupt' },
    ]);
    expect(mapped.structuredContent).toMatchObject({
      timedOut: 'interrupted',
      error: { name: 'TimeoutError', traceback: 'KeyboardInterrupt' },
    });
  });

  test('a job that did not complete says how it ended, even without an execution', () => {
    const mapped = jobResultToMcp({
      result: { jobId: 'j', status: 'session-lost', workerId: null },
    });
    expect(mapped.isError).toBe(true);
    expect(mapped.content).toHaveLength(1);
    expect(mapped.content[0]).toMatchObject({ type: 'text' });
    expect((mapped.content[0] as { text: string }).text).toContain('The session was lost');
    expect(RunOutputSchema.safeParse(mapped.structuredContent).success).toBe(true);
  });

  test('no output at all still answers with one text item', () => {
    expect(executionToMcp({ execution: execution({}) }).content).toEqual([
      { type: 'text', text: '(no output)' },
    ]);
  });
});

describe('actionReturnToMcp', () => {
  test('text as text, a data-URL image as image content, a JSON object as structured content', () => {
    expect(
      actionReturnToMcp({
        actionReturn: createActionReturn({
          result: [
            { type: 'text', content: 'caption' },
            { type: 'image', content: 'data:image/jpeg;base64,/9j/' },
          ],
        }),
      }),
    ).toEqual({
      content: [
        { type: 'text', text: 'caption' },
        { type: 'image', data: '/9j/', mimeType: 'image/jpeg' },
      ],
    });
    expect(
      actionReturnToMcp({
        actionReturn: createActionReturn({ result: [{ type: 'text', content: '{"a":1}' }] }),
      }).structuredContent,
    ).toEqual({ a: 1 });
  });

  test('an errmsg is an isError result with its text', () => {
    expect(
      actionReturnToMcp({
        actionReturn: createActionReturn({
          errmsg: 'no such page',
          state: ActionStatusCode.API_ERROR,
        }),
      }),
    ).toEqual({ content: [{ type: 'text', text: 'no such page' }], isError: true });
  });
});
