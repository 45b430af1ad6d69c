import { describe, expect, test } from 'vitest';
import { ExecutionCollector } from '../../../sandboxes/docker/execution-collector.ts';

describe('ExecutionCollector', () => {
  test('an execution the kernel answered as aborted is an error, not an empty success', () => {
    const collector = new ExecutionCollector({ maxOutputBytes: 1_000, callbacks: {} });
    expect(collector.add({ t: 'end', id: 1, count: null, status: 'aborted', dropped: 0 })).toBe(
      true,
    );
    expect(collector.finish().error).toMatchObject({ name: 'ExecutionAborted' });
  });

  test('a finished execution keeps its value and no error', () => {
    const collector = new ExecutionCollector({ maxOutputBytes: 1_000, callbacks: {} });
    collector.add({ t: 'result', id: 1, main: true, data: { text: '4' } });
    collector.add({ t: 'end', id: 1, count: 3, status: 'ok', dropped: 0 });
    const execution = collector.finish();
    expect(execution.error).toBeNull();
    expect(execution.executionCount).toBe(3);
    expect(execution.results[0]).toMatchObject({ text: '4', isMainResult: true });
  });
});
