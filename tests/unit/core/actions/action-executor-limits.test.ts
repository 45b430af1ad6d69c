// Calls over the argument limits are answered with ARGS_ERROR (Lagent's state for bad
// arguments), never run, never echoed back, and never a RangeError from deep nesting.
import { z } from 'zod';
import { describe, expect, test } from 'vitest';
import type { ActionReturn, AgentMessage, Hook } from '../../../../core/index.ts';
import {
  ActionExecutor,
  ActionStatusCode,
  ActionValidCode,
  createAgentMessage,
  defaultPluginValidate,
  defineTool,
  JSONParser,
  OutputParseError,
  PluginParser,
  ToolStatusCode,
} from '../../../../core/index.ts';
import { fromApiToolCall } from '../../../../core/llms/openai-messages.ts';

function nested(depth: number): unknown {
  let value: unknown = { leaf: 1 };
  for (let level = 1; level < depth; level += 1) value = { next: value };
  return value;
}

/** JSON text nested `depth` deep: `{"a":{"a":...}}`. */
function nestedText(depth: number): string {
  return '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
}

function counting() {
  const calls: unknown[] = [];
  const tool = defineTool({
    name: 'Store',
    description: 'Keeps what it is given.',
    parameters: z.object({ data: z.unknown() }),
    execute: ({ data }) => {
      calls.push(data);
      return 'kept';
    },
  });
  return { tool, calls };
}

const call = (name: string, parameters: unknown): AgentMessage =>
  createAgentMessage({ sender: 'Agent', content: { name, parameters } });

describe('ActionExecutor limits', () => {
  test('arguments nested 100,000 deep: an ARGS_ERROR from call(), not a RangeError', async () => {
    const { tool, calls } = counting();
    const executor = new ActionExecutor({ actions: [tool] });
    const response = await executor.call(call('Store', { data: nested(100_000) }));
    const result = response.content as ActionReturn;
    expect(result.state).toBe(ActionStatusCode.ARGS_ERROR);
    expect(result.errmsg).toContain('nested more than');
    expect(calls).toHaveLength(0);
    expect(() => JSON.stringify(response)).not.toThrow();
  });

  test('arguments just inside the depth bound run', async () => {
    const { tool, calls } = counting();
    const executor = new ActionExecutor({ actions: [tool] });
    // {data: ...} adds one level to the 63 of the value.
    const result = await executor.forward({ name: 'Store', parameters: { data: nested(63) } });
    expect(result.state).toBe(ActionStatusCode.SUCCESS);
    expect(calls).toHaveLength(1);
    const over = await executor.forward({ name: 'Store', parameters: { data: nested(64) } });
    expect(over.state).toBe(ActionStatusCode.ARGS_ERROR);
  });

  test('arguments over maxArgumentBytes are refused unrun, and not echoed', async () => {
    const { tool, calls } = counting();
    const executor = new ActionExecutor({ actions: [tool] });
    const result = await executor.forward({
      name: 'Store',
      parameters: { data: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(result).toMatchObject({
      state: ActionStatusCode.ARGS_ERROR,
      type: 'Store',
      args: { name: 'run' },
      valid: ActionValidCode.OPEN,
    });
    expect(result.errmsg).toContain('larger than 1 MiB (maxArgumentBytes)');
    expect(JSON.stringify(result).length).toBeLessThan(1_000);
    expect(calls).toHaveLength(0);
  });

  test('the limits are options of the executor', async () => {
    const { tool, calls } = counting();
    const executor = new ActionExecutor({
      actions: [tool],
      limits: { maxArgumentBytes: 100, maxArgumentDepth: 3 },
    });
    expect(executor.limits).toEqual({ maxArgumentBytes: 100, maxArgumentDepth: 3 });
    const large = await executor.forward({ name: 'Store', parameters: { data: 'x'.repeat(200) } });
    expect(large.errmsg).toContain('larger than 100 bytes');
    const deep = await executor.forward({ name: 'Store', parameters: { data: { a: { b: {} } } } });
    expect(deep.errmsg).toContain('nested more than 3 levels');
    expect(calls).toHaveLength(0);
    expect((await executor.forward({ name: 'Store', parameters: { data: 1 } })).state).toBe(
      ActionStatusCode.SUCCESS,
    );
  });

  test('JSON text arguments are checked for depth once parsed', async () => {
    const { tool, calls } = counting();
    const executor = new ActionExecutor({ actions: [tool] });
    const text = `{"data": ${nestedText(100_000)}}`; // 600 KB of text: under the byte bound
    const result = await executor.forward({ name: 'Store', parameters: text });
    expect(result.state).toBe(ActionStatusCode.ARGS_ERROR);
    expect(result.errmsg).toContain('nested more than 64 levels');
    expect(result.args).toEqual({ name: 'run' });
    expect(calls).toHaveLength(0);
  });

  test('in a list of native calls, only the one over the bound is refused', async () => {
    const { tool, calls } = counting();
    const executor = new ActionExecutor({ actions: [tool] });
    const response = await executor.call(
      createAgentMessage({
        sender: 'Agent',
        content: [
          { name: 'Store', parameters: { data: 'x'.repeat(2 * 1024 * 1024) }, id: 'a' },
          { name: 'Store', parameters: { data: 'small' }, id: 'b' },
        ],
      }),
    );
    const [refused, ran] = response.content as ActionReturn[];
    expect(refused?.state).toBe(ActionStatusCode.ARGS_ERROR);
    expect(refused?.toolCallId).toBe('a');
    expect(ran?.state).toBe(ActionStatusCode.SUCCESS);
    expect(calls).toEqual(['small']);
  });

  test('a message too deep to copy skips the before-hooks, but after-hooks see the answer', async () => {
    const seen: string[] = [];
    const hook: Hook = {
      beforeAction: () => void seen.push('before'),
      afterAction: (_executor, message) => {
        seen.push(`after ${(message.content as ActionReturn).state}`);
      },
    };
    const executor = new ActionExecutor({ actions: [counting().tool], hooks: [hook] });
    await executor.call(call('Store', { data: nested(100_000) }));
    expect(seen).toEqual([`after ${ActionStatusCode.ARGS_ERROR}`]);
  });
});

describe('parsers refuse replies too deep to copy', () => {
  test("PluginParser: a deep plugin call is a PARSING_ERROR (the model hears 'follow the format')", () => {
    const text = `<|action_start|><|plugin|>\n{"name": "Store", "parameters": ${nestedText(100_000)}}<|action_end|>\n`;
    const formatted = new PluginParser().parseResponse(text);
    expect(formatted.status).toBe(ToolStatusCode.PARSING_ERROR);
    expect(() =>
      defaultPluginValidate(`{"name": "x", "parameters": ${nestedText(10)}}`),
    ).not.toThrow();
  });

  test('JSONParser: a deep reply is an OutputParseError', () => {
    const parser = new JSONParser({ models: { answer: z.object({ data: z.unknown() }) } });
    expect(() => parser.parseResponse(`{"data": ${nestedText(100_000)}}`)).toThrow(
      OutputParseError,
    );
    expect(parser.parseResponse('{"data": {"a": 1}}')).toEqual({ data: { a: 1 } });
  });

  test('native tool calls: deep arguments stay text, which the tool then refuses', () => {
    const text = `{"data": ${nestedText(100_000)}}`;
    const parsed = fromApiToolCall({ id: 'c1', name: 'Store', arguments: text });
    expect(parsed.parameters).toBe(text);
  });
});
