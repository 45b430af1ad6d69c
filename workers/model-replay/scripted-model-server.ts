// A scripted OpenAI-compatible chat-completions server on 127.0.0.1. Tests and the offline demo
// point the real `openai` client at it, so the whole HTTP path (retries, timeouts, SSE) is real.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { safeParseJson } from '../../core/internal/json.ts';

export const DEFAULT_SCRIPTED_MODEL = 'scripted-model';
export const DEFAULT_CHUNK_CHARS = 4;
export const DEFAULT_CHUNK_DELAY_MS = 0;
/** Sent on 429 so the openai client retries after 10 ms instead of its ~0.5 s back-off. */
export const DEFAULT_RETRY_AFTER_MS = 10;
const HOST = '127.0.0.1';

const chatCompletionBodySchema = z.looseObject({
  model: z.string(),
  messages: z.array(z.looseObject({ role: z.string(), content: z.unknown().optional() })),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  max_tokens: z.number().nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  top_k: z.number().nullish(),
  repetition_penalty: z.number().nullish(),
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
  body: ChatCompletionBody;
  headers: Record<string, string | string[] | undefined>;
  receivedAt: number;
}

export type ScriptedReplyFn = (request: RecordedRequest) => ScriptedReply | Promise<ScriptedReply>;

export interface ScriptedModelServer {
  readonly baseURL: string;
  /** Every well-formed chat request, in arrival order, including ones answered with an error. */
  readonly requests: RecordedRequest[];
  enqueue(...replies: Array<ScriptedReply | ScriptedReplyFn>): void;
  close(): Promise<void>;
}

export interface StartScriptedModelServerOptions {
  replies?: Array<ScriptedReply | ScriptedReplyFn>;
  /** Answers once the script is empty; without it an unexpected call gets a loud 500. */
  fallback?: ScriptedReplyFn;
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
  const script: Array<ScriptedReply | ScriptedReplyFn> = [...(options.replies ?? [])];
  const requests: RecordedRequest[] = [];
  let counter = 0;

  const handleChat = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const signal = disconnectSignal(res);
    const parsed = chatCompletionBodySchema.safeParse(parseBody(await readBody(req)));
    if (!parsed.success) {
      const message = `Invalid chat completion request: ${parsed.error.message}`;
      sendError({ res, status: 400, message });
      return;
    }
    const request: RecordedRequest = {
      body: parsed.data,
      headers: { ...req.headers },
      receivedAt: Date.now(),
    };
    requests.push(request);
    const next = script.shift() ?? options.fallback;
    const reply = typeof next === 'function' ? await next(request) : next;
    if (reply === undefined) {
      const message = `Scripted model server: script ran out at request #${requests.length} and no fallback is set`;
      sendError({ res, status: 500, message, code: 'script_exhausted' });
      return;
    }
    if (reply.delayMs !== undefined && reply.delayMs > 0) {
      // A client that timed out has gone; stop waiting so close() is not held up.
      const waited = await sleep(reply.delayMs, true, { signal }).catch(() => false);
      if (!waited) return;
    }
    if (signal.aborted) return;
    const status = reply.status ?? 200;
    if (status >= 400) {
      sendError({ res, status, message: reply.content ?? `Scripted error ${status}` });
      return;
    }
    counter += 1;
    const completion = buildCompletion({ reply, body: parsed.data, model, counter });
    if (parsed.data.stream === true) {
      await streamCompletion({ res, status, completion, reply, body: parsed.data, signal });
    } else {
      sendJson({ res, status, payload: completionObject(completion) });
    }
  };

  const server = createServer((req, res) => {
    const route = `${req.method} ${new URL(req.url ?? '/', `http://${HOST}`).pathname}`;
    if (route === 'GET /v1/models') {
      const data = [{ id: model, object: 'model', created: 0, owned_by: 'scripted' }];
      sendJson({ res, status: 200, payload: { object: 'list', data } });
      return;
    }
    if (route !== 'POST /v1/chat/completions') {
      sendError({ res, status: 404, message: `No route for ${route}` });
      return;
    }
    handleChat(req, res).catch((error: unknown) => {
      // A throwing reply function must fail the caller's test, not hang it.
      if (res.headersSent) res.destroy();
      else sendError({ res, status: 500, message: `Scripted model server: ${String(error)}` });
    });
  });

  server.listen(options.port ?? 0, HOST);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    baseURL: `http://${HOST}:${port}/v1`,
    requests,
    enqueue: (...replies) => {
      script.push(...replies);
    },
    close: () => {
      // Idempotent, so a test may close early and still close again in afterEach.
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
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

  res.writeHead(options.status, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  try {
    for (const [i, event] of events.entries()) {
      if (i > 0 && chunkDelayMs > 0) await sleep(chunkDelayMs, undefined, { signal });
      if (signal.aborted) return;
      if (!res.write(`data: ${JSON.stringify(event)}\n\n`)) await once(res, 'drain', { signal });
    }
    if (!signal.aborted) res.end('data: [DONE]\n\n');
  } catch (error) {
    // The client went away mid-stream: nothing left to write to.
    if (!signal.aborted) throw error;
  }
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

function sendJson(options: {
  res: ServerResponse;
  status: number;
  payload: unknown;
  headers?: Record<string, string>;
}): void {
  const text = JSON.stringify(options.payload);
  options.res.writeHead(options.status, {
    ...options.headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  options.res.end(text);
}

/** Aborts when the connection closes before the response has been fully written. */
function disconnectSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function cutAtStop(options: {
  content: string;
  stop: string | string[] | null | undefined;
}): string {
  const stops = typeof options.stop === 'string' ? [options.stop] : (options.stop ?? []);
  let end = options.content.length;
  for (const stop of stops) {
    const at = stop === '' ? -1 : options.content.indexOf(stop);
    if (at !== -1 && at < end) end = at;
  }
  return options.content.slice(0, end);
}

function splitEvery(options: { text: string; size: number }): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < options.text.length; i += options.size) {
    pieces.push(options.text.slice(i, i + options.size));
  }
  return pieces;
}

function parseBody(text: string): unknown {
  const parsed = safeParseJson(text);
  return parsed.success ? parsed.value : undefined;
}
