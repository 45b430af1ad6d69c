// A scripted OpenAI-compatible server on 127.0.0.1: chat completions (`POST
// /v1/chat/completions`) and text completions (`POST /v1/completions`, see
// scripted-completions.ts). Tests and the offline demo point the real `openai` client at it,
// so the whole HTTP path (retries, timeouts, SSE) is real.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { ReplyFn, ScriptedServer, ScriptOptions } from './reply-script.ts';
import { ReplyScript } from './reply-script.ts';
import {
  answerTextCompletion,
  completionBodySchema,
  samplingBodyShape,
} from './scripted-completions.ts';
import {
  cutAtStop,
  disconnectSignal,
  listenOnLoopback,
  readJsonBody,
  SCRIPTED_HOST,
  sendJson,
  splitEvery,
  waitOut,
  writeSse,
} from './scripted-http.ts';

export const DEFAULT_SCRIPTED_MODEL = 'scripted-model';
export const DEFAULT_CHUNK_CHARS = 4;
export const DEFAULT_CHUNK_DELAY_MS = 0;
/** Sent on 429 so the openai client retries after 10 ms instead of its ~0.5 s back-off. */
export const DEFAULT_RETRY_AFTER_MS = 10;

const chatCompletionBodySchema = z.looseObject({
  model: z.string(),
  messages: z.array(z.looseObject({ role: z.string(), content: z.unknown().optional() })),
  ...samplingBodyShape,
  tools: z.array(z.unknown()).nullish(),
  tool_choice: z.unknown().optional(),
});

/** A typed view of a request body; unknown extra keys are kept. */
export type ChatCompletionBody = z.infer<typeof chatCompletionBodySchema>;

export interface ScriptedToolCall {
  id?: string;
  name: string;
  /** JSON text, as OpenAI sends it. */
  arguments: string;
}

export interface ScriptedReply {
  content?: string;
  toolCalls?: ScriptedToolCall[];
  /** Overrides the derived finish reason ('tool_calls' when there are tool calls, else 'stop'). */
  finishReason?: 'stop' | 'tool_calls' | 'length';
  /** >= 400 sends an OpenAI-style error body whose message is `content`. */
  status?: number;
  delayMs?: number;
  /** Default true; false emulates a server that ignores `stop`. */
  honourStop?: boolean;
  chunkChars?: number;
  chunkDelayMs?: number;
}

export interface RecordedRequest {
  /** 'chat' for `POST /v1/chat/completions`, 'completion' for `POST /v1/completions`. */
  endpoint: 'chat' | 'completion';
  /** A completion request's body has no messages: `messages` is `[]` and `prompt` is set. */
  body: ChatCompletionBody;
  /** The prompt of a completion request, as the client rendered it. */
  prompt?: string;
  headers: Record<string, string | string[] | undefined>;
  receivedAt: number;
}

export type ScriptedReplyFn = ReplyFn<RecordedRequest, ScriptedReply>;

/** `requests` holds the requests of both endpoints. */
export type ScriptedModelServer = ScriptedServer<RecordedRequest, ScriptedReply>;

export interface StartScriptedModelServerOptions extends ScriptOptions<
  RecordedRequest,
  ScriptedReply
> {
  model?: string;
  port?: number;
}

