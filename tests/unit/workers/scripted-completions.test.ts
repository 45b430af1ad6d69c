// The scripted model server's text completions (`POST /v1/completions`), through the real
// `openai` client.
import OpenAI, { APIError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedModelServer } from '../../../workers/model-replay/scripted-model-server.ts';
import type {
  ScriptedModelServer,
  StartScriptedModelServerOptions,
} from '../../../workers/model-replay/scripted-model-server.ts';

describe('startScriptedModelServer: /v1/completions', () => {
  let server: ScriptedModelServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const start = async (options: StartScriptedModelServerOptions = {}) => {
    server = await startScriptedModelServer(options);
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'test', maxRetries: 0 });
    return { server, client };
  };

  it('answers a text completion and records the prompt', async () => {
    const { server, client } = await start({ replies: [{ content: 'Paris.<|im_end|>more' }] });

    const completion = await client.completions.create({
      model: 'm',
      prompt: '<|im_start|>user\nCapital?<|im_end|>\n<|im_start|>assistant\n',
      stop: ['<|im_end|>'],
      max_tokens: 16,
    });

    expect(completion).toMatchObject({
      object: 'text_completion',
      model: 'm',
      choices: [{ index: 0, text: 'Paris.', logprobs: null, finish_reason: 'stop' }],
    });
    expect(completion.id).toMatch(/^cmpl-/);
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      endpoint: 'completion',
      prompt: '<|im_start|>user\nCapital?<|im_end|>\n<|im_start|>assistant\n',
      body: { model: 'm', max_tokens: 16, stop: ['<|im_end|>'], messages: [] },
    });
  });

  it('streams the text in pieces, then the finish reason and usage', async () => {
    const { client } = await start({
      replies: [{ content: 'abcdefg', chunkChars: 3, finishReason: 'length' }],
    });

    const stream = await client.completions.create({
      model: 'm',
      prompt: 'p',
      stream: true,
      stream_options: { include_usage: true },
    });
    const texts: string[] = [];
    const finishReasons: Array<string | null> = [];
    let sawUsage = false;
    for await (const chunk of stream) {
      if (chunk.usage) sawUsage = true;
      for (const choice of chunk.choices) {
        texts.push(choice.text);
        finishReasons.push(choice.finish_reason);
      }
    }

    expect(texts).toEqual(['abc', 'def', 'g', '']);
    expect(finishReasons).toEqual([null, null, null, 'length']);
    expect(sawUsage).toBe(true);
  });

  it('shares the script and the request log with chat completions', async () => {
    const { server, client } = await start({
      replies: [{ content: 'one' }, (request) => ({ content: `two: ${request.prompt ?? ''}` })],
    });

    const chat = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
    });
    const text = await client.completions.create({ model: 'm', prompt: 'p' });

    expect(chat.choices[0]?.message.content).toBe('one');
    expect(text.choices[0]?.text).toBe('two: p');
    expect(server.requests.map((request) => request.endpoint)).toEqual(['chat', 'completion']);
    expect(server.requests[0]?.prompt).toBeUndefined();
  });

  it('answers errors, tool calls and malformed bodies loudly', async () => {
    const { server, client } = await start({
      replies: [
        { status: 503, content: 'Loading' },
        { toolCalls: [{ name: 'x', arguments: '{}' }] },
      ],
    });

    await expect(client.completions.create({ model: 'm', prompt: 'p' })).rejects.toMatchObject({
      status: 503,
    });
    const toolCalls = await client.completions
      .create({ model: 'm', prompt: 'p' })
      .catch((caught: unknown) => caught);
    const malformed = await fetch(`${server.baseURL}/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [] }),
    });

    expect(toolCalls).toBeInstanceOf(APIError);
    expect((toolCalls as APIError).message).toContain('cannot carry tool calls');
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toContain('Invalid completion request');
    expect(server.requests).toHaveLength(2);
  });
});
