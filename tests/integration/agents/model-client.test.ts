// The model client against a real HTTP server: token streaming through an agent, retries on
// 429, timeouts, aborts, and native OpenAI tool calls beside the text parsers.
import { expect } from 'vitest';
import { z } from 'zod';
import type { AgentStreamEvent } from '../../../core/index.ts';
import {
  AbortedError,
  ActionExecutor,
  ActionPreprocessor,
  Agent,
  AgentStatusCode,
  defineToolApi,
  defineToolkit,
  ModelApiError,
  ModelTimeoutError,
  ToolParser,
} from '../../../core/index.ts';
import { test } from '../../support/model-server-fixture.ts';

test('an agent streams tokens, then one final message that memory keeps', async ({
  server,
  createModel,
}) => {
  server.enqueue({ content: 'Let me compute.\n```python\nprint(6 * 7)\n```\nDone', chunkChars: 3 });
  const agent = new Agent({
    llm: createModel({ stopWords: ['\n```\n'] }),
    outputFormat: new ToolParser({
      toolType: 'code interpreter',
      begin: '```python\n',
      end: '\n```\n',
    }),
  });

  const events: AgentStreamEvent[] = [];
  for await (const event of agent.stream('What is 6 * 7?')) events.push(event);

  expect(server.requests[0]?.body.stream).toBe(true);
  const deltas = events.filter((event) => event.type === 'message-delta');
  expect(deltas.length).toBeGreaterThan(3);
  expect(deltas.map((event) => event.delta).join('')).toBe(
    'Let me compute.\n```python\nprint(6 * 7)',
  );
  for (const event of deltas) expect(event.message.streamState).toBe(AgentStatusCode.STREAM_ING);
  expect(deltas.at(-1)?.message.content).toBe('Let me compute.\n```python\nprint(6 * 7)');
  const end = events.at(-1);
  expect(end?.type).toBe('message-end');
  expect(end?.message).toMatchObject({
    content: 'Let me compute.\n```python\nprint(6 * 7)',
    streamState: AgentStatusCode.END,
    formatted: { toolType: 'code interpreter', action: 'print(6 * 7)', status: 1 },
  });
  expect(agent.memory?.getMemory().map((message) => message.content)).toEqual([
    'What is 6 * 7?',
    'Let me compute.\n```python\nprint(6 * 7)',
  ]);
});

test('streaming holds back a partial stop word and cuts at a full one, even if the server ignores stop', async ({
  server,
  createModel,
}) => {
  server.enqueue({ content: 'answer<|im_end|>garbage', chunkChars: 2, honourStop: false });
  const agent = new Agent({ llm: createModel({ stopWords: ['<|im_end|>'] }) });

  const deltas: string[] = [];
  let final = '';
  for await (const event of agent.stream('q')) {
    if (event.type === 'message-delta') deltas.push(event.delta);
    else final = String(event.message.content);
  }

  expect(deltas.join('')).toBe('answer');
  expect(deltas.some((delta) => delta.includes('<'))).toBe(false);
  expect(final).toBe('answer');
});

test('a 429 is retried with backoff and the call succeeds', async ({ server, createModel }) => {
  server.enqueue({ status: 429, content: 'slow down' }, { content: 'ok after retry' });
  const agent = new Agent({ llm: createModel({ maxRetries: 2 }) });

  const reply = await agent.call('hi');

  expect(reply.content).toBe('ok after retry');
  expect(server.requests).toHaveLength(2);
});

test('retries run out on repeated 429s: a typed, retryable ModelApiError', async ({
  server,
  createModel,
}) => {
  server.enqueue({ status: 429 }, { status: 429 });
  const agent = new Agent({ llm: createModel({ maxRetries: 1 }) });

  const error: unknown = await agent.call('hi').catch((caught: unknown) => caught);

  expect(error).toBeInstanceOf(ModelApiError);
  expect(error).toMatchObject({ code: 'MODEL_API_ERROR', status: 429, isRetryable: true });
  expect(server.requests).toHaveLength(2);
  // The failed call left the input in memory and no reply.
  expect(agent.memory?.getMemory().map((message) => message.sender)).toEqual(['user']);
});

test('a server slower than timeoutMs gives ModelTimeoutError', async ({ server, createModel }) => {
  server.enqueue({ content: 'too late', delayMs: 5_000 });
  const agent = new Agent({ llm: createModel({ timeoutMs: 200 }) });

  await expect(agent.call('hi')).rejects.toBeInstanceOf(ModelTimeoutError);
});

test('aborting the signal stops the request with AbortedError', async ({ server, createModel }) => {
  server.enqueue({ content: 'never sent', delayMs: 10_000 });
  const agent = new Agent({ llm: createModel() });
  const controller = new AbortController();

  const pending = agent.call('hi', { signal: controller.signal });
  await expect.poll(() => server.requests.length).toBe(1);
  controller.abort();

  await expect(pending).rejects.toBeInstanceOf(AbortedError);
});

test('an already aborted signal fails before any request', async ({ server, createModel }) => {
  const agent = new Agent({ llm: createModel() });

  await expect(agent.call('hi', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
    AbortedError,
  );
  expect(server.requests).toHaveLength(0);
});

test('native tool calls: tool_calls in, tool results out, beside the executor', async ({
  server,
  createModel,
}) => {
  const calc = defineToolkit({
    name: 'Calc',
    description: 'Integer arithmetic.',
    apis: {
      add: defineToolApi({
        description: 'Adds two integers.',
        parameters: z.object({ a: z.number().int(), b: z.number().int().default(1) }),
        execute: ({ a, b }) => a + b,
      }),
    },
  });
  const executor = new ActionExecutor({ actions: [calc], hooks: [new ActionPreprocessor()] });
  const agent = new Agent({ llm: createModel(), tools: executor.toOpenAITools() });
  server.enqueue(
    {
      content: '',
      toolCalls: [{ id: 'call_1', name: 'Calc__add', arguments: '{"a": 2, "b": 3}' }],
    },
    { content: 'The sum is 5.' },
  );

  const call = await agent.call('What is 2 + 3?');
  expect(call.formatted).toMatchObject({
    toolType: 'function',
    action: [{ id: 'call_1', name: 'Calc__add', parameters: { a: 2, b: 3 } }],
  });
  const result = await executor.call(call);
  expect(result.content).toMatchObject([
    { toolCallId: 'call_1', result: [{ type: 'text', content: '5' }] },
  ]);
  const answer = await agent.call(result);

  expect(answer.content).toBe('The sum is 5.');
  expect(server.requests[0]?.body.tools).toEqual(executor.toOpenAITools());
  expect(server.requests[1]?.body.messages.slice(1)).toEqual([
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id: 'call_1',
          type: 'function',
          function: { name: 'Calc__add', arguments: '{"a": 2, "b": 3}' },
        },
      ],
    },
    { role: 'tool', content: '5', tool_call_id: 'call_1' },
  ]);
});
