export type { AgentCallOptions, AgentForwardOptions, AgentInput, AgentOptions } from './agent.ts';
export { Agent } from './agent.ts';
export type { AgentStreamEvent } from './agent-stream-event.ts';
export type { AgentNode, LoadStateDictResult, ResetOptions, StateDict } from './agent-tree.ts';
export { AgentDict, AgentList } from './agent-containers.ts';
export type { SequentialCallOptions, SequentialOptions } from './sequential.ts';
export { Sequential } from './sequential.ts';
export type { AgentForInternLMOptions, AgentStep } from './agent-for-internlm.ts';
export {
  AgentForInternLM,
  DEFAULT_INTERNLM_MAX_TURN,
  INTERNLM_INTERPRETER_PROMPT,
  INTERNLM_META_PROMPT,
  INTERNLM_PLUGIN_PROMPT,
  noToolCalled,
} from './agent-for-internlm.ts';
export type { MathCoderOptions } from './math-coder.ts';
export { DEFAULT_MATH_CODER_MAX_TURN, MATH_CODER_PROMPT, MathCoder } from './math-coder.ts';
export type { ReActOptions } from './react.ts';
export {
  createReActOutputFormat,
  DEFAULT_REACT_MAX_TURN,
  hasConclusion,
  ReAct,
  ReActActionCallSchema,
  ReActActionFormatSchema,
  ReActFinishFormatSchema,
  REACT_OUTPUT_FORMAT_TEMPLATE,
  REACT_SELECT_ACTION_TEMPLATE,
} from './react.ts';
