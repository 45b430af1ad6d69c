// Lagent's status enums with Lagent's numeric values, as `as const` objects: the numbers
// travel in serialised messages and state dicts, so they must match Lagent's exactly.

type ValueOf<T> = T[keyof T];

/** State of a tool execution (`ActionReturn.state`). */
export const ActionStatusCode = {
  ING: 1,
  SUCCESS: 0,
  HTTP_ERROR: -1000,
  ARGS_ERROR: -1001,
  API_ERROR: -1002,
} as const;
export type ActionStatusCode = ValueOf<typeof ActionStatusCode>;

/** Validity of the called action (`ActionReturn.valid`). */
export const ActionValidCode = {
  FINISH: 1,
  OPEN: 0,
  CLOSED: -1,
  INVALID: -2,
  ABSENT: -3,
} as const;
export type ActionValidCode = ValueOf<typeof ActionValidCode>;

/** State of a model's streamed reply. */
export const ModelStatusCode = {
  END: 0,
  STREAM_ING: 1,
  SERVER_ERR: -1,
  SESSION_CLOSED: -2,
  SESSION_OUT_OF_LIMIT: -3,
  SESSION_INVALID_ARG: -4,
  SESSION_READY: 2,
} as const;
export type ModelStatusCode = ValueOf<typeof ModelStatusCode>;

/** `ModelStatusCode` plus the plugin and code-interpreter states (`AgentMessage.streamState`). */
export const AgentStatusCode = {
  ...ModelStatusCode,
  PLUGIN_START: 3,
  PLUGIN_END: 4,
  PLUGIN_RETURN: 5,
  CODING: 6,
  CODE_END: 7,
  CODE_RETURN: 8,
} as const;
export type AgentStatusCode = ValueOf<typeof AgentStatusCode>;

/** Outcome of a tool parser reading a model reply (`formatted.status`). */
export const ToolStatusCode = {
  NO_TOOL: 0,
  VALID_TOOL: 1,
  PARSING_ERROR: -1,
} as const;
export type ToolStatusCode = ValueOf<typeof ToolStatusCode>;
