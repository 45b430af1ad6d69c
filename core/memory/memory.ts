import { ValidationError } from '../errors/validation-error.ts';
import { deepCopy } from '../internal/deep-copy.ts';
import type { AgentMessage } from '../schema/agent-message.ts';
import { createAgentMessage, isAgentMessage, parseAgentMessage } from '../schema/agent-message.ts';

export type MemoryInput = AgentMessage | string | readonly (AgentMessage | string)[];

export interface MemoryOptions {
  /** Keep all messages but return only the last `recentN` from `getMemory()`. */
  recentN?: number;
}

export interface GetMemoryOptions {
  /** Overrides the memory's own `recentN`. */
  recentN?: number;
  /** Keeps a message when it returns true; gets the message's index in the returned window. */
  filter?: (index: number, message: AgentMessage) => boolean;
}

/** One session's message history: Lagent's `Memory`. */
export class Memory {
  readonly recentN: number | undefined;
  #messages: AgentMessage[] = [];

  constructor({ recentN }: MemoryOptions = {}) {
    this.recentN = recentN;
  }

  get length(): number {
    return this.#messages.length;
  }

  /**
   * The messages, oldest first (the stored objects, not copies). Lagent returns the
   * same objects; `save()` is the copying read.
   */
  getMemory({ recentN = this.recentN, filter }: GetMemoryOptions = {}): AgentMessage[] {
    let window = recentN === undefined ? [...this.#messages] : this.#messages.slice(-recentN);
    if (recentN === 0) window = [];
    return filter ? window.filter((message, index) => filter(index, message)) : window;
  }

  /**
   * Appends messages. A string becomes a user message. Unlike Lagent, which silently
   * drops values it cannot read, anything else throws (and nothing of the input is added):
   * a memory must not lose messages.
   */
  add(input: MemoryInput): void {
    const items = typeof input === 'string' || !Array.isArray(input) ? [input] : input;
    // Check every item first: a rejected list adds nothing.
    const messages = (items as readonly unknown[]).map((item) => {
      if (typeof item === 'string') return createAgentMessage({ sender: 'user', content: item });
      if (isAgentMessage(item)) return item;
      throw new ValidationError({
        subject: 'memory input',
        issues: ['expected an AgentMessage or a string'],
      });
    });
    this.#messages.push(...messages);
  }

  /** Removes the messages at the given indices. */
  delete(indices: number | readonly number[]): void {
    const drop = new Set(typeof indices === 'number' ? [indices] : indices);
    this.#messages = this.#messages.filter((_, index) => !drop.has(index));
  }

  /**
   * Loads serialised messages (this project's or Lagent's Python dumps), validating each.
   * With `overwrite` (the default) the current history is replaced.
   */
  load(
    data: unknown,
    { overwrite = true, subject = 'memory' }: { overwrite?: boolean; subject?: string } = {},
  ): void {
    const items = Array.isArray(data) ? (data as unknown[]) : [data];
    const parsed = items.map((item, index) => parseAgentMessage(item, `${subject}[${index}]`));
    this.#messages = overwrite ? parsed : [...this.#messages, ...parsed];
  }

  /** A JSON-serialisable copy of every message. */
  save(): AgentMessage[] {
    return deepCopy(this.#messages);
  }

  clear(): void {
    this.#messages = [];
  }
}
