export type {
  Action,
  ActionApi,
  ApiDescription,
  LagentParameterType,
  ParameterDescription,
  ReturnDataDescription,
  RunActionOptions,
  ToolContext,
  ToolEvent,
  ToolDescription,
} from './action.ts';
export type { ArgumentFormat, ToolApiSpec, ToolkitSpec, ToolSpec } from './define-tool.ts';
export {
  DEFAULT_ARGUMENT_FORMAT,
  defineTool,
  defineToolApi,
  defineToolkit,
  outputToText,
} from './define-tool.ts';
export type { ArgumentLimits, ToolArgumentsResult } from './tool-arguments.ts';
export { parseToolArguments } from './tool-arguments.ts';
export { parseTupleArguments, TUPLE_PARAMETER_DESCRIPTION } from './tuple-arguments.ts';
export { DEFAULT_SESSION_ID_PARAMETER } from './session-parameter.ts';
export type { DescribeApiOptions } from './tool-description.ts';
export { describeApi, inputJsonSchema, JSON_PARAMETER_DESCRIPTION } from './tool-description.ts';
export {
  DEFAULT_INVALID_ACTION_MESSAGE,
  DEFAULT_NO_ACTION_MESSAGE,
  FinishAction,
  InvalidAction,
  NoAction,
} from './builtin-actions.ts';
export type {
  ActionExecutorContract,
  ActionExecutorOptions,
  ExecutorCallOptions,
  ForwardOptions,
} from './action-executor.ts';
export { ActionExecutor, NATIVE_API_SEPARATOR } from './action-executor.ts';
export { API_PREFIX, getPluginPrompt } from './plugin-prompt.ts';
export type { RequestLimits } from './request-limits.ts';
export {
  argumentsProblem,
  checkArguments,
  checkCode,
  checkSessionId,
  checkTimeout,
  codeProblem,
  DEFAULT_MAX_ARGUMENT_BYTES,
  DEFAULT_MAX_ARGUMENT_DEPTH,
  DEFAULT_MAX_CODE_BYTES,
  DEFAULT_MAX_EXECUTION_TIMEOUT_MS,
  DEFAULT_REQUEST_LIMITS,
  resolveRequestLimits,
  SESSION_ID_PATTERN,
  timeoutProblem,
} from './request-limits.ts';
export {
  checkEnvs,
  DENIED_ENV_NAMES,
  DENIED_ENV_PREFIXES,
  isDeniedEnvName,
  MAX_ENV_BYTES,
  MAX_ENV_COUNT,
  MAX_ENV_NAME_LENGTH,
  MAX_ENV_VALUE_BYTES,
} from './env-policy.ts';
