export {
  ActionStatusCode,
  ActionValidCode,
  AgentStatusCode,
  ModelStatusCode,
  ToolStatusCode,
} from './status-codes.ts';
export type { FunctionCall } from './function-call.ts';
export { FunctionCallSchema, isFunctionCall } from './function-call.ts';
export type { AgentMessage, AgentMessageInit } from './agent-message.ts';
export {
  AgentMessageSchema,
  createAgentMessage,
  isAgentMessage,
  parseAgentMessage,
} from './agent-message.ts';
export type { ActionResultItem, ActionReturn, ActionReturnInit } from './action-return.ts';
export {
  ActionReturnSchema,
  createActionReturn,
  formatResult,
  isActionReturn,
  isCreatedActionReturn,
  parseActionReturn,
} from './action-return.ts';
