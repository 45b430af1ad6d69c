// The scripted Anthropic Messages API, through the real `@anthropic-ai/sdk` client.
import type { APIError } from '@anthropic-ai/sdk';
import Anthropic, { RateLimitError } from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedAnthropicServer } from '../../../workers/model-replay/scripted-anthropic-server.ts';
import type {
  ScriptedAnthropicServer,
  StartScriptedAnthropicServerOptions,
} from '../../../workers/model-replay/scripted-anthropic-server.ts';

const messages = [{ role: 'user' as const, content: 'hi' }];

describe('startScriptedAnthropicServer', () => {
  let server: ScriptedAnthropicServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const start = async (options: StartScriptedAnthropicServerOptions = {}) => {
    server = await startScriptedAnthropicServer(options);
    const client = new Anthropic({ baseURL: server.baseURL, apiKey: 'test', maxRetries: 0 });
    return { server, client };
  };

  it('answers a message with text and tool use blocks', async () => {
    const { server, client } = await start({
      replies: [{ content: 'Looking.', toolUses: [{ name: 'search', input: { q: 'x' } }] }],
    });

    const message = await client.messages.create({ model: 'm', max_tokens: 10, messages });

    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'm',
      content: [
        { type: 'text', text: 'Looking.' },
        { type: 'tool_use', id: 'toolu_scripted_1_0', name: 'search', input: { q: 'x' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
    });
    expect(server.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.requests[0]?.body).toEqual({ model: 'm', max_tokens: 10, messages });
  });

  it('stops at a stop sequence, naming it', async () => {
    const { client } = await start({ replies: [{ content: 'a STOP b' }] });

    const message = await client.messages.create({
      model: 'm',
      max_tokens: 10,
      messages,
      stop_sequences: ['STOP'],
    });

    expect(message).toMatchObject({
      content: [{ type: 'text', text: 'a ' }],
      stop_reason: 'stop_sequence',
      stop_sequence: 'STOP',
    });
  });

  it("streams the SDK's events, which it reassembles into the message", async () => {
    const { client } = await start({
      replies: [
        { content: 'Hello there', toolUses: [{ name: 'f', input: { a: 1 } }], chunkChars: 3 },
      ],
    });

    const events: string[] = [];
    const stream = client.messages.stream({ model: 'm', max_tokens: 10, messages });
    stream.on('streamEvent', (event) => events.push(event.type));
    const message = await stream.finalMessage();

    expect(message.content).toMatchObject([
      { type: 'text', text: 'Hello there' },
      { type: 'tool_use', name: 'f', input: { a: 1 } },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(events[0]).toBe('message_start');
    expect(events.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(events.filter((type) => type === 'content_block_start')).toHaveLength(2);
  });

  it("answers errors in Anthropic's shape, and 404 and 400 elsewhere", async () => {
    const { server, client } = await start({
      replies: [{ status: 429, content: 'Slow down' }],
    });

    const limited = await client.messages
      .create({ model: 'm', max_tokens: 10, messages })
      .catch((caught: unknown) => caught);
    const exhausted = await client.messages
      .create({ model: 'm', max_tokens: 10, messages })
      .catch((caught: unknown) => caught);
    const missing = await fetch(`${server.baseURL}/v1/complete`, { method: 'POST', body: '{}' });
    const malformed = await fetch(`${server.baseURL}/v1/messages`, { method: 'POST', body: 'x' });

    expect(limited).toBeInstanceOf(RateLimitError);
    expect(limited).toMatchObject({ status: 429, type: 'rate_limit_error' });
    expect((limited as APIError).headers?.get('retry-after-ms')).toBe('10');
    expect(exhausted).toMatchObject({ status: 500, type: 'api_error' });
    expect((exhausted as APIError).message).toContain('script ran out');
    expect(missing.status).toBe(404);
    expect(malformed.status).toBe(400);
    expect(server.requests).toHaveLength(2);
  });
});
