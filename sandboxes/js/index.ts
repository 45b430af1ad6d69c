export type { HostFunction, JsLimits, JsSandboxProviderOptions } from './js-sandbox-options.ts';
export {
  DEFAULT_JS_CPU_TIME_LIMIT_MS,
  DEFAULT_JS_FRESH_ISOLATES_PER_THREAD,
  DEFAULT_JS_ISOLATE_REUSE,
  DEFAULT_JS_LIMITS,
  DEFAULT_JS_MAX_OUTPUT_CHARS,
  DEFAULT_JS_MEMORY_LIMIT_MB,
  DEFAULT_JS_WALL_TIME_LIMIT_MS,
} from './js-sandbox-options.ts';
export { JsSandbox } from './js-sandbox.ts';
export { JsSandboxProvider } from './js-sandbox-provider.ts';
export { rewriteTopLevelAwait } from './top-level-await.ts';
