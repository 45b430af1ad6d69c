// CompletionModel against the scripted server's real `POST /v1/completions` on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../../../core/agents/agent.ts';
import { InvalidArgumentError } from '../../../../core/errors/invalid-argument-error.ts';
import { ModelApiError } from '../../../../core/errors/model-errors.ts';
import type { CompletionModelOptions } from '../../../../core/llms/completion-model.ts';
import { CompletionModel } from '../../../../core/llms/completion-model.ts';
import { INTERNLM2_META } from '../../../../core/llms/meta-template.ts';
import type { ScriptedModelServer } from '../../../../workers/model-replay/scripted-model-server.ts';
import { startScriptedModelServer } from '../../../../workers/model-replay/scripted-model-server.ts';
import {
  collectChunks,
  INTERNLM2_DIALOG,
  STOP_WORD_STREAM,
} from '../../../support/model-client-cases.ts';
import { itMapsModelFailures } from '../../../support/model-client-failures.ts';

const STOP_WORDS = ['<|im_end|>', '<|action_end|>'];
const hi = [{ role: 'user', content: 'hi' }];

describe('CompletionModel', () => {
  let server: ScriptedModelServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const setup = async (options: Partial<CompletionModelOptions> = {}) => {
    server = await startScriptedModelServer();
    const model = new CompletionModel({
      model: 'internlm2',
      baseURL: server.baseURL,
      apiKey: 'test',
      maxRetries: 0,
      metaTemplate: INTERNLM2_META,
      ...options,
    });
    return { server, model };
  };

  it('posts the rendered prompt with Lagent-style sampling fields and cuts at stop words', async () => {
    const { server, model } = await setup({ stopWords: STOP_WORDS });
    // A server that emits the stop word anyway still gives the same reply.
    server.enqueue({ content: 'Answer.<|action_end|>\n<|im_end|>junk', honourStop: false });

    const response = await model.chat({ messages: INTERNLM2_DIALOG.messages, sessionId: 7 });

    expect(response).toEqual({ content: 'Answer.', toolCalls: [], finishReason: 'stop' });
    const [request] = server.requests;
    expect(request?.endpoint).toBe('completion');
    expect(request?.prompt).toBe(INTERNLM2_DIALOG.prompt);
    // The session id is not sent (see docs/decisions/2026-12-04-completion-and-anthropic-clients.md).
    expect(request?.body).toEqual({
      model: 'internlm2',
      prompt: request?.prompt,
      max_tokens: 512,
      temperature: 0.8,
      top_p: 0.8,
      stop: STOP_WORDS,
      top_k: 40,
      repetition_penalty: 1,
      skip_special_tokens: false,
      messages: [],
    });
  });

  it('lets per-call overrides win and adds extra body fields', async () => {
    const { server, model } = await setup({
      temperature: 0.1,
      maxNewTokens: 100,
      skipSpecialTokens: true,
      extraBody: { ignore_eos: false },
    });
    server.enqueue({ content: 'ok', finishReason: 'length' });

    const response = await model.chat({ messages: hi, temperature: 0, topK: 1 });

    expect(response.finishReason).toBe('length');
    expect(server.requests[0]?.body).toMatchObject({
      max_tokens: 100,
      temperature: 0,
      top_k: 1,
      skip_special_tokens: true,
      ignore_eos: false,
    });
    expect(model.genParams.temperature).toBe(0.1);
  });

  it('sends only the standard fields when sampling extensions are off', async () => {
    const { server, model } = await setup({ samplingExtensions: false });
    server.enqueue({ content: 'ok' });

    await model.chat({ messages: hi });

    expect(Object.keys(server.requests[0]?.body ?? {})).toEqual([
      'model',
      'prompt',
      'max_tokens',
      'temperature',
      'top_p',
      'messages',
    ]);
  });

  it("joins the contents with '\\n' without a meta template, as Lagent", async () => {
    server = await startScriptedModelServer({ replies: [{ content: 'ok' }] });
    const model = new CompletionModel({ model: 'm', baseURL: server.baseURL, apiKey: 'test' });

    await model.chat({
      messages: [
        { role: 'system', content: 'SYS' },
        { role: 'user', content: 'hi' },
      ],
    });

    expect(server.requests[0]?.prompt).toBe('SYS\nhi');
    expect(model.renderPrompt([{ role: 'user', content: 'x' }])).toBe('x');
  });

  it('streams cumulative chunks, holding back a possible stop word and stopping at one', async () => {
    const { server, model } = await setup({ stopWords: STOP_WORD_STREAM.stopWords });
    server.enqueue(STOP_WORD_STREAM.reply);

    const chunks = await collectChunks(model.streamChat({ messages: hi }));

    expect(server.requests[0]?.body).toMatchObject({ stream: true, stop: ['<|im_end|>'] });
    expect(chunks).toEqual(STOP_WORD_STREAM.chunks);
  });

  it("ends a stream with the server's finish reason", async () => {
    const { server, model } = await setup();
    server.enqueue({ content: 'abcdef', chunkChars: 2, finishReason: 'length' });

    const chunks = await collectChunks(model.streamChat({ messages: hi }));

    expect(chunks.map((chunk) => chunk.delta)).toEqual(['ab', 'cd', 'ef', '']);
    expect(chunks.at(-1)).toMatchObject({ content: 'abcdef', finishReason: 'length' });
  });

  it('works as an agent model', async () => {
    const { server, model } = await setup({ stopWords: STOP_WORDS });
    server.enqueue({ content: '急<|im_end|>', honourStop: false });
    const agent = new Agent({ llm: model, template: 'Pick one character.' });

    const reply = await agent.call('今天天气情况');

    expect(reply.content).toBe('急');
    expect(server.requests[0]?.prompt).toBe(
      '<|im_start|>system\nPick one character.<|im_end|>\n<|im_start|>user\n今天天气情况<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('retries a 429, then maps HTTP errors to ModelApiError', async () => {
    const { server, model } = await setup({ maxRetries: 1 });
    server.enqueue({ status: 429, content: 'Slow down' }, { content: 'ok' });
    server.enqueue({ status: 400, content: 'Bad prompt' });

    await expect(model.chat({ messages: hi })).resolves.toMatchObject({ content: 'ok' });
    const error = await model.chat({ messages: hi }).catch((caught: unknown) => caught);

    expect(server.requests).toHaveLength(3);
    expect(error).toBeInstanceOf(ModelApiError);
    expect(error).toMatchObject({ code: 'MODEL_API_ERROR', status: 400, isRetryable: false });
    expect((error as ModelApiError).message).toContain('Bad prompt');
  });

  it('maps a stream that fails before its first token', async () => {
    const { server, model } = await setup();
    server.enqueue({ status: 503, content: 'Loading model' });

    const consume = async () => {
      const contents: string[] = [];
      for await (const chunk of model.streamChat({ messages: hi })) contents.push(chunk.content);
      return contents;
    };

    await expect(consume()).rejects.toMatchObject({ status: 503, isRetryable: true });
  });

  itMapsModelFailures(setup);

  it('refuses native tools and a meta template it cannot use', async () => {
    const { server, model } = await setup();
    const tools = [
      { type: 'function' as const, function: { name: 'search', parameters: { type: 'object' } } },
    ];

    await expect(model.chat({ messages: hi, tools })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(model.chat({ messages: [{ role: 'tool', content: 'x' }] })).rejects.toThrow(
      "The meta template has no role 'tool'",
    );
    expect(server.requests).toHaveLength(0);
    expect(
      () =>
        new CompletionModel({
          model: 'm',
          apiKey: 'k',
          metaTemplate: [{ role: 'user' }, { role: 'user' }],
        }),
    ).toThrow(InvalidArgumentError);
  });
});
