import OpenAI from 'openai';
import type { GenerationOverrides, GenerationParams } from './chat-model.ts';
import { DEFAULT_GENERATION_PARAMS, pickGenerationOverrides } from './chat-model.ts';
import type { ModelRequestOptions } from './model-request-options.ts';
import { DEFAULT_MODEL_MAX_RETRIES, DEFAULT_MODEL_TIMEOUT_MS } from './model-request-options.ts';

/** How OpenAIModel and CompletionModel reach an OpenAI-compatible server. */
export interface OpenAIClientOptions extends ModelRequestOptions {
  /** @default process.env.OPENAI_API_KEY, or 'EMPTY' for local servers that need none */
  apiKey?: string;
  /** @default process.env.OPENAI_BASE_URL, else OpenAI's API */
  baseURL?: string;
  /**
   * Send the fields only vLLM, LMDeploy and the like take (`top_k`, `repetition_penalty`,
   * ...). 'auto' sends them to every server but api.openai.com, which rejects them.
   * @default 'auto'
   */
  samplingExtensions?: boolean | 'auto';
}

export interface OpenAIClientModelOptions extends OpenAIClientOptions, GenerationOverrides {
  /** Model name on the server (Lagent's `model_type`). */
  model: string;
}

/**
 * What OpenAIModel and CompletionModel share: the `openai` client, Lagent's `gen_params`
 * and how they go into a request body.
 */
export abstract class OpenAIClientModel {
  readonly model: string;
  readonly genParams: Readonly<GenerationParams>;
  readonly client: OpenAI;
  /** Whether the fields only some servers take are sent. */
  protected readonly samplingExtensions: boolean;

  constructor(options: OpenAIClientModelOptions) {
    this.model = options.model;
    this.genParams = Object.freeze({
      ...DEFAULT_GENERATION_PARAMS,
      ...pickGenerationOverrides(options),
    });
    const baseURL = options.baseURL ?? process.env['OPENAI_BASE_URL'];
    this.client = new OpenAI({
      apiKey: options.apiKey ?? process.env['OPENAI_API_KEY'] ?? 'EMPTY',
      ...(baseURL === undefined ? {} : { baseURL }),
      maxRetries: options.maxRetries ?? DEFAULT_MODEL_MAX_RETRIES,
      timeout: options.timeoutMs ?? DEFAULT_MODEL_TIMEOUT_MS,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
    const extensions = options.samplingExtensions ?? 'auto';
    this.samplingExtensions =
      extensions === 'auto'
        ? new URL(this.client.baseURL).hostname !== 'api.openai.com'
        : extensions;
  }

  /** Lagent's `update_gen_params`: the defaults with `overrides` applied. */
  updateGenParams(overrides: GenerationOverrides): GenerationParams {
    return { ...this.genParams, ...pickGenerationOverrides(overrides) };
  }

  /** The generation parameters as request body fields. */
  protected samplingFields(
    params: GenerationParams,
    maxTokensParam: 'max_tokens' | 'max_completion_tokens' = 'max_tokens',
  ): Record<string, unknown> {
    const extensions = this.samplingExtensions;
    return {
      [maxTokensParam]: params.maxNewTokens,
      temperature: params.temperature,
      top_p: params.topP,
      // OpenAI takes at most 4 stop strings; the rest are still cut client-side.
      ...(params.stopWords.length > 0
        ? { stop: extensions ? params.stopWords : params.stopWords.slice(0, 4) }
        : {}),
      ...(extensions ? { top_k: params.topK, repetition_penalty: params.repetitionPenalty } : {}),
    };
  }
}
