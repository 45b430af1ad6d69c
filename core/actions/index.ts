export type {
  Action,
  ActionApi,
  ApiDescription,
  LagentParameterType,
  ParameterDescription,
  RunActionOptions,
  ToolContext,
  ToolEvent,
  ToolDescription,
} from './action.ts';
export type { ToolApiSpec, ToolkitSpec, ToolSpec } from './define-tool.ts';
export { defineTool, defineToolApi, defineToolkit, outputToText } from './define-tool.ts';
export type { ToolArgumentsResult } from './tool-arguments.ts';
export { parseToolArguments } from './tool-arguments.ts';
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
