import OpenAI from 'openai';
import { throwIfAborted } from '../internal/abort.ts';
import { ModelStatusCode } from '../schema/status-codes.ts';
import type {
  ChatModel,
  ChatRequest,
  ChatResponse,
  ChatStreamChunk,
  GenerationOverrides,
  GenerationParams,
  ToolCallRequest,
} from './chat-model.ts';
import { DEFAULT_GENERATION_PARAMS, pickGenerationOverrides } from './chat-model.ts';
import { toPlatformError } from './openai-errors.ts';
import { DEFAULT_ROLE_MAP, fromApiToolCall, toApiMessages } from './openai-messages.ts';
import { cutAtStopWords, stopWordPrefixLength } from './stop-words.ts';

/** Retries after a 408, 409, 429, 5xx or a connection failure, with backoff. */
export const DEFAULT_MODEL_MAX_RETRIES = 2;
/** Per attempt. */
export const DEFAULT_MODEL_TIMEOUT_MS = 120_000;

export interface OpenAIModelOptions extends GenerationOverrides {
  /** Model name on the server (Lagent's `model_type`). */
  model: string;
  /** @default process.env.OPENAI_API_KEY, or 'EMPTY' for local servers that need none */
  apiKey?: string;
  /** @default process.env.OPENAI_BASE_URL, else OpenAI's API */
  baseURL?: string;
  /** @default DEFAULT_MODEL_MAX_RETRIES */
  maxRetries?: number;
  /** @default DEFAULT_MODEL_TIMEOUT_MS */
  timeoutMs?: number;
  /**
   * Send `top_k` and `repetition_penalty`. 'auto' sends them to every server but
   * api.openai.com, which rejects them.
   * @default 'auto'
   */
  samplingExtensions?: boolean | 'auto';
  /** Roles renamed before sending. @default DEFAULT_ROLE_MAP (environment → system) */
  roleMap?: Readonly<Record<string, string>>;
  /** Merge consecutive messages of one role. @default true */
  mergeConsecutiveRoles?: boolean;
  /** Name of the length limit in the request body. @default 'max_tokens' */
  maxTokensParam?: 'max_tokens' | 'max_completion_tokens';
  /** Extra request body fields for this server (e.g. `{chat_template_kwargs: {...}}`). */
  extraBody?: Readonly<Record<string, unknown>>;
  /** For tests and proxies: the fetch the client uses. */
  fetch?: typeof fetch;
}

type CompletionBody = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;

/**
 * One client for any OpenAI-compatible server (OpenAI, vLLM, LMDeploy, Ollama): Lagent's
 * GPTAPI and AsyncGPTAPI in one, on the `openai` package.
 */
export class OpenAIModel implements ChatModel {
  readonly model: string;
  readonly genParams: Readonly<GenerationParams>;
  readonly client: OpenAI;
  readonly #options: OpenAIModelOptions;
  readonly #sendSamplingExtensions: boolean;

