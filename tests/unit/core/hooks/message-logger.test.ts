// MessageLogger (inventory 1, hooks/logger.py): logs every message entering or leaving an
// agent or executor, here through an injected pino logger writing to a stream.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  ActionExecutor,
  ActionStatusCode,
  MessageLogger,
  createActionReturn,
  createAgentMessage,
  parseJson,
} from '../../../../core/index.ts';
import { createCalc } from '../actions/calc-toolkit.ts';

function capture() {
  const lines: unknown[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line !== '') lines.push(parseJson(line));
      }
      callback();
    },
  });
  const logger = pino({ base: null, timestamp: false }, stream);
  return { lines, logger };
}

describe('MessageLogger', () => {
  it('uses the logger it is given', () => {
    const { logger } = capture();

    expect(new MessageLogger({ logger }).logger).toBe(logger);
  });

  it("logs an executor's input and output", async () => {
    const { lines, logger } = capture();
    const executor = new ActionExecutor({
      actions: [createCalc()],
      hooks: [new MessageLogger({ logger })],
    });

    await executor.call(
      createAgentMessage({
        sender: 'Agent',
        content: { name: 'Calc.add', parameters: { a: 1, b: 2 } },
      }),
      { sessionId: 3 },
    );

    expect(lines).toEqual([
      {
        level: 30,
        event: 'action-input',
        target: 'ActionExecutor',
        sender: 'Agent',
        sessionId: 3,
        // Lagent logs f'{message.content}': Python's str() of the dict.
        msg: "Agent: {'name': 'Calc.add', 'parameters': {'a': 1, 'b': 2}}",
      },
      {
        level: 30,
        event: 'action-output',
        target: 'ActionExecutor',
        sender: 'ActionExecutor',
        sessionId: 3,
        msg: 'ActionExecutor: 3',
      },
    ]);
  });

  it('logs a failed ActionReturn as its errmsg', () => {
    const { lines, logger } = capture();

    new MessageLogger({ logger }).afterAction(
      { name: 'ActionExecutor' },
      createAgentMessage({
        sender: 'ActionExecutor',
        content: createActionReturn({
          errmsg: 'invalid API: sub',
          state: ActionStatusCode.API_ERROR,
        }),
      }),
      0,
    );

    expect(lines).toEqual([
      {
        level: 30,
        event: 'action-output',
        target: 'ActionExecutor',
        sender: 'ActionExecutor',
        sessionId: 0,
        msg: 'ActionExecutor: invalid API: sub',
      },
    ]);
  });

  it("logs each of an agent's input messages, then its output", () => {
    const { lines, logger } = capture();
    const hook = new MessageLogger({ logger });
    const agent = { name: 'Writer' };

    hook.beforeAgent(
      agent,
      [
        createAgentMessage({ content: 'Write a poem.' }),
        createAgentMessage({ sender: 'Critic', content: 'Shorter, please.' }),
      ],
      'session-a',
    );
    hook.afterAgent(
      agent,
      createAgentMessage({ sender: 'Writer', content: 'Roses.' }),
      'session-a',
    );

    expect(lines).toEqual([
      {
        level: 30,
        event: 'agent-input',
        target: 'Writer',
        sender: 'user',
        sessionId: 'session-a',
        msg: 'user: Write a poem.',
      },
      {
        level: 30,
        event: 'agent-input',
        target: 'Writer',
        sender: 'Critic',
        sessionId: 'session-a',
        msg: 'Critic: Shorter, please.',
      },
      {
        level: 30,
        event: 'agent-output',
        target: 'Writer',
        sender: 'Writer',
        sessionId: 'session-a',
        msg: 'Writer: Roses.',
      },
    ]);
  });

  it('does not change the messages it logs', async () => {
    const { logger } = capture();
    const executor = new ActionExecutor({
      actions: [createCalc()],
      hooks: [new MessageLogger({ logger })],
    });

    const response = await executor.call(
      createAgentMessage({ sender: 'Agent', content: { name: 'Calc.add', parameters: { a: 1 } } }),
    );

    expect(response.content).toMatchObject({ result: [{ type: 'text', content: '2' }] });
  });
});
