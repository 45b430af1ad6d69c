import type OpenAI from 'openai';
import { throwIfAborted } from '../internal/abort.ts';
import type {
  ChatModel,
  ChatRequest,
  ChatResponse,
  ChatStreamChunk,
  GenerationParams,
} from './chat-model.ts';
import { cumulativeChunks } from './cumulative-stream.ts';
import { signalOption } from './model-request-options.ts';
import type { OpenAIClientModelOptions } from './openai-client.ts';
import { OpenAIClientModel } from './openai-client.ts';
import { toPlatformError } from './openai-errors.ts';
import { DEFAULT_ROLE_MAP, fromApiToolCall, toApiMessages } from './openai-messages.ts';
import { cutAtStopWords } from './stop-words.ts';

export { DEFAULT_MODEL_MAX_RETRIES, DEFAULT_MODEL_TIMEOUT_MS } from './model-request-options.ts';

export interface OpenAIModelOptions extends OpenAIClientModelOptions {
  /** Roles renamed before sending. @default DEFAULT_ROLE_MAP (environment → system) */
  roleMap?: Readonly<Record<string, string>>;
  /** Merge consecutive messages of one role. @default true */
  mergeConsecutiveRoles?: boolean;
  /** Name of the length limit in the request body. @default 'max_tokens' */
  maxTokensParam?: 'max_tokens' | 'max_completion_tokens';
}

type CompletionBody = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;

/**
 * One client for any OpenAI-compatible server (OpenAI, vLLM, LMDeploy, Ollama): Lagent's
 * GPTAPI and AsyncGPTAPI in one, on the `openai` package.
 */
export class OpenAIModel extends OpenAIClientModel implements ChatModel {
  readonly #options: OpenAIModelOptions;

  constructor(options: OpenAIModelOptions) {
    super(options);
    this.#options = options;
  }

  async chat(request: ChatRequest): Promise<ChatResponse> {
    throwIfAborted(request.signal, 'The model request');
    const params = this.updateGenParams(request);
    try {
      const completion = await this.client.chat.completions.create(
        this.#body(request, params),
        signalOption(request.signal),
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

  /** Streams the reply (see `cumulativeChunks` for how stop words are held back and cut). */
  async *streamChat(request: ChatRequest): AsyncGenerator<ChatStreamChunk> {
    throwIfAborted(request.signal, 'The model request');
    const params = this.updateGenParams(request);
    let finishReason: string | null = null;
    const pendingCalls = new Map<number, { id: string; name: string; arguments: string }>();
    const client = this.client;
    const body = this.#body(request, params);
    async function* pieces(): AsyncGenerator<string> {
      const stream = await client.chat.completions.create(
        { ...body, stream: true },
        signalOption(request.signal),
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
        yield choice.delta.content ?? '';
      }
    }
    yield* cumulativeChunks({
      pieces: pieces(),
      stopWords: params.stopWords,
      finish: () => ({ toolCalls: [...pendingCalls.values()].map(fromApiToolCall), finishReason }),
      toError: (error) => toPlatformError(error, request.signal),
    });
  }

  #body(request: ChatRequest, params: GenerationParams): CompletionBody {
    const options = this.#options;
    const body: Record<string, unknown> = {
      model: this.model,
      messages: toApiMessages(request.messages, {
        roleMap: options.roleMap ?? DEFAULT_ROLE_MAP,
        merge: options.mergeConsecutiveRoles ?? true,
      }),
      ...this.samplingFields(params, options.maxTokensParam),
      ...(request.tools?.length ? { tools: request.tools } : {}),
      ...options.extraBody,
    };
    return body as unknown as CompletionBody;
  }
}
