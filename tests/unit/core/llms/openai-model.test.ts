import { describe, expect, it } from 'vitest';
import { Agent } from '../../../../core/agents/agent.ts';
import { parseJson } from '../../../../core/internal/json.ts';
import type { ChatStreamChunk } from '../../../../core/llms/chat-model.ts';
import { DEFAULT_GENERATION_PARAMS } from '../../../../core/llms/chat-model.ts';
import type { OpenAIModelOptions } from '../../../../core/llms/openai-model.ts';
import { OpenAIModel } from '../../../../core/llms/openai-model.ts';
import { ModelStatusCode } from '../../../../core/schema/status-codes.ts';

const LOCAL_URL = 'http://127.0.0.1:23333/v1';
const OPENAI_URL = 'https://api.openai.com/v1';

interface CannedReply {
  content?: string | null;
  toolCalls?: { id: string; name: string; arguments: string }[];
  /** For streaming: the content pieces, one SSE chunk each. */
  pieces?: string[];
}

/** A fetch that records each request (URL and JSON body) and answers with a canned completion. */
function recordingFetch(reply: CannedReply = { content: 'ok' }) {
  const requests: { url: string; body: Record<string, unknown> }[] = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const body = parseJson(init?.body as string) as Record<string, unknown>;
    requests.push({ url, body });
    if (body['stream'] === true) {
      const chunks = (reply.pieces ?? []).map((piece) => ({
        id: 'chunk',
        object: 'chat.completion.chunk',
        created: 0,
        model: body['model'],
        choices: [{ index: 0, delta: { content: piece }, finish_reason: null }],
      }));
      const text = [...chunks.map((chunk) => JSON.stringify(chunk)), '[DONE]']
        .map((data) => `data: ${data}\n\n`)
        .join('');
      return Promise.resolve(
        new Response(text, { headers: { 'content-type': 'text/event-stream' } }),
      );
    }
    const toolCalls = reply.toolCalls?.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
    return Promise.resolve(
      Response.json({
        id: 'completion',
        object: 'chat.completion',
        created: 0,
        model: body['model'],
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: reply.content ?? null,
              ...(toolCalls ? { tool_calls: toolCalls } : {}),
            },
            finish_reason: toolCalls ? 'tool_calls' : 'stop',
            logprobs: null,
          },
        ],
      }),
    );
  };
  return { fetch, requests };
}

function modelWith(options: Partial<OpenAIModelOptions> = {}, reply?: CannedReply) {
  const recorder = recordingFetch(reply);
  const model = new OpenAIModel({
    model: 'internlm2',
    apiKey: 'test-key',
    baseURL: LOCAL_URL,
    maxRetries: 0,
    fetch: recorder.fetch,
    ...options,
  });
  const lastBody = () => recorder.requests.at(-1)?.body;
  return { model, requests: recorder.requests, lastBody };
}

const hi = [{ role: 'user', content: 'hi' }];

