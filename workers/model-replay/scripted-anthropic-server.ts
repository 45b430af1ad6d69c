// A scripted server for Anthropic's Messages API (`POST /v1/messages`) on 127.0.0.1. Tests
// point the real `@anthropic-ai/sdk` client at it, so retries, timeouts and SSE are real.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { ReplyFn, ScriptedServer, ScriptOptions } from './reply-script.ts';
import { ReplyScript } from './reply-script.ts';
import {
  disconnectSignal,
  firstStop,
  listenOnLoopback,
  readJsonBody,
  SCRIPTED_HOST,
  sendJson,
  splitEvery,
  waitOut,
  writeSse,
} from './scripted-http.ts';
import { DEFAULT_CHUNK_CHARS, DEFAULT_CHUNK_DELAY_MS } from './scripted-model-server.ts';

/** Sent as `retry-after-ms` with retryable errors, so the SDK retries at once. */
export const DEFAULT_ANTHROPIC_RETRY_AFTER_MS = 10;

const messagesBodySchema = z.looseObject({
  model: z.string(),
  max_tokens: z.number(),
  messages: z.array(z.looseObject({ role: z.string(), content: z.unknown() })),
  system: z.unknown().optional(),
  stop_sequences: z.array(z.string()).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().optional(),
  top_p: z.number().optional(),
  top_k: z.number().optional(),
  tools: z.array(z.unknown()).optional(),
});

/** A typed view of a Messages API request body; unknown extra keys are kept. */
export type MessagesBody = z.infer<typeof messagesBodySchema>;

export interface ScriptedToolUse {
  id?: string;
  name: string;
  input: Record<string, unknown>;
}

export interface ScriptedAnthropicReply {
  content?: string;
  toolUses?: ScriptedToolUse[];
  /** Overrides the derived one ('tool_use', 'stop_sequence' or 'end_turn'). */
  stopReason?: string;
  /** >= 400 sends an Anthropic error body whose message is `content`. */
  status?: number;
  /** The error's `type`; derived from `status` (or 'overloaded_error' mid-stream) when unset. */
  errorType?: string;
  /** Streams only: after the content, an `error` event instead of the message's end. */
  streamError?: boolean;
  delayMs?: number;
  /** Default true: stop at the first of the request's `stop_sequences`. */
  honourStop?: boolean;
  chunkChars?: number;
  chunkDelayMs?: number;
}

export interface RecordedAnthropicRequest {
  body: MessagesBody;
  headers: Record<string, string | string[] | undefined>;
  receivedAt: number;
}

export type ScriptedAnthropicReplyFn = ReplyFn<RecordedAnthropicRequest, ScriptedAnthropicReply>;

/** `baseURL` is the origin, without `/v1`: the SDK adds the path. */
export type ScriptedAnthropicServer = ScriptedServer<
  RecordedAnthropicRequest,
  ScriptedAnthropicReply
>;

export interface StartScriptedAnthropicServerOptions extends ScriptOptions<
  RecordedAnthropicRequest,
  ScriptedAnthropicReply
> {
  port?: number;
}

export async function startScriptedAnthropicServer(
  options: StartScriptedAnthropicServerOptions = {},
): Promise<ScriptedAnthropicServer> {
  const script = new ReplyScript(options);
  let counter = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const signal = disconnectSignal(res);
    const parsed = messagesBodySchema.safeParse(await readJsonBody(req));
    if (!parsed.success) {
      sendError({ res, status: 400, message: `Invalid messages request: ${parsed.error.message}` });
      return;
    }
    const request = { body: parsed.data, headers: { ...req.headers }, receivedAt: Date.now() };
    const reply = await script.next(request);
    if (reply === undefined) {
      const message = `Scripted Anthropic server: script ran out at request #${script.requests.length} and no fallback is set`;
      sendError({ res, status: 500, message });
      return;
    }
    if (!(await waitOut({ delayMs: reply.delayMs, signal }))) return;
    const status = reply.status ?? 200;
    if (status >= 400) {
      const message = reply.content ?? `Scripted error ${status}`;
      sendError({ res, status, message, ...(reply.errorType ? { type: reply.errorType } : {}) });
      return;
    }
    counter += 1;
    const message = buildMessage({ reply, body: parsed.data, counter });
    if (parsed.data.stream === true) await streamMessage({ res, message, reply, signal });
    else sendJson({ res, status: 200, payload: message });
  };

  const server = createServer((req, res) => {
    const route = `${req.method} ${new URL(req.url ?? '/', `http://${SCRIPTED_HOST}`).pathname}`;
    if (route !== 'POST /v1/messages') {
      sendError({ res, status: 404, message: `No route for ${route}` });
      return;
    }
    handle(req, res).catch((error: unknown) => {
      // A throwing reply function must fail the caller's test, not hang it.
      if (res.headersSent) res.destroy();
      else sendError({ res, status: 500, message: `Scripted Anthropic server: ${String(error)}` });
    });
  });
  const { port, close } = await listenOnLoopback({ server, port: options.port });
  return {
    baseURL: `http://${SCRIPTED_HOST}:${port}`,
    requests: script.requests,
    enqueue: (...replies) => script.enqueue(...replies),
    close,
  };
}

