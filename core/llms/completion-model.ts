import type OpenAI from 'openai';
import { InvalidArgumentError } from '../errors/invalid-argument-error.ts';
import { throwIfAborted } from '../internal/abort.ts';
import type {
  ChatModel,
  ChatRequest,
  ChatResponse,
  ChatStreamChunk,
  GenerationParams,
} from './chat-model.ts';
import { cumulativeChunks } from './cumulative-stream.ts';
import type { MetaTemplate } from './meta-template.ts';
import { checkMetaTemplate, renderPrompt } from './meta-template.ts';
import { signalOption } from './model-request-options.ts';
import type { OpenAIClientModelOptions } from './openai-client.ts';
import { OpenAIClientModel } from './openai-client.ts';
import { toPlatformError } from './openai-errors.ts';
import { cutAtStopWords } from './stop-words.ts';

/** Lagent sends `skip_special_tokens=False`, so InternLM2's tool tokens reach the parsers. */
export const DEFAULT_SKIP_SPECIAL_TOKENS = false;

export interface CompletionModelOptions extends OpenAIClientModelOptions {
  /**
   * How messages become one prompt (Lagent's `meta_template`, e.g. `INTERNLM2_META`).
   * Without one the contents are joined with `'\n'`, as in Lagent.
   */
  metaTemplate?: MetaTemplate;
  /**
   * Sent as `skip_special_tokens` with the sampling extensions (vLLM and LMDeploy skip
   * them unless told not to).
   * @default DEFAULT_SKIP_SPECIAL_TOKENS
   */
  skipSpecialTokens?: boolean;
}

type CompletionBody = OpenAI.Completions.CompletionCreateParamsNonStreaming;

/**
 * A ChatModel for servers that complete text (`POST /v1/completions` on vLLM, LMDeploy and
 * other OpenAI-compatible servers): messages are rendered into one prompt with a meta
 * template, as Lagent's LMDeployClient and VllmModel do. `sessionId` is not sent: both
 * servers need request ids unique among running requests, and the whole prompt goes each time.
 */
export class CompletionModel extends OpenAIClientModel implements ChatModel {
  readonly metaTemplate: MetaTemplate | undefined;
  readonly #options: CompletionModelOptions;

  constructor(options: CompletionModelOptions) {
    if (options.metaTemplate !== undefined) checkMetaTemplate(options.metaTemplate);
    super(options);
    this.#options = options;
    this.metaTemplate = options.metaTemplate;
  }

  /** The prompt sent for `messages` (Lagent's `template_parser(messages)`). */
  renderPrompt(messages: ChatRequest['messages']): string {
    return renderPrompt({ messages, metaTemplate: this.metaTemplate });
  }

  async chat(request: ChatRequest): Promise<ChatResponse> {
    throwIfAborted(request.signal, 'The model request');
    const params = this.updateGenParams(request);
    const body = this.#body(request, params);
    try {
      const completion = await this.client.completions.create(body, signalOption(request.signal));
      const choice = completion.choices[0];
      return {
        content: cutAtStopWords(choice?.text ?? '', params.stopWords),
        toolCalls: [],
        finishReason: choice?.finish_reason ?? null,
      };
    } catch (error) {
      throw toPlatformError(error, request.signal);
    }
  }

  /** Streams the reply (see `cumulativeChunks` for how stop words are held back and cut). */
  async *streamChat(request: ChatRequest): AsyncGenerator<ChatStreamChunk> {
    throwIfAborted(request.signal, 'The model request');
    const params = this.updateGenParams(request);
    const body = this.#body(request, params);
    const client = this.client;
    let finishReason: string | null = null;
    async function* pieces(): AsyncGenerator<string> {
      const stream = await client.completions.create(
        { ...body, stream: true },
        signalOption(request.signal),
      );
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        if (!choice) continue;
        finishReason = choice.finish_reason ?? finishReason;
        yield choice.text;
      }
    }
    yield* cumulativeChunks({
      pieces: pieces(),
      stopWords: params.stopWords,
      finish: () => ({ toolCalls: [], finishReason }),
      toError: (error) => toPlatformError(error, request.signal),
    });
  }

  #body(request: ChatRequest, params: GenerationParams): CompletionBody {
    if (request.tools?.length) {
      // A completion server has no tool calling; the tools belong in the prompt instead.
      throw new InvalidArgumentError({
        message:
          'CompletionModel cannot send native tools; describe them in the prompt (e.g. with InternLMToolAggregator) or use OpenAIModel',
      });
    }
    const options = this.#options;
    const body: Record<string, unknown> = {
      model: this.model,
      prompt: this.renderPrompt(request.messages),
      ...this.samplingFields(params),
      ...(this.samplingExtensions
        ? { skip_special_tokens: options.skipSpecialTokens ?? DEFAULT_SKIP_SPECIAL_TOKENS }
        : {}),
      ...options.extraBody,
    };
    return body as unknown as CompletionBody;
  }
}
