// Hooks (inventory 3.4): HookRegistry and RemovableHandle, and how the ActionExecutor runs
// hooks — registration order, replacement by return value, in-place changes, async hooks.
import { describe, expect, it } from 'vitest';
import {
  ActionExecutor,
  ActionStatusCode,
  HookRegistry,
  RemovableHandle,
  createAgentMessage,
} from '../../../../core/index.ts';
import type {
  ActionReturn,
  AgentMessage,
  Hook,
  HookTarget,
  SessionId,
} from '../../../../core/index.ts';
import { createCalc } from '../actions/calc-toolkit.ts';

const addCall = (parameters: unknown = { a: 1, b: 2 }) =>
  createAgentMessage({ sender: 'Agent', content: { name: 'Calc.add', parameters } });

function recorder(label: string, log: string[]): Hook {
  return {
    beforeAction: () => {
      log.push(`${label}:before`);
    },
    afterAction: () => {
      log.push(`${label}:after`);
    },
  };
}

describe('HookRegistry', () => {
  it('keeps hooks in registration order', () => {
    const first: Hook = {};
    const second: Hook = {};
    const third: Hook = {};
    const registry = new HookRegistry([first, second]);
    registry.register(third);

    expect(registry.values()).toEqual([first, second, third]);
    expect(registry.values()[2]).toBe(third);
    expect(registry.size).toBe(3);
  });

  it('removes a hook through its RemovableHandle, once', () => {
    const first: Hook = {};
    const second: Hook = {};
    const registry = new HookRegistry();
    const handle = registry.register(first);
    registry.register(second);

    expect(handle).toBeInstanceOf(RemovableHandle);
    handle.remove();
    handle.remove();

    expect(registry.size).toBe(1);
    expect(registry.values()[0]).toBe(second);
  });

  it('numbers handles from one global counter', () => {
    const a = new HookRegistry().register({});
    const b = new HookRegistry().register({});
    const c = new HookRegistry().register({});

    expect(b.id).toBe(a.id + 1);
    expect(c.id).toBe(b.id + 1);
  });

  it('registers the same hook twice as two entries', () => {
    const hook: Hook = {};
    const registry = new HookRegistry([hook, hook]);

    expect(registry.size).toBe(2);
  });
});

describe('ActionExecutor hooks', () => {
  it('runs hooks in registration order: constructor hooks, then registerHook', async () => {
    const log: string[] = [];
    const executor = new ActionExecutor({
      actions: [createCalc()],
      hooks: [recorder('one', log), recorder('two', log)],
    });
    executor.registerHook(recorder('three', log));

    await executor.call(addCall());

    expect(log).toEqual([
      'one:before',
      'two:before',
      'three:before',
      'one:after',
      'two:after',
      'three:after',
    ]);
  });

  it('gives each hook the executor, the current message and the session id', async () => {
    const seen: [HookTarget, unknown, SessionId][] = [];
    const executor = new ActionExecutor({
      actions: [createCalc()],
      hooks: [
        {
          beforeAction: (target, message, sessionId) => {
            seen.push([target, message.content, sessionId]);
          },
          afterAction: (target, message, sessionId) => {
            seen.push([target, (message.content as ActionReturn).result, sessionId]);
          },
        },
      ],
    });

    await executor.call(addCall(), { sessionId: 'session-1' });

    expect(seen).toEqual([
      [executor, { name: 'Calc.add', parameters: { a: 1, b: 2 } }, 'session-1'],
      [executor, [{ type: 'text', content: '3' }], 'session-1'],
    ]);
  });

  it('replaces the message with what a hook returns, for the hooks after it too', async () => {
    const seenBySecond: unknown[] = [];
    const executor = new ActionExecutor({
      actions: [createCalc()],
      hooks: [
        {
          beforeAction: (_target, message) => ({
            ...message,
            content: { name: 'Calc.add', parameters: { a: 10, b: 20 } },
          }),
          afterAction: (_target, message) => ({
            ...message,
            content: `sum=${(message.content as ActionReturn).result?.[0]?.content ?? ''}`,
          }),
        },
        {
          beforeAction: (_target, message) => {
            seenBySecond.push(message.content);
          },
          afterAction: (_target, message) => {
            seenBySecond.push(message.content);
          },
        },
      ],
    });

    const response = await executor.call(addCall());

    expect(response.content).toBe('sum=30');
    expect(seenBySecond).toEqual([{ name: 'Calc.add', parameters: { a: 10, b: 20 } }, 'sum=30']);
  });

  it('keeps changes a hook makes in place when it returns nothing', async () => {
    const executor = new ActionExecutor({
      actions: [createCalc()],
      hooks: [
        {
          beforeAction: (_target, message) => {
            message.content = { name: 'Calc.add', parameters: { a: 5 } };
          },
          afterAction: (_target, message) => {
            message.receiver = 'Agent';
          },
        },
      ],
    });

    const response = await executor.call(addCall());

    expect((response.content as ActionReturn).result).toEqual([{ type: 'text', content: '6' }]);
    expect(response.receiver).toBe('Agent');
  });

  it('awaits async hooks before running the tool and before returning', async () => {
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    const executor = new ActionExecutor({
      actions: [createCalc()],
      hooks: [
        {
          beforeAction: async (_target, message) => {
            await tick();
            return { ...message, content: { name: 'Calc.add', parameters: { a: 100 } } };
          },
          afterAction: async (_target, message): Promise<AgentMessage> => {
            await tick();
            return { ...message, content: 'async after' };
          },
        },
        {
          afterAction: async (_target, message) => {
            await tick();
            message.extraInfo = { seen: message.content };
          },
        },
      ],
    });

    const response = await executor.call(addCall());

    expect(response.content).toBe('async after');
    expect(response.extraInfo).toEqual({ seen: 'async after' });
  });

  it('runs the call a hook returned as a promise', async () => {
    const executor = new ActionExecutor({
      actions: [createCalc()],
      hooks: [
        {
          beforeAction: (_target, message) =>
            Promise.resolve({
              ...message,
              content: { name: 'Calc.add', parameters: { a: 100 } },
            }),
        },
      ],
    });

    const response = await executor.call(addCall());

    // Lagent echoes the call as it was made: `b`'s default is not in `args`.
    expect(response.content).toMatchObject({
      args: { a: 100 },
      result: [{ type: 'text', content: '101' }],
      state: ActionStatusCode.SUCCESS,
    });
  });

  it('stops calling a hook once its handle is removed', async () => {
    const log: string[] = [];
    const executor = new ActionExecutor({ actions: [createCalc()] });
    const handle = executor.registerHook(recorder('removable', log));
    executor.registerHook(recorder('kept', log));

    await executor.call(addCall());
    handle.remove();
    await executor.call(addCall());

    expect(log).toEqual([
      'removable:before',
      'kept:before',
      'removable:after',
      'kept:after',
      'kept:before',
      'kept:after',
    ]);
  });

  it('runs a hook that has only one of the two methods', async () => {
    const executor = new ActionExecutor({
      actions: [createCalc()],
      hooks: [{ afterAction: (_target, message) => ({ ...message, content: 'after only' }) }],
    });

    expect((await executor.call(addCall())).content).toBe('after only');
  });
});
