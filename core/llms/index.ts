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
export type { ModelRequestOptions } from './model-request-options.ts';
export { DEFAULT_MODEL_MAX_RETRIES, DEFAULT_MODEL_TIMEOUT_MS } from './model-request-options.ts';
export type { OpenAIClientOptions } from './openai-client.ts';
export type { OpenAIModelOptions } from './openai-model.ts';
export { OpenAIModel } from './openai-model.ts';
export { DEFAULT_ROLE_MAP } from './openai-messages.ts';
export { cutAtStopWords } from './stop-words.ts';
export type {
  MetaTemplate,
  MetaTemplateBegin,
  MetaTemplateRole,
  PromptMessage,
  RenderPromptOptions,
} from './meta-template.ts';
export { checkMetaTemplate, INTERNLM2_META, renderPrompt } from './meta-template.ts';
export type { CompletionModelOptions } from './completion-model.ts';
export { CompletionModel, DEFAULT_SKIP_SPECIAL_TOKENS } from './completion-model.ts';
export type { AnthropicGenerationParams, AnthropicModelOptions } from './anthropic-model.ts';
export { AnthropicModel } from './anthropic-model.ts';
export { ANTHROPIC_ROLE_MAP } from './anthropic-messages.ts';
