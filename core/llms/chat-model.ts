import type { MaybePromise } from '../internal/maybe-promise.ts';
import type { SessionId } from '../memory/memory-manager.ts';
import type { FunctionCall } from '../schema/function-call.ts';
import type { ModelStatusCode } from '../schema/status-codes.ts';

/** A native tool call made by the model; `id` links its result back to it. */
export type ToolCallRequest = FunctionCall & {
  id: string;
  /**
   * The arguments as the model wrote them. Sent back in the history while `parameters` still
   * reads the same, so the model sees its own text (`1.0`, big integers, key order).
   */
  arguments?: string;
};

/**
 * A chat message in OpenAI's shape (TypeScript casing). `role` may also be Lagent's
 * `environment`; a model client maps it to a role its server knows.
 */
export interface ChatMessage {
  role: string;
  content: string | null;
  name?: string;
  toolCalls?: ToolCallRequest[];
  toolCallId?: string;
}

/** A tool offered to the model in OpenAI's `tools` format. */
export interface OpenAIToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

/** Lagent's `gen_params`, in TypeScript casing. */
export interface GenerationParams {
  maxNewTokens: number;
  temperature: number;
  topP: number;
  /** Sent only to servers that take it (vLLM, LMDeploy, Ollama), not to api.openai.com. */
  topK: number;
  /** Multiplicative (1 = none); sent only to servers that take it. */
  repetitionPenalty: number;
  /** Sent as `stop`, and also cut from the reply client-side. */
  stopWords: string[];
}

/** Lagent's BaseLLM defaults. */
export const DEFAULT_GENERATION_PARAMS: Readonly<GenerationParams> = Object.freeze({
  maxNewTokens: 512,
  temperature: 0.8,
  topP: 0.8,
  topK: 40,
  repetitionPenalty: 1,
  stopWords: [],
});

export const GENERATION_PARAM_KEYS = [
  'maxNewTokens',
  'temperature',
  'topP',
  'topK',
  'repetitionPenalty',
  'stopWords',
] as const satisfies readonly (keyof GenerationParams)[];

/** Per-call overrides of the generation parameters. */
export type GenerationOverrides = Partial<GenerationParams>;

export interface ChatRequest extends GenerationOverrides {
  messages: ChatMessage[];
  /** Lets servers with per-session state (LMDeploy, vLLM request ids) keep sessions apart. */
  sessionId?: SessionId;
  tools?: OpenAIToolDefinition[];
  signal?: AbortSignal;
}

export interface ChatResponse {
  content: string;
  toolCalls: ToolCallRequest[];
  finishReason: string | null;
}

/** One step of a streamed reply. `content` is cumulative (as Lagent's), `delta` is new text. */
export interface ChatStreamChunk {
  state: ModelStatusCode;
  content: string;
  delta: string;
  toolCalls: ToolCallRequest[];
  finishReason: string | null;
}

/** What an Agent needs from a model. `OpenAIModel` implements it for any OpenAI-compatible server. */
export interface ChatModel {
  chat(request: ChatRequest): MaybePromise<ChatResponse>;
  /** Optional: agents without it stream the whole reply as one chunk. */
  streamChat?(request: ChatRequest): AsyncIterable<ChatStreamChunk>;
}

/** Picks the generation overrides out of a wider options object. */
export function pickGenerationOverrides(options: object): GenerationOverrides {
  const source = options as Readonly<Record<string, unknown>>;
  const overrides: Record<string, unknown> = {};
  for (const key of GENERATION_PARAM_KEYS) {
    if (source[key] !== undefined) overrides[key] = source[key];
  }
  return overrides;
}
