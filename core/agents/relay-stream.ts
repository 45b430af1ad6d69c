import type { AgentStreamEvent } from './agent-stream-event.ts';
import type { AgentCallOptions, AgentInput } from './agent.ts';
import type { Agent } from './agent.ts';
import type { AgentMessage } from '../schema/agent-message.ts';

/**
 * Streams an inner agent's call as part of an outer agent's stream: its text deltas pass
 * on, and its final message is returned (the outer agent decides whether it is a step).
 */
export async function* relayStream<OPTIONS extends AgentCallOptions>(
  agent: Agent<OPTIONS>,
  input: AgentInput | readonly AgentInput[],
  options: OPTIONS,
): AsyncGenerator<AgentStreamEvent, AgentMessage> {
  const stream = agent.stream(input, options);
  for (;;) {
    const step = await stream.next();
    if (step.done) return step.value;
    if (step.value.type !== 'message-end') yield step.value;
  }
}
