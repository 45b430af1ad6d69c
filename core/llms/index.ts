export type {
  ChatMessage,
  ChatModel,
  ChatRequest,
  ChatResponse,
  ChatStreamChunk,
  GenerationOverrides,
  GenerationParams,
  OpenAIToolDefinition,
  ToolCallRequest,
} from './chat-model.ts';
export {
  DEFAULT_GENERATION_PARAMS,
  GENERATION_PARAM_KEYS,
  pickGenerationOverrides,
} from './chat-model.ts';
export type { OpenAIModelOptions } from './openai-model.ts';
export {
  DEFAULT_MODEL_MAX_RETRIES,
  DEFAULT_MODEL_TIMEOUT_MS,
  OpenAIModel,
} from './openai-model.ts';
export { DEFAULT_ROLE_MAP } from './openai-messages.ts';
export { cutAtStopWords } from './stop-words.ts';
