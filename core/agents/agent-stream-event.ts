import type { AgentMessage } from '../schema/agent-message.ts';

/**
 * What `agent.stream()` yields: text as it arrives, then the final message. In a
 * `message-delta`, `message.content` is the reply so far (as Lagent's streaming agents
 * yield it) with `streamState: STREAM_ING`; `message-end` carries the final message,
 * after memory and hooks, with `streamState: END`.
 */
export type AgentStreamEvent =
  | { type: 'message-delta'; delta: string; message: AgentMessage }
  | { type: 'message-end'; message: AgentMessage };
