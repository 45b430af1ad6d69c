// A scripted ChatModel for unit tests: records every request and answers from a list of
// replies or a function. With `streaming: true` it also has `streamChat`, which yields the
// reply as cumulative chunks (as Lagent's `stream_chat` does) and then one END chunk.
import { deepCopy } from '../../core/internal/deep-copy.ts';
import type {
  ChatModel,
  ChatRequest,
  ChatResponse,
  ChatStreamChunk,
  ToolCallRequest,
} from '../../core/llms/chat-model.ts';
import { ModelStatusCode } from '../../core/schema/status-codes.ts';

/** A reply: its text, or a response with any fields given (the rest default). */
export type FakeReply =
  string | { content?: string; toolCalls?: ToolCallRequest[]; finishReason?: string | null };

/** Answers a request; `callIndex` counts the model's calls from 0. */
export type FakeResponder = (
  request: ChatRequest,
  callIndex: number,
) => FakeReply | Promise<FakeReply>;

export interface FakeChatModelOptions {
  /** Replies in order (one per call), or a function that answers each request. */
  replies: readonly FakeReply[] | FakeResponder;
  /** Give the model a `streamChat`. @default false */
  streaming?: boolean;
  /** How `streamChat` cuts a reply's text into pieces. @default one piece per character */
  split?: (content: string) => string[];
}

export type FakeChatMethod = 'chat' | 'streamChat';

export class FakeChatModel implements ChatModel {
  /** Every request, in order, as it was when the model received it (messages copied). */
  readonly requests: ChatRequest[] = [];
  /** Which method received each request in `requests`. */
  readonly methods: FakeChatMethod[] = [];
  readonly streamChat?: (request: ChatRequest) => AsyncGenerator<ChatStreamChunk>;
  readonly #replies: readonly FakeReply[] | FakeResponder;
  readonly #split: (content: string) => string[];

  constructor({
    replies,
    streaming = false,
    split = (text) => Array.from(text),
  }: FakeChatModelOptions) {
    this.#replies = replies;
    this.#split = split;
    if (streaming) this.streamChat = (request) => this.#stream(request);
  }

  /** The last request received; throws when there is none. */
  get lastRequest(): ChatRequest {
    const request = this.requests.at(-1);
    if (!request) throw new Error('FakeChatModel has received no request');
    return request;
  }

  async chat(request: ChatRequest): Promise<ChatResponse> {
    return this.#answer(request, 'chat');
  }

  async *#stream(request: ChatRequest): AsyncGenerator<ChatStreamChunk> {
    const response = await this.#answer(request, 'streamChat');
    let content = '';
    for (const delta of this.#split(response.content)) {
      content += delta;
      yield {
        state: ModelStatusCode.STREAM_ING,
        content,
        delta,
        toolCalls: [],
        finishReason: null,
      };
    }
    yield {
      state: ModelStatusCode.END,
      content: response.content,
      delta: response.content.slice(content.length),
      toolCalls: response.toolCalls,
      finishReason: response.finishReason,
    };
  }

  async #answer(request: ChatRequest, method: FakeChatMethod): Promise<ChatResponse> {
    const callIndex = this.requests.length;
    const { signal, ...data } = request;
    this.requests.push({
      ...deepCopy(data),
      ...(signal === undefined ? {} : { signal }),
    });
    this.methods.push(method);
    const reply =
      typeof this.#replies === 'function'
        ? await this.#replies(request, callIndex)
        : this.#replies[callIndex];
    if (reply === undefined) {
      throw new Error(`FakeChatModel has no scripted reply for call ${callIndex}`);
    }
    if (typeof reply === 'string') return { content: reply, toolCalls: [], finishReason: 'stop' };
    const toolCalls = reply.toolCalls ?? [];
    return {
      content: reply.content ?? '',
      toolCalls,
      finishReason: reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    };
  }
}
