export type { AgentCallOptions, AgentForwardOptions, AgentInput, AgentOptions } from './agent.ts';
export { Agent } from './agent.ts';
export type { AgentStreamEvent } from './agent-stream-event.ts';
export type { AgentNode, LoadStateDictResult, ResetOptions, StateDict } from './agent-tree.ts';
export { AgentDict, AgentList } from './agent-containers.ts';
export type { SequentialCallOptions, SequentialOptions } from './sequential.ts';
export { Sequential } from './sequential.ts';
