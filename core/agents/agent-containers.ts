import { InvalidArgumentError } from '../errors/invalid-argument-error.ts';
import { Agent } from './agent.ts';

function checkAgent(value: unknown): Agent {
  if (!(value instanceof Agent)) {
    throw new InvalidArgumentError({ message: `${String(value)} is not an Agent` });
  }
  return value as Agent;
}

function checkKey(key: string): string {
  if (key.includes('.'))
    throw new InvalidArgumentError({ message: `agent name can't contain ".", got ${key}` });
  return key;
}

/**
 * Lagent's `AgentList`: a list of sub-agents with state-dict keys '0', '1', ... It has no
 * memory of its own. Every change checks its items, and a rejected change changes nothing.
 */
export class AgentList extends Agent {
  readonly #items: Agent[];

  constructor(agents: readonly Agent[] = []) {
    super({ memory: null });
    this.#items = agents.map(checkAgent);
  }

  get length(): number {
    return this.#items.length;
  }

  at(index: number): Agent | undefined {
    return this.#items.at(index);
  }

  push(...agents: Agent[]): number {
    return this.#items.push(...agents.map(checkAgent));
  }

  insert(index: number, agent: Agent): void {
    this.#items.splice(index, 0, checkAgent(agent));
  }

  removeAt(index: number): Agent | undefined {
    return this.#items.splice(index, 1)[0];
  }

  [Symbol.iterator](): Iterator<Agent> {
    return this.#items[Symbol.iterator]();
  }

  override namedChildren(): [string, Agent][] {
    return this.#items.map((agent, index) => [String(index), agent]);
  }
}

/** Lagent's `AgentDict`: named sub-agents (names without dots). It has no memory of its own. */
export class AgentDict extends Agent {
  readonly #items = new Map<string, Agent>();

  constructor(agents: Readonly<Record<string, Agent>> = {}) {
    super({ memory: null });
    const checked = Object.entries(agents).map(
      ([key, agent]) => [checkKey(key), checkAgent(agent)] as const,
    );
    for (const [key, agent] of checked) this.#items.set(key, agent);
  }

  get size(): number {
    return this.#items.size;
  }

  get(key: string): Agent | undefined {
    return this.#items.get(key);
  }

  set(key: string, agent: Agent): this {
    this.#items.set(checkKey(key), checkAgent(agent));
    return this;
  }

  delete(key: string): boolean {
    return this.#items.delete(key);
  }

  keys(): string[] {
    return [...this.#items.keys()];
  }

  override namedChildren(): [string, Agent][] {
    return [...this.#items];
  }
}