describe('OpenAIModel', () => {
  it("has Lagent's gen_params defaults, with constructor overrides applied", () => {
    expect(new OpenAIModel({ model: 'm', apiKey: 'k', baseURL: LOCAL_URL }).genParams).toEqual({
      maxNewTokens: 512,
      temperature: 0.8,
      topP: 0.8,
      topK: 40,
      repetitionPenalty: 1,
      stopWords: [],
    });
    const tuned = new OpenAIModel({
      model: 'm',
      apiKey: 'k',
      baseURL: LOCAL_URL,
      temperature: 0,
      stopWords: ['<|im_end|>'],
    });
    expect(tuned.genParams).toEqual({
      ...DEFAULT_GENERATION_PARAMS,
      temperature: 0,
      stopWords: ['<|im_end|>'],
    });
    expect(tuned.updateGenParams({ topK: 1 })).toEqual({ ...tuned.genParams, topK: 1 });
    expect(tuned.genParams.topK).toBe(40);
  });

  it('posts the default body to a local server, with top_k and repetition_penalty', async () => {
    const { model, requests } = modelWith();

    const response = await model.chat({ messages: hi, sessionId: 1 });

    expect(response).toEqual({ content: 'ok', toolCalls: [], finishReason: 'stop' });
    expect(requests).toEqual([
      {
        url: `${LOCAL_URL}/chat/completions`,
        body: {
          model: 'internlm2',
          messages: [{ role: 'user', content: 'hi' }],
          max_tokens: 512,
          temperature: 0.8,
          top_p: 0.8,
          top_k: 40,
          repetition_penalty: 1,
        },
      },
    ]);
  });

  it('sends neither top_k nor repetition_penalty to api.openai.com, and at most 4 stop strings', async () => {
    const stopWords = ['<1>', '<2>', '<3>', '<4>', '<5>'];
    const { model, lastBody } = modelWith({ baseURL: OPENAI_URL }, { content: 'kept<5>cut' });

    const response = await model.chat({ messages: hi, stopWords });

    expect(lastBody()).toEqual({
      model: 'internlm2',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 512,
      temperature: 0.8,
      top_p: 0.8,
      stop: ['<1>', '<2>', '<3>', '<4>'],
    });
    // The fifth stop word is still cut client-side.
    expect(response.content).toBe('kept');
  });

  it('sends every stop word to other servers', async () => {
    const { model, lastBody } = modelWith();

    await model.chat({ messages: hi, stopWords: ['a', 'b', 'c', 'd', 'e'] });

    expect(lastBody()?.['stop']).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('follows samplingExtensions when it is set explicitly', async () => {
    const toOpenAI = modelWith({ baseURL: OPENAI_URL, samplingExtensions: true });
    const toLocal = modelWith({ samplingExtensions: false });

    await toOpenAI.model.chat({ messages: hi });
    await toLocal.model.chat({ messages: hi });

    expect(toOpenAI.lastBody()).toMatchObject({ top_k: 40, repetition_penalty: 1 });
    expect(Object.keys(toLocal.lastBody() ?? {})).toEqual([
      'model',
      'messages',
      'max_tokens',
      'temperature',
      'top_p',
    ]);
  });

  it('lets per-call overrides win over the constructor parameters', async () => {
    const { model, lastBody } = modelWith({ temperature: 0.1, maxNewTokens: 100, topK: 5 });

    await model.chat({ messages: hi, temperature: 0.5, topP: 0.9, stopWords: ['<|im_end|>'] });

    expect(lastBody()).toEqual({
      model: 'internlm2',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 100,
      temperature: 0.5,
      top_p: 0.9,
      stop: ['<|im_end|>'],
      top_k: 5,
      repetition_penalty: 1,
    });
  });

  it('cuts the reply at the earliest stop word client-side', async () => {
    const { model } = modelWith(
      { stopWords: ['<|im_end|>', '<|action_end|>'] },
      {
        content: 'Answer.<|action_end|>\n<|im_end|>junk',
      },
    );

    const response = await model.chat({ messages: hi });

    expect(response.content).toBe('Answer.');
  });

  it('renames the length limit, adds extra body fields, tools, and maps environment to system', async () => {
    const tools = [
      { type: 'function' as const, function: { name: 'search', parameters: { type: 'object' } } },
    ];
    const { model, lastBody } = modelWith({
      maxTokensParam: 'max_completion_tokens',
      extraBody: { chat_template_kwargs: { enable_thinking: false } },
    });

    await model.chat({
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'environment', content: 'env' },
        { role: 'user', content: 'hi' },
      ],
      tools,
    });

    expect(lastBody()).toEqual({
      model: 'internlm2',
      messages: [
        { role: 'system', content: 'sys\nenv' },
        { role: 'user', content: 'hi' },
      ],
      max_completion_tokens: 512,
      temperature: 0.8,
      top_p: 0.8,
      top_k: 40,
      repetition_penalty: 1,
      tools,
      chat_template_kwargs: { enable_thinking: false },
    });
  });

  it('returns native tool calls with parsed arguments', async () => {
    const { model } = modelWith(
      {},
      { content: null, toolCalls: [{ id: 'call_1', name: 'search', arguments: '{"q":"x"}' }] },
    );

    const response = await model.chat({ messages: hi });

    expect(response).toEqual({
      content: '',
      toolCalls: [{ id: 'call_1', name: 'search', parameters: { q: 'x' }, arguments: '{"q":"x"}' }],
      finishReason: 'tool_calls',
    });
  });

  it("gets an agent call's overrides into the request body", async () => {
    const { model, lastBody } = modelWith({}, { content: '急<|im_end|>' });
    const agent = new Agent({ llm: model, template: 'Pick one character.' });

    const reply = await agent.call('今天天气情况', { stopWords: ['<|im_end|>'], temperature: 0 });

    expect(reply.content).toBe('急');
    expect(lastBody()).toMatchObject({
      messages: [
        { role: 'system', content: 'Pick one character.' },
        { role: 'user', content: '今天天气情况' },
      ],
      temperature: 0,
      stop: ['<|im_end|>'],
    });
  });

  it('streams cumulative chunks, holding back a possible stop word start and stopping at one', async () => {
    const { model, lastBody } = modelWith(
      { stopWords: ['<|im_end|>'] },
      { pieces: ['Hi <', 'b> there <|im', '_end|> junk', ' never read'] },
    );

    const chunks: ChatStreamChunk[] = [];
    for await (const chunk of model.streamChat({ messages: hi })) chunks.push(chunk);

    expect(lastBody()).toMatchObject({ stream: true, stop: ['<|im_end|>'] });
    expect(chunks).toEqual([
      {
        state: ModelStatusCode.STREAM_ING,
        content: 'Hi ',
        delta: 'Hi ',
        toolCalls: [],
        finishReason: null,
      },
      {
        state: ModelStatusCode.STREAM_ING,
        content: 'Hi <b> there ',
        delta: '<b> there ',
        toolCalls: [],
        finishReason: null,
      },
      {
        state: ModelStatusCode.END,
        content: 'Hi <b> there ',
        delta: '',
        toolCalls: [],
        finishReason: 'stop',
      },
    ]);
  });
});
