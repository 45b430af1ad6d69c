// AnthropicModel on the real @anthropic-ai/sdk against a scripted Messages API on 127.0.0.1.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Agent } from '../../../../core/agents/agent.ts';
import { InvalidArgumentError } from '../../../../core/errors/invalid-argument-error.ts';
import { ModelApiError } from '../../../../core/errors/model-errors.ts';
import type { AnthropicModelOptions } from '../../../../core/llms/anthropic-model.ts';
import { AnthropicModel } from '../../../../core/llms/anthropic-model.ts';
import type { ChatRequest } from '../../../../core/llms/chat-model.ts';
import { ModelStatusCode } from '../../../../core/schema/status-codes.ts';
import type { ScriptedAnthropicServer } from '../../../../workers/model-replay/scripted-anthropic-server.ts';
import { startScriptedAnthropicServer } from '../../../../workers/model-replay/scripted-anthropic-server.ts';
import { collectChunks, STOP_WORD_STREAM } from '../../../support/model-client-cases.ts';
import { itMapsModelFailures } from '../../../support/model-client-failures.ts';

const hi = [{ role: 'user', content: 'hi' }];

describe('AnthropicModel', () => {
  let server: ScriptedAnthropicServer | undefined;

  afterEach(async () => {
    vi.unstubAllEnvs();
    await server?.close();
    server = undefined;
  });

  const setup = async (options: Partial<AnthropicModelOptions> = {}) => {
    server = await startScriptedAnthropicServer();
    const model = new AnthropicModel({
      model: 'claude-test',
      apiKey: 'sk-test',
      baseURL: server.baseURL,
      maxRetries: 0,
      ...options,
    });
    return { server, model };
  };

  it("sends Lagent's ClaudeAPI request: system apart, environment as user, no sampling defaults", async () => {
    const { server, model } = await setup({ stopWords: ['<|im_end|>'] });
    server.enqueue({ content: 'Hello there.' });

    const response = await model.chat({
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'hi', name: 'bob' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'environment', content: 'result: 42', name: 'interpreter' },
        { role: 'user', content: 'and?' },
      ],
      sessionId: 3,
    });

    expect(response).toEqual({ content: 'Hello there.', toolCalls: [], finishReason: 'stop' });
    const [request] = server.requests;
    expect(request?.body).toEqual({
      model: 'claude-test',
      max_tokens: 512,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'result: 42\nand?' },
      ],
      system: 'You are terse.',
      stop_sequences: ['<|im_end|>'],
    });
    expect(request?.headers['anthropic-version']).toBeDefined();
    expect(JSON.stringify(request?.headers)).toContain('sk-test');
  });

  it('sends temperature, top_p and top_k only when given, and never a repetition penalty', async () => {
    const { server, model } = await setup({ temperature: 0.2, repetitionPenalty: 1.1 });
    server.enqueue({ content: 'a' }, { content: 'b' });

    await model.chat({ messages: hi });
    await model.chat({ messages: hi, topP: 0.9, topK: 5, maxNewTokens: 64, temperature: 0 });

    expect(model.genParams).toEqual({ maxNewTokens: 512, stopWords: [], temperature: 0.2 });
    expect(server.requests.map((request) => request.body)).toEqual([
      { model: 'claude-test', max_tokens: 512, messages: hi, temperature: 0.2 },
      {
        model: 'claude-test',
        max_tokens: 64,
        messages: hi,
        temperature: 0,
        top_p: 0.9,
        top_k: 5,
      },
    ]);
  });

  it('ends at a stop sequence, cut client-side too when the server does not stop', async () => {
    const { server, model } = await setup({ stopWords: ['<END>'], extraBody: { metadata: {} } });
    server.enqueue(
      { content: 'kept<END>dropped' },
      { content: 'kept<END>dropped', honourStop: false },
      { content: 'long', stopReason: 'max_tokens' },
    );

    const honoured = await model.chat({ messages: hi });
    const ignored = await model.chat({ messages: hi });
    const cut = await model.chat({ messages: hi });

    expect(honoured).toEqual({ content: 'kept', toolCalls: [], finishReason: 'stop' });
    expect(ignored.content).toBe('kept');
    expect(cut.finishReason).toBe('length');
    expect(server.requests[0]?.body['metadata']).toEqual({});
  });

  it('offers native tools and returns tool uses as tool calls', async () => {
    const { server, model } = await setup();
    server.enqueue({
      content: 'Looking.',
      toolUses: [{ id: 'toolu_9', name: 'search', input: { q: 'weather' } }],
    });
    const tools: NonNullable<ChatRequest['tools']> = [
      {
        type: 'function',
        function: {
          name: 'search',
          description: 'Search',
          parameters: { type: 'object', properties: { q: { type: 'string' } } },
        },
      },
    ];

    const response = await model.chat({
      messages: [
        { role: 'user', content: 'first' },
        {
          role: 'assistant',
          content: null,
          toolCalls: [{ id: 'toolu_1', name: 'search', parameters: { q: 'a' } }],
        },
        { role: 'tool', content: 'found a', toolCallId: 'toolu_1' },
      ],
      tools,
    });

    expect(response).toEqual({
      content: 'Looking.',
      toolCalls: [{ id: 'toolu_9', name: 'search', parameters: { q: 'weather' } }],
      finishReason: 'tool_calls',
    });
    expect(server.requests[0]?.body).toMatchObject({
      tools: [
        {
          name: 'search',
          description: 'Search',
          input_schema: { type: 'object', properties: { q: { type: 'string' } } },
        },
      ],
      messages: [
        { role: 'user', content: 'first' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'toolu_1', name: 'search', input: { q: 'a' } }],
        },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'found a' }],
        },
      ],
    });
  });

  it('streams cumulative chunks, holding back a possible stop word and stopping at one', async () => {
    const { server, model } = await setup({ stopWords: STOP_WORD_STREAM.stopWords });
    server.enqueue(STOP_WORD_STREAM.reply);

    const chunks = await collectChunks(model.streamChat({ messages: hi }));

    expect(server.requests[0]?.body).toMatchObject({ stream: true });
    expect(chunks).toEqual(STOP_WORD_STREAM.chunks);
  });

  it('streams tool uses whose input arrives in pieces', async () => {
    const { server, model } = await setup();
    const input = { query: 'weather in Paris', units: 'metric' };
    server.enqueue({
      content: 'Let me see.',
      toolUses: [{ name: 'search', input }],
      chunkChars: 5,
    });

    const chunks = await collectChunks(model.streamChat({ messages: hi }));

    expect(chunks.at(-2)?.content).toBe('Let me see.');
    expect(chunks.at(-1)).toEqual({
      state: ModelStatusCode.END,
      content: 'Let me see.',
      delta: '',
      toolCalls: [{ id: 'toolu_scripted_1_0', name: 'search', parameters: input }],
      finishReason: 'tool_calls',
    });
  });

  it('maps an error event in the middle of a stream by its type', async () => {
    const { server, model } = await setup();
    server.enqueue({ content: 'partial', streamError: true });
    const seen: string[] = [];

    const consume = async () => {
      for await (const chunk of model.streamChat({ messages: hi })) seen.push(chunk.content);
    };
    const error = await consume().catch((caught: unknown) => caught);

    expect(seen.at(-1)).toBe('partial');
    expect(error).toBeInstanceOf(ModelApiError);
    expect(error).toMatchObject({ status: 529, isRetryable: true });
  });

  it('retries a 429, then maps refused keys and overloads to ModelApiError', async () => {
    const { server, model } = await setup({ maxRetries: 1 });
    server.enqueue({ status: 429, content: 'Slow down' }, { content: 'ok' });
    server.enqueue({ status: 401, content: 'invalid x-api-key' });

    await expect(model.chat({ messages: hi })).resolves.toMatchObject({ content: 'ok' });
    const refused = await model.chat({ messages: hi }).catch((caught: unknown) => caught);

    expect(server.requests).toHaveLength(3);
    expect(refused).toBeInstanceOf(ModelApiError);
    expect(refused).toMatchObject({ code: 'MODEL_API_ERROR', status: 401, isRetryable: false });
    expect((refused as ModelApiError).message).toContain('invalid x-api-key');

    const once = new AnthropicModel({
      model: 'claude-test',
      apiKey: 'sk-test',
      baseURL: server.baseURL,
      maxRetries: 0,
    });
    server.enqueue({ status: 529, content: 'Overloaded' });
    await expect(once.chat({ messages: hi })).rejects.toMatchObject({
      status: 529,
      isRetryable: true,
    });
  });

  itMapsModelFailures(setup);

  it("reads the key from ANTHROPIC_API_KEY, then Lagent's Claude_API_KEY", async () => {
    server = await startScriptedAnthropicServer({ fallback: () => ({ content: 'ok' }) });
    const baseURL = server.baseURL;
    const authOf = (index: number) => JSON.stringify(server?.requests[index]?.headers);

    vi.stubEnv('ANTHROPIC_API_KEY', undefined);
    vi.stubEnv('Claude_API_KEY', undefined);
    expect(() => new AnthropicModel({ model: 'm', baseURL })).toThrow(InvalidArgumentError);

    vi.stubEnv('Claude_API_KEY', 'sk-lagent');
    await new AnthropicModel({ model: 'm', baseURL }).chat({ messages: hi });
    vi.stubEnv('ANTHROPIC_API_KEY', 'sk-anthropic');
    await new AnthropicModel({ model: 'm', baseURL }).chat({ messages: hi });

    expect(authOf(0)).toContain('sk-lagent');
    expect(authOf(1)).toContain('sk-anthropic');
    expect(authOf(1)).not.toContain('sk-lagent');
  });

  it('works as an agent model', async () => {
    const { server, model } = await setup();
    server.enqueue({ content: '急' });
    const agent = new Agent({ llm: model, template: 'Pick one character.' });

    const reply = await agent.call('今天天气情况', { temperature: 0 });

    expect(reply.content).toBe('急');
    expect(server.requests[0]?.body).toMatchObject({
      system: 'Pick one character.',
      messages: [{ role: 'user', content: '今天天气情况' }],
      temperature: 0,
    });
  });
});
