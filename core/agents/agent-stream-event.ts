import type { AgentMessage } from '../schema/agent-message.ts';

/**
 * What `agent.stream()` yields: text as it arrives, then the final message. In a
 * `message-delta`, `message.content` is the reply so far (as Lagent's streaming agents
 * yield it) with `streamState: STREAM_ING`; `message-end` carries the final message,
 * after memory and hooks, with `streamState: END`. Composite agents with a tool loop
 * (AgentForInternLM, MathCoder, ReAct) also yield a `step` for each finished inner step:
 * a model turn, or a tool's result (`streamState` PLUGIN_RETURN or CODE_RETURN).
 */
export type AgentStreamEvent =
  | { type: 'message-delta'; delta: string; message: AgentMessage }
  | { type: 'step'; message: AgentMessage }
  | { type: 'message-end'; message: AgentMessage };
