// IPythonInteractive's session handling, on the in-memory fake sandbox (which keeps the
// Sandbox contract): sessions per id, errors and timeouts for the model, lost state, a
// reclaimed session, a failed start, aborts, and calls of one session in order.
import { describe, expect, test } from 'vitest';
import type { ActionReturn, ToolEvent } from '../../../core/index.ts';
import { AbortedError, ActionStatusCode, SandboxUnavailableError } from '../../../core/index.ts';
import {
  IPythonInteractive,
  SESSION_CLOSED_MESSAGE,
  TIMEOUT_MESSAGE,
} from '../../../tools/index.ts';
import { FakeSandboxProvider } from '../../fakes/fake-sandbox.ts';

function setup(provider = new FakeSandboxProvider()) {
  const tool = new IPythonInteractive({ sandboxes: provider });
  const run = (
    command: string,
    sessionId = 'one',
    extra: { signal?: AbortSignal; emit?: (event: ToolEvent) => void } = {},
  ) => tool.run({ inputs: { command }, sessionId, ...extra });
  return { provider, tool, run };
}

const text = (actionReturn: ActionReturn | undefined) => actionReturn?.result?.[0]?.content;

describe('IPythonInteractive sessions on the fake sandbox', () => {
  test('state is kept per session id, and sessions are apart', async () => {
    const { provider, tool, run } = setup();
    try {
      expect((await run('set x 42', 'one')).state).toBe(ActionStatusCode.SUCCESS);
      expect(text(await run('get x', 'one'))).toBe('42');
      const other = await run('get x', 'two');
      expect(other.state).toBe(ActionStatusCode.API_ERROR);
      expect(other.errmsg).toContain('NameError');
      expect(provider.created.map((sandbox) => sandbox.sessionId)).toEqual(['one', 'two']);
    } finally {
      await tool.dispose();
    }
  });

  test("the code's failure reaches the model as an errmsg after its output; the session goes on", async () => {
    const { tool, run } = setup();
    try {
      await run('set x kept');
      const failed = await run('print before\nraise ValueError bad input');
      expect(failed.state).toBe(ActionStatusCode.API_ERROR);
      expect(failed.errmsg).toBe('before\nValueError: bad input');
      expect(text(await run('get x'))).toBe('kept');
    } finally {
      await tool.dispose();
    }
  });

  test('a timeout reaches the model as the timeout message, and the state is kept', async () => {
    const { tool } = setup();
    try {
      await tool.run({ inputs: { command: 'set x kept' }, sessionId: 'one' });
      const spun = await tool.run({ inputs: { command: 'spin', timeout: 1 }, sessionId: 'one' });
      expect(spun.state).toBe(ActionStatusCode.API_ERROR);
      expect(spun.errmsg).toMatch(new RegExp(`^${TIMEOUT_MESSAGE} .*1000 ms`));
      const after = await tool.run({ inputs: { command: 'get x' }, sessionId: 'one' });
      expect(text(after)).toBe('kept');
    } finally {
      await tool.dispose();
    }
  });

  test('a call that loses the state tells the model; the next runs on fresh state', async () => {
    const { provider, tool, run } = setup();
    try {
      await run('set x kept');
      const lost = await run('lose-state');
      expect(lost.state).toBe(ActionStatusCode.API_ERROR);
      expect(lost.errmsg).toContain('KernelDied');
      expect((await run('get x')).errmsg).toContain('NameError');
      await run('set x again');
      provider.created[0]?.loseStateWhileIdle();
      const idle = await run('print this is not run');
      expect(idle.errmsg).toContain('while idle');
      expect(idle.errmsg).toContain('This code was not run');
      expect(provider.created[0]?.ran).not.toContain('print this is not run');
      expect((await run('get x')).errmsg).toContain('NameError');
    } finally {
      await tool.dispose();
    }
  });

  test('a session closed under the tool is announced once, then starts afresh', async () => {
    const { provider, tool, run } = setup();
    try {
      await run('set x kept');
      await provider.created[0]?.close(); // as the provider's idle reclaim does
      const notice = await run('get x');
      expect(notice.state).toBe(ActionStatusCode.API_ERROR);
      expect(notice.errmsg).toBe(SESSION_CLOSED_MESSAGE);
      const fresh = await run('get x');
      expect(fresh.errmsg).toContain('NameError');
      expect(provider.created).toHaveLength(2);
    } finally {
      await tool.dispose();
    }
  });

  test('a failed start reaches the caller as the platform error, and the next call starts again', async () => {
    let starts = 0;
    const { tool, run } = setup(
      new FakeSandboxProvider({
        onCreate: () => {
          starts += 1;
          if (starts === 1) throw new SandboxUnavailableError({ message: 'engine unreachable' });
        },
      }),
    );
    try {
      await expect(run('print hi')).rejects.toBeInstanceOf(SandboxUnavailableError);
      expect(text(await run('print hi'))).toBe('hi');
      expect(starts).toBe(2);
    } finally {
      await tool.dispose();
    }
  });

  test('aborting a running call stops the code and throws AbortedError; the session keeps its state', async () => {
    const { provider, tool, run } = setup();
    try {
      await run('set x kept');
      const controller = new AbortController();
      const running = run('print started\nspin', 'one', {
        signal: controller.signal,
        emit: (event) => {
          if (event.type === 'stdout' && event.text.includes('started')) controller.abort();
        },
      });
      await expect(running).rejects.toBeInstanceOf(AbortedError);
      expect(text(await run('get x'))).toBe('kept');
      expect(provider.created).toHaveLength(1);
    } finally {
      await tool.dispose();
    }
  });

  test('calls of one session run one at a time, in call order, streaming their output', async () => {
    const { tool, run } = setup();
    try {
      const events: string[] = [];
      const emit = (event: ToolEvent) => {
        if (event.type === 'stdout') events.push(event.text.trim());
      };
      const results = await Promise.all([
        run('print first\nset order first', 'one', { emit }),
        run('print second\nget order', 'one', { emit }),
      ]);
      expect(events).toEqual(['first', 'second', 'first']);
      expect(text(results[1])).toBe('second\nfirst');
    } finally {
      await tool.dispose();
    }
  });

  test('closeSession closes its sandbox; the next call opens a new one; dispose closes the rest', async () => {
    const { provider, tool, run } = setup();
    await run('set x kept', 'one');
    await run('set y kept', 'two');
    await tool.closeSession('one');
    expect(provider.created[0]?.closed).toBe(true);
    expect((await run('get x', 'one')).errmsg).toContain('NameError');
    await tool.dispose();
    expect(provider.created.map((sandbox) => sandbox.closed)).toEqual([true, true, true]);
    expect(provider.list()).toEqual([]);
  });
});
