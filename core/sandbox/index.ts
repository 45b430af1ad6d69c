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
  FreshRunOptions,
  FileInfo,
  FileListing,
  ListFilesOptions,
  OutputMessage,
  ReadFileOptions,
  RunCodeOptions,
  Sandbox,
  SandboxInfo,
  SandboxProvider,
  SandboxStats,
  WriteFileOptions,
} from './sandbox.ts';
export { checkListPath, DEFAULT_EXECUTION_TIMEOUT_MS, MAX_LISTED_FILES } from './sandbox.ts';
export { checkTimeoutMs } from './check-timeout.ts';
