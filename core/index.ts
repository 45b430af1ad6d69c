// lagent-ts/core: messages, agents, memory, parsers, aggregators, the executor contract,
// hooks, the model client, errors and the Sandbox interface. No Docker, Redis or isolates.
export type { ErrorCode, PlatformErrorOptions, QueueUnavailableReason } from './errors/index.ts';
export {
  AbortedError,
  AgentNotConfiguredError,
  DeadlineExceededError,
  InvalidArgumentError,
  JobNotFoundError,
  ModelApiError,
  ModelConnectionError,
  ModelTimeoutError,
  NoWorkerError,
  OutputParseError,
  PlatformError,
  QueueFullError,
  QueueUnavailableError,
  SandboxClosedError,
  SandboxCrashedError,
  SandboxLimitError,
  SandboxUnavailableError,
  SessionNotFoundError,
  StateDictMismatchError,
  ToolDefinitionError,
  ValidationError,
} from './errors/index.ts';
export type {
  ActionResultItem,
  ActionReturn,
  ActionReturnInit,
  AgentMessage,
  AgentMessageInit,
  FunctionCall,
} from './schema/index.ts';
export {
  ActionReturnSchema,
  ActionStatusCode,
  ActionValidCode,
  AgentMessageSchema,
  AgentStatusCode,
  FunctionCallSchema,
  ModelStatusCode,
  ToolStatusCode,
  createActionReturn,
  createAgentMessage,
  formatResult,
  isActionReturn,
  isAgentMessage,
  isCreatedActionReturn,
  isFunctionCall,
  parseActionReturn,
  parseAgentMessage,
} from './schema/index.ts';
export type {
  GetMemoryOptions,
  MemoryFactory,
  MemoryInput,
  MemoryOptions,
  SessionId,
} from './memory/index.ts';
export { DEFAULT_SESSION_ID, Memory, MemoryManager } from './memory/index.ts';
export type {
  ChatMessage,
  ChatModel,
  ChatRequest,
  ChatResponse,
  ChatStreamChunk,
  GenerationOverrides,
  GenerationParams,
  OpenAIModelOptions,
  OpenAIToolDefinition,
  ToolCallRequest,
} from './llms/index.ts';
export {
  DEFAULT_GENERATION_PARAMS,
  DEFAULT_MODEL_MAX_RETRIES,
  DEFAULT_MODEL_TIMEOUT_MS,
  DEFAULT_ROLE_MAP,
  GENERATION_PARAM_KEYS,
  OpenAIModel,
  cutAtStopWords,
  pickGenerationOverrides,
} from './llms/index.ts';
export type {
  JSONFormatModel,
  JSONParserOptions,
  MixedToolParserOptions,
  OutputParser,
  StrParserOptions,
  ToolFormatted,
  ToolParserOptions,
} from './parsers/index.ts';
export {
  InterpreterParser,
  JSONParser,
  MixedToolParser,
  PluginParser,
  StrParser,
  ToolParser,
  defaultPluginValidate,
  isToolFormatted,
} from './parsers/index.ts';
export type {
  AggregateOptions,
  Aggregator,
  FewShotMessage,
  InternLMToolAggregatorOptions,
  SystemInstruction,
} from './aggregators/index.ts';
export {
  DefaultAggregator,
  InternLMToolAggregator,
  NATIVE_TOOL_TYPE,
  aggregateSystemInstruction,
  contentToText,
  nativeToolCalls,
} from './aggregators/index.ts';
export type {
  Action,
  ActionApi,
  ActionExecutorContract,
  ActionExecutorOptions,
  ApiDescription,
  ExecutorCallOptions,
  ForwardOptions,
  LagentParameterType,
  ParameterDescription,
  RunActionOptions,
  ToolApiSpec,
  ToolArgumentsResult,
  ToolContext,
  ToolEvent,
  ToolDescription,
  ToolSpec,
  ToolkitSpec,
} from './actions/index.ts';
export {
  API_PREFIX,
  ActionExecutor,
  DEFAULT_INVALID_ACTION_MESSAGE,
  DEFAULT_NO_ACTION_MESSAGE,
  FinishAction,
  InvalidAction,
  JSON_PARAMETER_DESCRIPTION,
  NATIVE_API_SEPARATOR,
  NoAction,
  defineTool,
  defineToolApi,
  defineToolkit,
  describeApi,
  getPluginPrompt,
  inputJsonSchema,
  outputToText,
  parseToolArguments,
} from './actions/index.ts';
export type {
  Hook,
  HookTarget,
  InternLMActionProcessorOptions,
  MessageLoggerOptions,
} from './hooks/index.ts';
export {
  ActionPreprocessor,
  HookRegistry,
  InternLMActionProcessor,
  MessageLogger,
  RemovableHandle,
  toolCallOf,
} from './hooks/index.ts';
export type {
  AgentCallOptions,
  AgentForwardOptions,
  AgentInput,
  AgentNode,
  AgentOptions,
  AgentStreamEvent,
  LoadStateDictResult,
  ResetOptions,
  SequentialCallOptions,
  SequentialOptions,
  StateDict,
} from './agents/index.ts';
export { Agent, AgentDict, AgentList, Sequential } from './agents/index.ts';
export type {
  CreateSandboxOptions,
  Execution,
  ExecutionError,
  ExecutionLogs,
  ExecutionResult,
  ExecutionStop,
  OutputMessage,
  ReadFileOptions,
  RunCodeOptions,
  Sandbox,
  SandboxInfo,
  SandboxProvider,
  WriteFileOptions,
} from './sandbox/index.ts';
export {
  DEFAULT_EXECUTION_TIMEOUT_MS,
  ExecutionErrorSchema,
  ExecutionResultSchema,
  ExecutionSchema,
  executionText,
} from './sandbox/index.ts';
export type { JsonValue, SafeParseJsonResult } from './internal/json.ts';
export { isPlainObject, parseJson, safeParseJson, toPythonJson } from './internal/json.ts';
export type { DeadlineRace, RaceDeadlineOptions, WithDeadlineOptions } from './internal/abort.ts';
export { onAbort, raceDeadline, sleep, throwIfAborted, withDeadline } from './internal/abort.ts';
