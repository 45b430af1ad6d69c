// ActionExecutor against the inventory's verified table (section 3.7), with the toolkit
// `Calc.add(a: int, b: int = 1)`, plus native tool calls, routing and the executor's API.
import { describe, expect, it } from 'vitest';
import {
  ActionExecutor,
  ActionStatusCode,
  ActionValidCode,
  AgentStatusCode,
  createAgentMessage,
} from '../../../../core/index.ts';
import type { ActionReturn, AgentMessage } from '../../../../core/index.ts';
import { createCalc } from './calc-toolkit.ts';

function toolCall(name: string, parameters: unknown): AgentMessage {
  return createAgentMessage({ sender: 'Agent', content: { name, parameters } });
}

async function run(executor: ActionExecutor, name: string, parameters: unknown) {
  const response = await executor.call(toolCall(name, parameters));
  return response.content as ActionReturn;
}

const calcExecutor = () => new ActionExecutor({ actions: [createCalc()] });

describe('ActionExecutor: the verified outcomes of Lagent', () => {
  it('runs Calc.add {a:1, b:2} and answers with a SUCCESS ActionReturn', async () => {
    const response = await calcExecutor().call(toolCall('Calc.add', { a: 1, b: 2 }));

    expect(response).toEqual({
      content: {
        args: { a: 1, b: 2 },
        url: null,
        type: 'Calc',
        result: [{ type: 'text', content: '3' }],
        errmsg: null,
        state: ActionStatusCode.SUCCESS,
        thought: null,
        valid: ActionValidCode.OPEN,
      },
      sender: 'ActionExecutor',
      formatted: null,
      extraInfo: null,
      type: null,
      receiver: null,
      streamState: AgentStatusCode.END,
    });
  });

  it('parses parameters given as JSON text', async () => {
    const result = await run(calcExecutor(), 'Calc.add', '{"a": 1, "b": 2}');

    expect(result.state).toBe(ActionStatusCode.SUCCESS);
    expect(result.args).toEqual({ a: 1, b: 2 });
    expect(result.result).toEqual([{ type: 'text', content: '3' }]);
  });

  it('parses parameters given as JSON inside a ```json fence', async () => {
    const result = await run(calcExecutor(), 'Calc.add', '```json\n{"a": 1, "b": 2}\n```');

    expect(result.state).toBe(ActionStatusCode.SUCCESS);
    expect(result.result).toEqual([{ type: 'text', content: '3' }]);
  });

  it('rejects an unknown argument with ARGS_ERROR and the raw inputs as args', async () => {
    const result = await run(calcExecutor(), 'Calc.add', { c: 1 });

    expect(result).toEqual({
      args: { inputs: { c: 1 }, name: 'add' },
      url: null,
      type: 'Calc',
      result: null,
      errmsg: "unknown arguments: {'c'}",
      state: ActionStatusCode.ARGS_ERROR,
      thought: null,
      valid: ActionValidCode.OPEN,
    });
    expect(result.state).toBe(-1001);
  });

  it('rejects a missing required argument with ARGS_ERROR', async () => {
    const result = await run(calcExecutor(), 'Calc.add', { b: 1 });

    expect(result.errmsg).toBe("missing required arguments: {'a'}");
    expect(result.state).toBe(ActionStatusCode.ARGS_ERROR);
    expect(result.args).toEqual({ inputs: { b: 1 }, name: 'add' });
  });

  it('rejects text that is not JSON with ARGS_ERROR', async () => {
    const result = await run(calcExecutor(), 'Calc.add', 'not json');

    expect(result.errmsg).toBe('invalid json format: not json');
    expect(result.state).toBe(ActionStatusCode.ARGS_ERROR);
    expect(result.args).toEqual({ inputs: 'not json', name: 'add' });
  });

  it('rejects an argument of the wrong type (a string for an int) with ARGS_ERROR', async () => {
    const result = await run(calcExecutor(), 'Calc.add', { a: 'one' });

    expect(result.state).toBe(ActionStatusCode.ARGS_ERROR);
    expect(result.type).toBe('Calc');
    expect(result.args).toEqual({ inputs: { a: 'one' }, name: 'add' });
    expect(result.errmsg).toMatch(/^invalid arguments: /);
    expect(result.errmsg).toContain('expected number, received string');
  });

  it('rejects a non-integer for an int argument with ARGS_ERROR', async () => {
    const result = await run(calcExecutor(), 'Calc.add', { a: 1.5 });

    expect(result.state).toBe(ActionStatusCode.ARGS_ERROR);
    expect(result.errmsg).toMatch(/^invalid arguments: /);
  });

  it('answers an API the toolkit does not have with API_ERROR', async () => {
    const result = await run(calcExecutor(), 'Calc.sub', { a: 1 });

    expect(result).toEqual({
      args: { inputs: { a: 1 }, name: 'sub' },
      url: null,
      type: 'Calc',
      result: null,
      errmsg: 'invalid API: sub',
      state: ActionStatusCode.API_ERROR,
      thought: null,
      valid: ActionValidCode.OPEN,
    });
    expect(result.state).toBe(-1002);
  });

  it('turns a throwing tool into API_ERROR with the error message and the parsed args', async () => {
    const result = await run(calcExecutor(), 'Calc.div', '{"a": 1, "b": 0}');

    expect(result).toEqual({
      args: { a: 1, b: 0 },
      url: null,
      type: 'Calc',
      result: null,
      errmsg: 'division by zero',
      state: ActionStatusCode.API_ERROR,
      thought: null,
      valid: ActionValidCode.OPEN,
    });
  });

  it('sends an unknown tool to InvalidAction, with a string errmsg that names the tool', async () => {
    const result = await run(calcExecutor(), 'Unknown', { x: 1 });

    expect(result).toEqual({
      args: { text: { x: 1 } },
      url: null,
      type: 'InvalidAction',
      result: null,
      errmsg:
        'The action is invalid, please check the action name. No action is named "Unknown"; the actions are: Calc.',
      state: ActionStatusCode.API_ERROR,
      thought: null,
      valid: ActionValidCode.INVALID,
    });
    expect(result.valid).toBe(-2);
  });

  it('names no actions when the executor has none', async () => {
    const result = await run(new ActionExecutor({ actions: [] }), 'Unknown', {});

    expect(result.errmsg).toBe(
      'The action is invalid, please check the action name. No action is named "Unknown"; the actions are: (none).',
    );
    expect(result.type).toBe('InvalidAction');
  });

  it('sends an unknown API of an unknown toolkit to InvalidAction', async () => {
    const result = await run(calcExecutor(), 'Math.add', { a: 1 });

    expect(result.type).toBe('InvalidAction');
    expect(result.valid).toBe(ActionValidCode.INVALID);
    expect(result.errmsg).toContain('No action is named "Math.add"');
  });

  it('answers NoAction with "Please follow the format"', async () => {
    const result = await run(calcExecutor(), 'NoAction', {});

    expect(result).toEqual({
      args: { text: {} },
      url: null,
      type: 'NoAction',
      result: null,
      errmsg: 'Please follow the format',
      state: ActionStatusCode.API_ERROR,
      thought: null,
      valid: ActionValidCode.INVALID,
    });
  });

  it("answers FinishAction 'done' with SUCCESS, valid FINISH and the text", async () => {
    const result = await run(calcExecutor(), 'FinishAction', 'done');

    expect(result).toEqual({
      args: { text: 'done' },
      url: null,
      type: 'FinishAction',
      result: [{ type: 'text', content: 'done' }],
      errmsg: null,
      state: ActionStatusCode.SUCCESS,
      thought: null,
      valid: ActionValidCode.FINISH,
    });
    expect(result.valid).toBe(1);
  });
});
