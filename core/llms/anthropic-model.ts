import Anthropic from '@anthropic-ai/sdk';
import { InvalidArgumentError } from '../errors/invalid-argument-error.ts';
import { throwIfAborted } from '../internal/abort.ts';
import type {
  ChatModel,
  ChatRequest,
  ChatResponse,
  ChatStreamChunk,
  GenerationOverrides,
  GenerationParams,
} from './chat-model.ts';
import { DEFAULT_GENERATION_PARAMS, pickGenerationOverrides } from './chat-model.ts';
import { toAnthropicPlatformError } from './anthropic-errors.ts';
import {
  ANTHROPIC_ROLE_MAP,
  fromAnthropicContent,
  fromToolUse,
  toAnthropicMessages,
  toAnthropicTools,
  toFinishReason,
} from './anthropic-messages.ts';
import { cumulativeChunks } from './cumulative-stream.ts';
import type { ModelRequestOptions } from './model-request-options.ts';
import {
  DEFAULT_MODEL_MAX_RETRIES,
  DEFAULT_MODEL_TIMEOUT_MS,
  signalOption,
} from './model-request-options.ts';

import { cutAtStopWords } from './stop-words.ts';

/**
 * Lagent's ClaudeAPI generation parameters: `temperature`, `topP` and `topK` are sent only
 * when given (Anthropic's defaults apply otherwise); there is no repetition penalty.
 */
export type AnthropicGenerationParams = Pick<GenerationParams, 'maxNewTokens' | 'stopWords'> &
  Partial<Pick<GenerationParams, 'temperature' | 'topP' | 'topK'>>;

export interface AnthropicModelOptions extends ModelRequestOptions, GenerationOverrides {
  /** Model name (Lagent's `model_type`), e.g. 'claude-sonnet-4-5'. */
  model: string;
  /** @default process.env.ANTHROPIC_API_KEY, else process.env.Claude_API_KEY (Lagent's) */
  apiKey?: string;
  /** @default process.env.ANTHROPIC_BASE_URL, else Anthropic's API */
  baseURL?: string;
  /** Roles renamed before sending. @default ANTHROPIC_ROLE_MAP (environment → user) */
  roleMap?: Readonly<Record<string, string>>;
}

type MessageBody = Anthropic.MessageCreateParamsNonStreaming;

/**
 * Lagent's ClaudeAPI and AsyncClaudeAPI in one, on Anthropic's SDK: chat, streaming and
 * native tool calls over the Messages API.
 */
export class AnthropicModel implements ChatModel {
  readonly model: string;
  readonly genParams: Readonly<AnthropicGenerationParams>;
  readonly client: Anthropic;
  readonly #options: AnthropicModelOptions;

  constructor(options: AnthropicModelOptions) {
    const apiKey =
      options.apiKey ?? process.env['ANTHROPIC_API_KEY'] ?? process.env['Claude_API_KEY'];
    if (apiKey === undefined) {
      throw new InvalidArgumentError({
        message: 'AnthropicModel needs an API key: pass apiKey or set ANTHROPIC_API_KEY',
      });
    }
    this.#options = options;
    this.model = options.model;
    const { repetitionPenalty: _unused, ...given } = pickGenerationOverrides(options);
    this.genParams = Object.freeze({
      maxNewTokens: DEFAULT_GENERATION_PARAMS.maxNewTokens,
      stopWords: DEFAULT_GENERATION_PARAMS.stopWords,
      ...given,
    });
    this.client = new Anthropic({
      apiKey,
      ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
      maxRetries: options.maxRetries ?? DEFAULT_MODEL_MAX_RETRIES,
      timeout: options.timeoutMs ?? DEFAULT_MODEL_TIMEOUT_MS,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
  }

  /** Lagent's `update_gen_params`: the defaults with `overrides` applied. */
  updateGenParams(overrides: GenerationOverrides): AnthropicGenerationParams {
    const { repetitionPenalty: _unused, ...given } = pickGenerationOverrides(overrides);
    return { ...this.genParams, ...given };
  }

  async chat(request: ChatRequest): Promise<ChatResponse> {
    throwIfAborted(request.signal, 'The model request');
    const params = this.updateGenParams(request);
    try {
      const message = await this.client.messages.create(
        this.#body(request, params),
        signalOption(request.signal),
      );
      const { content, toolCalls } = fromAnthropicContent(message.content);
      return {
        content: cutAtStopWords(content, params.stopWords),
        toolCalls,
        finishReason: toFinishReason(message.stop_reason),
      };
    } catch (error) {
      throw toAnthropicPlatformError(error, request.signal);
    }
  }

  /** Streams the reply (see `cumulativeChunks` for how stop words are held back and cut). */
  async *streamChat(request: ChatRequest): AsyncGenerator<ChatStreamChunk> {
    throwIfAborted(request.signal, 'The model request');
    const params = this.updateGenParams(request);
    const body = this.#body(request, params);
    const client = this.client;
    let stopReason: string | null = null;
    // Tool uses by content block index; their input arrives as pieces of JSON text.
    const toolUses = new Map<number, { id: string; name: string; arguments: string }>();
    async function* pieces(): AsyncGenerator<string> {
      const stream = await client.messages.create(
        { ...body, stream: true },
        signalOption(request.signal),
      );
      for await (const event of stream) {
        if (event.type === 'content_block_start') {
          const block = event.content_block;
          if (block.type === 'text') yield block.text;
          if (block.type === 'tool_use') {
            const input = isEmptyObject(block.input) ? '' : JSON.stringify(block.input);
            toolUses.set(event.index, { id: block.id, name: block.name, arguments: input });
          }
        } else if (event.type === 'content_block_delta') {
          const delta = event.delta;
          if (delta.type === 'text_delta') yield delta.text;
          const toolUse = toolUses.get(event.index);
          if (delta.type === 'input_json_delta' && toolUse) toolUse.arguments += delta.partial_json;
        } else if (event.type === 'message_delta') {
          stopReason = event.delta.stop_reason ?? stopReason;
        }
      }
    }
    yield* cumulativeChunks({
      pieces: pieces(),
      stopWords: params.stopWords,
      finish: () => ({
        toolCalls: [...toolUses.values()].map((use) => fromToolUse(use)),
        finishReason: toFinishReason(stopReason),
      }),
      toError: (error) => toAnthropicPlatformError(error, request.signal),
    });
  }

  #body(request: ChatRequest, params: AnthropicGenerationParams): MessageBody {
    const options = this.#options;
    const { system, messages } = toAnthropicMessages(request.messages, {
      roleMap: options.roleMap ?? ANTHROPIC_ROLE_MAP,
    });
    const body: Record<string, unknown> = {
      model: this.model,
      max_tokens: params.maxNewTokens,
      messages,
      ...(system ? { system } : {}),
      ...(params.stopWords.length > 0 ? { stop_sequences: params.stopWords } : {}),
      ...(params.temperature === undefined ? {} : { temperature: params.temperature }),
      ...(params.topP === undefined ? {} : { top_p: params.topP }),
      ...(params.topK === undefined ? {} : { top_k: params.topK }),
      ...(request.tools?.length ? { tools: toAnthropicTools(request.tools) } : {}),
      ...options.extraBody,
    };
    return body as unknown as MessageBody;
  }
}

const isEmptyObject = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && Object.keys(value).length === 0;