  constructor(options: OpenAIModelOptions) {
    this.#options = options;
    this.model = options.model;
    this.genParams = Object.freeze({
      ...DEFAULT_GENERATION_PARAMS,
      ...pickGenerationOverrides(options),
    });
    const baseURL = options.baseURL ?? process.env['OPENAI_BASE_URL'];
    const apiKey = options.apiKey ?? process.env['OPENAI_API_KEY'] ?? 'EMPTY';
    this.client = new OpenAI({
      apiKey,
      ...(baseURL === undefined ? {} : { baseURL }),
      maxRetries: options.maxRetries ?? DEFAULT_MODEL_MAX_RETRIES,
      timeout: options.timeoutMs ?? DEFAULT_MODEL_TIMEOUT_MS,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
    const extensions = options.samplingExtensions ?? 'auto';
    this.#sendSamplingExtensions =
      extensions === 'auto'
        ? new URL(this.client.baseURL).hostname !== 'api.openai.com'
        : extensions;
  }

  /** Lagent's `update_gen_params`: the defaults with `overrides` applied. */
  updateGenParams(overrides: GenerationOverrides): GenerationParams {
    return { ...this.genParams, ...pickGenerationOverrides(overrides) };
  }

  async chat(request: ChatRequest): Promise<ChatResponse> {
    throwIfAborted(request.signal, 'The model request');
    const params = this.updateGenParams(request);
    try {
      const completion = await this.client.chat.completions.create(
        this.#body(request, params),
        request.signal === undefined ? {} : { signal: request.signal },
      );
      const choice = completion.choices[0];
      const toolCalls = (choice?.message.tool_calls ?? []).flatMap((call) =>
        call.type === 'function'
          ? [
              fromApiToolCall({
                id: call.id,
                name: call.function.name,
                arguments: call.function.arguments,
              }),
            ]
          : [],
      );
      return {
        content: cutAtStopWords(choice?.message.content ?? '', params.stopWords),
        toolCalls,
        finishReason: choice?.finish_reason ?? null,
      };
    } catch (error) {
      throw toPlatformError(error, request.signal);
    }
  }

  /**
   * Streams the reply. Text that could be the start of a stop word is held back until
   * it is known not to be one; once a stop word appears the request is closed.
   */
  async *streamChat(request: ChatRequest): AsyncGenerator<ChatStreamChunk> {
    throwIfAborted(request.signal, 'The model request');
    const params = this.updateGenParams(request);
    const stopWords = params.stopWords;
    let raw = '';
    let emitted = '';
    let finishReason: string | null = null;
    const pendingCalls = new Map<number, { id: string; name: string; arguments: string }>();
    try {
      const stream = await this.client.chat.completions.create(
        { ...this.#body(request, params), stream: true },
        request.signal === undefined ? {} : { signal: request.signal },
      );
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        if (!choice) continue;
        finishReason = choice.finish_reason ?? finishReason;
        for (const call of choice.delta.tool_calls ?? []) {
          const pending = pendingCalls.get(call.index) ?? { id: '', name: '', arguments: '' };
          pending.id ||= call.id ?? '';
          pending.name += call.function?.name ?? '';
          pending.arguments += call.function?.arguments ?? '';
          pendingCalls.set(call.index, pending);
        }
        raw += choice.delta.content ?? '';
        const cut = cutAtStopWords(raw, stopWords);
        const stopped = cut.length < raw.length;
        const visible = stopped
          ? cut
          : cut.slice(0, cut.length - stopWordPrefixLength(cut, stopWords));
        if (visible.length > emitted.length) {
          const delta = visible.slice(emitted.length);
          emitted = visible;
          yield {
            state: ModelStatusCode.STREAM_ING,
            content: emitted,
            delta,
            toolCalls: [],
            finishReason: null,
          };
        }
        if (stopped) {
          finishReason = 'stop';
          break;
        }
      }
    } catch (error) {
      throw toPlatformError(error, request.signal);
    }
    const final = cutAtStopWords(raw, stopWords);
    const toolCalls: ToolCallRequest[] = [...pendingCalls.values()].map(fromApiToolCall);
    yield {
      state: ModelStatusCode.END,
      content: final,
      delta: final.slice(emitted.length),
      toolCalls,
      finishReason,
    };
  }

  #body(request: ChatRequest, params: GenerationParams): CompletionBody {
    const options = this.#options;
    const body: Record<string, unknown> = {
      model: this.model,
      messages: toApiMessages(request.messages, {
        roleMap: options.roleMap ?? DEFAULT_ROLE_MAP,
        merge: options.mergeConsecutiveRoles ?? true,
      }),
      [options.maxTokensParam ?? 'max_tokens']: params.maxNewTokens,
      temperature: params.temperature,
      top_p: params.topP,
      // OpenAI takes at most 4 stop strings; the rest are still cut client-side.
      ...(params.stopWords.length > 0
        ? { stop: this.#sendSamplingExtensions ? params.stopWords : params.stopWords.slice(0, 4) }
        : {}),
      ...(this.#sendSamplingExtensions
        ? { top_k: params.topK, repetition_penalty: params.repetitionPenalty }
        : {}),
      ...(request.tools?.length ? { tools: request.tools } : {}),
      ...options.extraBody,
    };
    return body as unknown as CompletionBody;
  }
}