interface Completion {
  head: { id: string; created: number; model: string };
  content: string;
  toolCalls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
  finishReason: 'stop' | 'tool_calls' | 'length';
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

export async function startScriptedModelServer(
  options: StartScriptedModelServerOptions = {},
): Promise<ScriptedModelServer> {
  const model = options.model ?? DEFAULT_SCRIPTED_MODEL;
  const script = new ReplyScript(options);
  let counter = 0;

  const parseRequest = (
    endpoint: RecordedRequest['endpoint'],
    body: unknown,
    headers: RecordedRequest['headers'],
  ): RecordedRequest | string => {
    const receivedAt = Date.now();
    if (endpoint === 'chat') {
      const parsed = chatCompletionBodySchema.safeParse(body);
      if (!parsed.success) return `Invalid chat completion request: ${parsed.error.message}`;
      return { endpoint, body: parsed.data, headers, receivedAt };
    }
    const parsed = completionBodySchema.safeParse(body);
    if (!parsed.success) return `Invalid completion request: ${parsed.error.message}`;
    const { data } = parsed;
    return { endpoint, body: { ...data, messages: [] }, prompt: data.prompt, headers, receivedAt };
  };

  const handle = async (
    endpoint: RecordedRequest['endpoint'],
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> => {
    const signal = disconnectSignal(res);
    const request = parseRequest(endpoint, await readJsonBody(req), { ...req.headers });
    if (typeof request === 'string') {
      sendError({ res, status: 400, message: request });
      return;
    }
    const reply = await script.next(request);
    if (reply === undefined) {
      const message = `Scripted model server: script ran out at request #${script.requests.length} and no fallback is set`;
      sendError({ res, status: 500, message, code: 'script_exhausted' });
      return;
    }
    if (!(await waitOut({ delayMs: reply.delayMs, signal }))) return;
    const status = reply.status ?? 200;
    if (status >= 400) {
      sendError({ res, status, message: reply.content ?? `Scripted error ${status}` });
      return;
    }
    counter += 1;
    if (endpoint === 'completion') {
      if (reply.toolCalls?.length) {
        const message = 'Scripted model server: a text completion cannot carry tool calls';
        sendError({ res, status: 500, message });
        return;
      }
      const body = completionBodySchema.parse(request.body);
      const defaults = {
        defaultChunkChars: DEFAULT_CHUNK_CHARS,
        defaultChunkDelayMs: DEFAULT_CHUNK_DELAY_MS,
      };
      await answerTextCompletion({ res, reply, body, model, counter, ...defaults, signal });
      return;
    }
    const completion = buildCompletion({ reply, body: request.body, model, counter });
    if (request.body.stream === true) {
      await streamCompletion({ res, status, completion, reply, body: request.body, signal });
    } else {
      sendJson({ res, status, payload: completionObject(completion) });
    }
  };

  const server = createServer((req, res) => {
    const route = `${req.method} ${new URL(req.url ?? '/', `http://${SCRIPTED_HOST}`).pathname}`;
    if (route === 'GET /v1/models') {
      const data = [{ id: model, object: 'model', created: 0, owned_by: 'scripted' }];
      sendJson({ res, status: 200, payload: { object: 'list', data } });
      return;
    }
    const endpoint =
      route === 'POST /v1/chat/completions'
        ? 'chat'
        : route === 'POST /v1/completions'
          ? 'completion'
          : undefined;
    if (endpoint === undefined) {
      sendError({ res, status: 404, message: `No route for ${route}` });
      return;
    }
    handle(endpoint, req, res).catch((error: unknown) => {
      // A throwing reply function must fail the caller's test, not hang it.
      if (res.headersSent) res.destroy();
      else sendError({ res, status: 500, message: `Scripted model server: ${String(error)}` });
    });
  });

  const { port, close } = await listenOnLoopback({ server, port: options.port });
  return {
    baseURL: `http://${SCRIPTED_HOST}:${port}/v1`,
    requests: script.requests,
    enqueue: (...replies) => script.enqueue(...replies),
    close,
  };
}

function buildCompletion(options: {
  reply: ScriptedReply;
  body: ChatCompletionBody;
  model: string;
  counter: number;
}): Completion {
  const { reply, body, counter } = options;
  const raw = reply.content ?? '';
  const content = reply.honourStop === false ? raw : cutAtStop({ content: raw, stop: body.stop });
  const toolCalls = (reply.toolCalls ?? []).map((call, index) => ({
    id: call.id ?? `call_scripted_${counter}_${index}`,
    type: 'function' as const,
    function: { name: call.name, arguments: call.arguments },
  }));
  // About four characters a token: close enough for usage fields nobody bills.
  const promptTokens = Math.ceil(JSON.stringify(body.messages).length / 4);
  const completionTokens = Math.ceil((content.length + JSON.stringify(toolCalls).length) / 4);
  const created = Math.floor(Date.now() / 1000);
  return {
    head: { id: `chatcmpl-scripted-${counter}`, created, model: body.model || options.model },
    content,
    toolCalls,
    finishReason: reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
}

function completionObject(completion: Completion): unknown {
  const { content, toolCalls } = completion;
  const message = {
    role: 'assistant',
    content,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  };
  return {
    ...completion.head,
    object: 'chat.completion',
    choices: [{ index: 0, message, logprobs: null, finish_reason: completion.finishReason }],
    usage: completion.usage,
  };
}

async function streamCompletion(options: {
  res: ServerResponse;
  status: number;
  completion: Completion;
  reply: ScriptedReply;
  body: ChatCompletionBody;
  signal: AbortSignal;
}): Promise<void> {
  const { res, completion, reply, signal } = options;
  const chunkChars = Math.max(1, reply.chunkChars ?? DEFAULT_CHUNK_CHARS);
  const chunkDelayMs = reply.chunkDelayMs ?? DEFAULT_CHUNK_DELAY_MS;
  const chunk = (choices: unknown[], extra: object = {}): unknown => ({
    ...completion.head,
    object: 'chat.completion.chunk',
    choices,
    ...extra,
  });
  const delta = (value: object, finishReason: string | null = null): unknown =>
    chunk([{ index: 0, delta: value, logprobs: null, finish_reason: finishReason }]);

  const events: unknown[] = [delta({ role: 'assistant' })];
  for (const piece of splitEvery({ text: completion.content, size: chunkChars })) {
    events.push(delta({ content: piece }));
  }
  completion.toolCalls.forEach((call, index) => {
    // OpenAI names the call once, then sends its arguments in pieces.
    const { id, type, function: fn } = call;
    events.push(delta({ tool_calls: [{ index, id, type, function: { ...fn, arguments: '' } }] }));
    for (const piece of splitEvery({ text: call.function.arguments, size: chunkChars })) {
      events.push(delta({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  });
  events.push(delta({}, completion.finishReason));
  if (options.body.stream_options?.include_usage === true)
    events.push(chunk([], { usage: completion.usage }));

  await writeSse({
    res,
    status: options.status,
    frames: events.map((event) => `data: ${JSON.stringify(event)}\n\n`),
    tail: 'data: [DONE]\n\n',
    chunkDelayMs,
    signal,
  });
}

function sendError(options: {
  res: ServerResponse;
  status: number;
  message: string;
  code?: string;
}): void {
  const { res, status } = options;
  const type =
    status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
  const code = options.code ?? (status === 429 ? 'rate_limit_exceeded' : null);
  const payload = { error: { message: options.message, type, param: null, code } };
  const headers = status === 429 ? { 'retry-after-ms': String(DEFAULT_RETRY_AFTER_MS) } : {};
  sendJson({ res, status, payload, headers });
}
