// The sandbox sessions of one MCP session: ids no other MCP session shares, closed after
// their idle time (never while a call runs) and all together when the MCP session ends.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { McpSandboxSessions } from '../../../../workers/mcp/mcp-sandbox-sessions.ts';

afterEach(() => {
  vi.useRealTimers();
});

function sessions(idleTtlMs = 1_000) {
  const closed: string[] = [];
  const owner = new McpSandboxSessions({
    idleTtlMs,
    close: (id) => {
      closed.push(id);
      return Promise.resolve();
    },
  });
  return { owner, closed };
}

describe('McpSandboxSessions', () => {
  test('the same name in two MCP sessions is two sessions; languages are kept apart', () => {
    const first = sessions().owner;
    const second = sessions().owner;
    const a = first.use({ sessionId: 'a', language: 'python' }).jobSessionId;
    expect(first.use({ sessionId: 'a', language: 'python' }).jobSessionId).toBe(a);
    expect(second.use({ sessionId: 'a', language: 'python' }).jobSessionId).not.toBe(a);
    expect(first.use({ sessionId: 'a', language: 'javascript' }).jobSessionId).not.toBe(a);
    expect(first.use({ language: 'python' }).jobSessionId).toMatch(/\.py\.default$/);
    expect(a).toMatch(/^mcp\.[A-Za-z0-9_-]{12}\.py\.a$/);
  });

  test('closed after its idle time, counted from the end of its last call', async () => {
    vi.useFakeTimers();
    const { owner, closed } = sessions(1_000);
    const call = owner.use({ sessionId: 'a', language: 'python' });
    await vi.advanceTimersByTimeAsync(5_000); // a long call: no idle clock runs
    expect(closed).toEqual([]);
    call.done();
    await vi.advanceTimersByTimeAsync(999);
    expect(closed).toEqual([]);
    owner.use({ sessionId: 'a', language: 'python' }).done(); // used again: the clock restarts
    await vi.advanceTimersByTimeAsync(999);
    expect(closed).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(closed).toEqual([call.jobSessionId]);
    expect(owner.list()).toEqual([]);
  });

  test('closeAll closes every session once, and no idle clock fires after', async () => {
    vi.useFakeTimers();
    const { owner, closed } = sessions(1_000);
    owner.use({ sessionId: 'a', language: 'python' }).done();
    const b = owner.use({ sessionId: 'b', language: 'javascript' });
    await owner.closeAll();
    b.done();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(closed).toHaveLength(2);
  });
});
