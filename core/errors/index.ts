export type { ErrorCode, PlatformErrorOptions } from './platform-error.ts';
export { PlatformError } from './platform-error.ts';
export { InvalidArgumentError } from './invalid-argument-error.ts';
export type { RequestLimitName } from './request-limit-error.ts';
export { RequestLimitError } from './request-limit-error.ts';
export { ValidationError } from './validation-error.ts';
export { AbortedError } from './aborted-error.ts';
export { ModelApiError, ModelConnectionError, ModelTimeoutError } from './model-errors.ts';
export {
  AgentNotConfiguredError,
  OutputParseError,
  SessionNotFoundError,
  StateDictMismatchError,
  ToolDefinitionError,
} from './agent-errors.ts';
export {
  SandboxClosedError,
  SandboxCrashedError,
  SandboxLimitError,
  SandboxUnavailableError,
} from './sandbox-errors.ts';
export type { QueueUnavailableReason } from './queue-errors.ts';
export {
  JobNotFoundError,
  NoWorkerError,
  QueueFullError,
  QueueUnavailableError,
} from './queue-errors.ts';
export { DeadlineExceededError } from './deadline-exceeded-error.ts';
export { AuthenticationError, RateLimitedError, ServiceError } from './service-errors.ts';