type Block =
  | { type: 'text'; text: string; citations: null }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

interface Message {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: Block[];
  stop_reason: string;
  stop_sequence: string | null;
  usage: { input_tokens: number; output_tokens: number };
}

function buildMessage(options: {
  reply: ScriptedAnthropicReply;
  body: MessagesBody;
  counter: number;
}): Message {
  const { reply, body, counter } = options;
  const raw = reply.content ?? '';
  const stop =
    reply.honourStop === false ? undefined : firstStop({ content: raw, stop: body.stop_sequences });
  // A model that hit a stop sequence wrote nothing after it, tool uses included.
  const uses = stop === undefined ? (reply.toolUses ?? []) : [];
  const text = stop === undefined ? raw : raw.slice(0, stop.at);
  const content: Block[] = [
    ...(text !== '' || uses.length === 0 ? [{ type: 'text' as const, text, citations: null }] : []),
    ...uses.map((use, index) => ({
      type: 'tool_use' as const,
      id: use.id ?? `toolu_scripted_${counter}_${index}`,
      name: use.name,
      input: use.input,
    })),
  ];
  const derived = stop ? 'stop_sequence' : uses.length > 0 ? 'tool_use' : 'end_turn';
  // About four characters a token: close enough for usage fields nobody bills.
  const usage = {
    input_tokens: Math.ceil(JSON.stringify([body.system, body.messages]).length / 4),
    output_tokens: Math.ceil(JSON.stringify(content).length / 4),
  };
  return {
    id: `msg_scripted_${counter}`,
    type: 'message',
    role: 'assistant',
    model: body.model,
    content,
    stop_reason: reply.stopReason ?? derived,
    stop_sequence: stop?.stop ?? null,
    usage,
  };
}

async function streamMessage(options: {
  res: ServerResponse;
  message: Message;
  reply: ScriptedAnthropicReply;
  signal: AbortSignal;
}): Promise<void> {
  const { res, message, reply, signal } = options;
  const size = Math.max(1, reply.chunkChars ?? DEFAULT_CHUNK_CHARS);
  const frames: string[] = [];
  const emit = (type: string, data: object = {}): void => {
    frames.push(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  };
  const start = { ...message, content: [], stop_reason: null, stop_sequence: null };
  emit('message_start', { message: { ...start, usage: { ...message.usage, output_tokens: 1 } } });
  emit('ping');
  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      emit('content_block_start', { index, content_block: { ...block, text: '' } });
      for (const text of splitEvery({ text: block.text, size })) {
        emit('content_block_delta', { index, delta: { type: 'text_delta', text } });
      }
    } else {
      emit('content_block_start', { index, content_block: { ...block, input: {} } });
      for (const partial of splitEvery({ text: JSON.stringify(block.input), size })) {
        emit('content_block_delta', {
          index,
          delta: { type: 'input_json_delta', partial_json: partial },
        });
      }
    }
    emit('content_block_stop', { index });
  });
  if (reply.streamError === true) {
    const error = { type: reply.errorType ?? 'overloaded_error', message: 'Overloaded' };
    emit('error', { error });
  } else {
    const delta = { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence };
    emit('message_delta', { delta, usage: { output_tokens: message.usage.output_tokens } });
    emit('message_stop');
  }
  const chunkDelayMs = reply.chunkDelayMs ?? DEFAULT_CHUNK_DELAY_MS;
  await writeSse({ res, status: 200, frames, chunkDelayMs, signal });
}

const errorTypes: Readonly<Record<number, string>> = Object.freeze({
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
});

function sendError(options: {
  res: ServerResponse;
  status: number;
  message: string;
  type?: string;
}): void {
  const { res, status, message } = options;
  const type =
    options.type ?? errorTypes[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
  sendJson({
    res,
    status,
    payload: { type: 'error', error: { type, message } },
    headers: {
      'request-id': `req_scripted_${Date.now()}`,
      ...(retryable ? { 'retry-after-ms': String(DEFAULT_ANTHROPIC_RETRY_AFTER_MS) } : {}),
    },
  });
}
