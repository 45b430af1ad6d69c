export type { Hook, HookTarget } from './hook.ts';
export { HookRegistry, RemovableHandle } from './hook.ts';
export { ActionPreprocessor, toolCallOf } from './action-preprocessor.ts';
export type { InternLMActionProcessorOptions } from './internlm-action-processor.ts';
export { InternLMActionProcessor } from './internlm-action-processor.ts';
export type { MessageLoggerOptions } from './message-logger.ts';
export { MessageLogger } from './message-logger.ts';
