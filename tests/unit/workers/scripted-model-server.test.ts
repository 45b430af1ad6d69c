import OpenAI, { APIConnectionTimeoutError, APIError, RateLimitError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedModelServer } from '../../../workers/model-replay/scripted-model-server.ts';
import type {
  RecordedRequest,
  ScriptedModelServer,
  StartScriptedModelServerOptions,
} from '../../../workers/model-replay/scripted-model-server.ts';

const messages = [{ role: 'user' as const, content: 'hi' }];

describe('startScriptedModelServer', () => {
  let server: ScriptedModelServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const start = async (options: StartScriptedModelServerOptions = {}) => {
    server = await startScriptedModelServer(options);
    return server;
  };

  const clientFor = (
    target: ScriptedModelServer,
    options: { maxRetries?: number; timeout?: number } = {},
  ) => new OpenAI({ baseURL: target.baseURL, apiKey: 'test', maxRetries: 0, ...options });

  it('answers a plain completion', async () => {
    const target = await start({ replies: [{ content: 'Hello there.' }] });
    const completion = await clientFor(target).chat.completions.create({
      model: 'scripted-model',
      messages,
    });

    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('scripted-model');
    expect(completion.choices[0]?.message).toMatchObject({
      role: 'assistant',
      content: 'Hello there.',
    });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    expect(target.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it('returns tool calls with finish_reason tool_calls', async () => {
    const target = await start({
      replies: [{ toolCalls: [{ id: 'call_1', name: 'search', arguments: '{"q":"x"}' }] }],
    });
    const completion = await clientFor(target).chat.completions.create({ model: 'm', messages });

    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]?.message.tool_calls).toEqual([
      { id: 'call_1', type: 'function', function: { name: 'search', arguments: '{"q":"x"}' } },
    ]);
  });

  it('streams content and tool call arguments that reassemble', async () => {
    const args = '{"query":"weather in Paris","units":"metric"}';
    const target = await start({
      replies: [
        {
          content: 'Let me look that up for you.',
          toolCalls: [
            { name: 'search', arguments: args },
            { id: 'call_b', name: 'clock', arguments: '{}' },
          ],
          chunkChars: 5,
        },
      ],
    });
    const stream = await clientFor(target).chat.completions.create({
      model: 'm',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });

    let content = '';
    let contentChunks = 0;
    let finishReason: string | null = null;
    let sawUsage = false;
    const calls = new Map<number, { id?: string; name?: string; arguments: string }>();
    for await (const chunk of stream) {
      if (chunk.usage) sawUsage = true;
      const choice = chunk.choices[0];
      if (!choice) continue;
      if (choice.delta.content) {
        content += choice.delta.content;
        contentChunks += 1;
      }
      for (const delta of choice.delta.tool_calls ?? []) {
        const call = calls.get(delta.index) ?? { arguments: '' };
        if (delta.id) call.id = delta.id;
        if (delta.function?.name) call.name = delta.function.name;
        call.arguments += delta.function?.arguments ?? '';
        calls.set(delta.index, call);
      }
      finishReason = choice.finish_reason ?? finishReason;
    }

    expect(content).toBe('Let me look that up for you.');
    expect(contentChunks).toBe(Math.ceil(content.length / 5));
    expect(calls.get(0)).toMatchObject({ name: 'search', arguments: args });
    expect(calls.get(0)?.id).toMatch(/^call_/);
    expect(calls.get(1)).toEqual({ id: 'call_b', name: 'clock', arguments: '{}' });
    expect(finishReason).toBe('tool_calls');
    expect(sawUsage).toBe(true);
  });

  it('stops streaming when the client disconnects', async () => {
    const target = await start({
      replies: [{ content: 'x'.repeat(400), chunkChars: 1, chunkDelayMs: 20 }],
    });
    const stream = await clientFor(target).chat.completions.create({
      model: 'm',
      messages,
      stream: true,
    });
    let received = 0;
    for await (const chunk of stream) {
      received += chunk.choices[0]?.delta.content?.length ?? 0;
      if (received >= 3) break; // Breaking out aborts the HTTP request.
    }
    const started = Date.now();
    await target.close();
    // The remaining ~8 s of chunks were never written.
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('cuts content at the first stop string, unless honourStop is false', async () => {
    const text = 'Thought: go\nAction: search\nObservation: none';
    const target = await start({
      replies: [{ content: text }, { content: text, honourStop: false }],
    });
    const client = clientFor(target);
    const stop = ['Observation:', 'Action:'];

    const honoured = await client.chat.completions.create({ model: 'm', messages, stop });
    const ignored = await client.chat.completions.create({ model: 'm', messages, stop });

    expect(honoured.choices[0]?.message.content).toBe('Thought: go\n');
    expect(ignored.choices[0]?.message.content).toBe(text);
  });

  it('honours stop strings while streaming', async () => {
    const target = await start({ replies: [{ content: 'abc<END>def' }] });
    const stream = await clientFor(target).chat.completions.create({
      model: 'm',
      messages,
      stop: '<END>',
      stream: true,
    });
    let content = '';
    for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    expect(content).toBe('abc');
  });

  it('retries a 429 quickly and then succeeds', async () => {
    const target = await start({
      replies: [{ status: 429, content: 'Slow down' }, { content: 'ok' }],
    });
    const started = Date.now();
    const completion = await clientFor(target, { maxRetries: 1 }).chat.completions.create({
      model: 'm',
      messages,
    });

    expect(completion.choices[0]?.message.content).toBe('ok');
    expect(target.requests.length).toBe(2);
    // retry-after-ms: 10 replaces the client's default back-off of about half a second.
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('surfaces a 429 as RateLimitError with an OpenAI-style body', async () => {
    const target = await start({ replies: [{ status: 429, content: 'Slow down' }] });
    const error: unknown = await clientFor(target)
      .chat.completions.create({ model: 'm', messages })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({
      status: 429,
      type: 'rate_limit_error',
      code: 'rate_limit_exceeded',
    });
    expect((error as RateLimitError).message).toContain('Slow down');
  });

  it('answers 500 when the script runs out and there is no fallback', async () => {
    const target = await start();
    const error: unknown = await clientFor(target)
      .chat.completions.create({ model: 'm', messages })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ status: 500, code: 'script_exhausted' });
    expect((error as APIError).message).toContain('script ran out');
    expect(target.requests.length).toBe(1);
  });

  it('uses the fallback once the script is empty', async () => {
    const target = await start({
      replies: [{ content: 'scripted' }],
      fallback: () => ({ content: 'fallback' }),
    });
    const client = clientFor(target);
    const first = await client.chat.completions.create({ model: 'm', messages });
    const second = await client.chat.completions.create({ model: 'm', messages });

    expect(first.choices[0]?.message.content).toBe('scripted');
    expect(second.choices[0]?.message.content).toBe('fallback');
  });

  it('times out on a delayed reply and stops waiting once the client has gone', async () => {
    const target = await start({ replies: [{ content: 'late', delayMs: 5_000 }] });
    const started = Date.now();
    const error: unknown = await clientFor(target, { timeout: 200 })
      .chat.completions.create({ model: 'm', messages })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(APIConnectionTimeoutError);
    // close() must not wait for the abandoned 5 s delay.
    await target.close();
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('records requests with their bodies and headers, in order', async () => {
    const target = await start({ replies: [{ content: 'a' }, { status: 503 }] });
    const client = clientFor(target);
    await client.chat.completions.create({
      model: 'm',
      messages,
      temperature: 0.2,
      max_tokens: 64,
      tools: [{ type: 'function', function: { name: 'search', parameters: { type: 'object' } } }],
    });
    await expect(
      client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'again' }],
      }),
    ).rejects.toBeInstanceOf(APIError);

    expect(target.requests.map((request) => request.body.messages[0]?.content)).toEqual([
      'hi',
      'again',
    ]);
    const [first] = target.requests;
    expect(first?.body).toMatchObject({ model: 'm', temperature: 0.2, max_tokens: 64 });
    expect(first?.body.tools).toHaveLength(1);
    expect(first?.headers['authorization']).toBe('Bearer test');
    expect(first?.receivedAt).toBeLessThanOrEqual(Date.now());
  });

  it('passes the request to function replies', async () => {
    const seen: RecordedRequest[] = [];
    const target = await start();
    target.enqueue((request) => {
      seen.push(request);
      const last = request.body.messages.at(-1)?.content;
      return { content: `echo: ${typeof last === 'string' ? last : ''}` };
    });
    const completion = await clientFor(target).chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'ping' }],
    });

    expect(completion.choices[0]?.message.content).toBe('echo: ping');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(target.requests[0]);
  });

  it('answers 500 when a function reply throws', async () => {
    const target = await start({
      replies: [
        () => {
          throw new Error('unexpected request in test');
        },
      ],
    });
    await expect(
      clientFor(target).chat.completions.create({ model: 'm', messages }),
    ).rejects.toThrow(/unexpected request in test/);
  });

  it('lists its model and answers 404 elsewhere', async () => {
    const target = await start({ model: 'tiny-model' });
    const client = clientFor(target);
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(['tiny-model']);

    const response = await fetch(`${target.baseURL}/embeddings`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('"error":{"message":"No route for POST');
  });

  it('rejects a body that is not a chat completion request with 400', async () => {
    const target = await start({ replies: [{ content: 'unused' }] });
    const response = await fetch(`${target.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'not json',
    });
    expect(response.status).toBe(400);
    expect(target.requests).toHaveLength(0);
  });
});
