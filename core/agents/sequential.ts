import { InvalidArgumentError } from '../errors/invalid-argument-error.ts';
import type { AgentMessage } from '../schema/agent-message.ts';
import type { AgentCallOptions, AgentForwardOptions, AgentOptions } from './agent.ts';
import { Agent } from './agent.ts';
import type { AgentStreamEvent } from './agent-stream-event.ts';
import { relayStream } from './relay-stream.ts';

export interface SequentialCallOptions extends AgentCallOptions {
  /**
   * Index of the agent whose reply is returned; past the end it wraps round, so
   * `exitAt: 2 * n - 1` runs the pipeline twice. @default the last agent
   */
  exitAt?: number;
}

export interface SequentialOptions extends Omit<AgentOptions, 'llm'> {
  /** The pipeline, in order. An object names the steps; a list names them '0', '1', ... */
  agents: readonly Agent[] | Readonly<Record<string, Agent>>;
}

/** Lagent's `Sequential`: each agent's reply is the next agent's input. */
export class Sequential extends Agent<SequentialCallOptions> {
  readonly #steps: [string, Agent][];

  constructor({ agents, ...options }: SequentialOptions) {
    super(options);
    const steps: [string, Agent][] = Array.isArray(agents)
      ? (agents as readonly Agent[]).map((agent, index) => [String(index), agent])
      : Object.entries(agents as Readonly<Record<string, Agent>>);
    if (steps.length === 0)
      throw new InvalidArgumentError({ message: 'At least one agent should be provided' });
    for (const [key, agent] of steps) {
      if (!(agent instanceof Agent))
        throw new InvalidArgumentError({ message: `Step "${key}" is not an Agent` });
      if (key.includes('.'))
        throw new InvalidArgumentError({ message: `agent name can't contain ".", got ${key}` });
    }
    this.#steps = steps;
  }

  get length(): number {
    return this.#steps.length;
  }

  at(index: number): Agent | undefined {
    return this.#steps.at(index)?.[1];
  }

  override namedChildren(): [string, Agent][] {
    return [...this.#steps];
  }

  override async forward(
    messages: AgentMessage[],
    { exitAt, ...options }: AgentForwardOptions<SequentialCallOptions>,
  ): Promise<AgentMessage> {
    let current: AgentMessage | AgentMessage[] = messages;
    for (const agent of this.#schedule(exitAt)) current = await agent.call(current, options);
    return current as AgentMessage;
  }

  override async *streamForward(
    messages: AgentMessage[],
    { exitAt, ...options }: AgentForwardOptions<SequentialCallOptions>,
  ): AsyncGenerator<AgentStreamEvent, AgentMessage> {
    let current: AgentMessage | AgentMessage[] = messages;
    // Inner agents' final messages are not the pipeline's end: pass on their text only.
    for (const agent of this.#schedule(exitAt))
      current = yield* relayStream(agent, current, options);
    return current as AgentMessage;
  }

  *#schedule(exitAt: number | undefined): Generator<Agent> {
    if (exitAt !== undefined && (!Number.isInteger(exitAt) || exitAt < 0)) {
      throw new InvalidArgumentError({ message: 'exitAt should be an integer >= 0' });
    }
    const last = exitAt ?? this.#steps.length - 1;
    for (let index = 0; index <= last; index += 1) {
      yield (this.#steps[index % this.#steps.length] as [string, Agent])[1];
    }
  }
}
