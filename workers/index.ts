// lagent-ts/workers: puts core, sandboxes and tools together (CLI, queue workers), and the
// scripted model server used for offline runs and tests.
export type {
  ChatCompletionBody,
  RecordedRequest,
  ScriptedModelServer,
  ScriptedReply,
  ScriptedReplyFn,
  ScriptedToolCall,
  StartScriptedModelServerOptions,
} from './model-replay/scripted-model-server.ts';
export {
  DEFAULT_CHUNK_CHARS,
  DEFAULT_CHUNK_DELAY_MS,
  DEFAULT_RETRY_AFTER_MS,
  DEFAULT_SCRIPTED_MODEL,
  startScriptedModelServer,
} from './model-replay/scripted-model-server.ts';
export {
  SEED_FEWSHOT,
  SEED_SINGLE_AGENT,
  SEED_TOOL_PARSER,
} from './model-replay/seed-recordings.ts';
export type { ModelFromEnv } from './cli/model-from-env.ts';
export { DEFAULT_LIVE_MODEL, modelFromEnv } from './cli/model-from-env.ts';
export type { CoderOptions } from './agents/coder.ts';
export { CODE_END, Coder, DEFAULT_CODER_MAX_TURN, DEFAULT_CODER_PROMPT } from './agents/coder.ts';
