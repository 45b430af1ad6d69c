export type {
  Execution,
  ExecutionError,
  ExecutionLogs,
  ExecutionResult,
  ExecutionStop,
} from './execution.ts';
export {
  ExecutionErrorSchema,
  ExecutionResultSchema,
  ExecutionSchema,
  executionText,
} from './execution.ts';
export type {
  CreateSandboxOptions,
  OutputMessage,
  ReadFileOptions,
  RunCodeOptions,
  Sandbox,
  SandboxInfo,
  SandboxProvider,
  WriteFileOptions,
} from './sandbox.ts';
export { DEFAULT_EXECUTION_TIMEOUT_MS } from './sandbox.ts';
export { checkTimeoutMs } from './check-timeout.ts';
