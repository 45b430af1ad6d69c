import { InvalidArgumentError } from '../errors/invalid-argument-error.ts';
import { ValidationError } from '../errors/validation-error.ts';
import { isPlainObject } from '../internal/json.ts';
import { deepCopy } from '../internal/deep-copy.ts';
import type { AgentMessage } from '../schema/agent-message.ts';
import type { AgentMessageInit } from '../schema/agent-message.ts';
import { createAgentMessage, parseAgentMessage } from '../schema/agent-message.ts';

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
   * Appends messages. A string becomes a user message, and an object with some of a
   * message's fields (`{content, sender}`) is completed with Lagent's defaults, as
   * `AgentMessage(**fields)` would. Unlike Lagent, which silently drops values it cannot read,
   * anything else throws (and nothing of the input is added): a memory must not lose messages.
   */
  add(input: MemoryInput): void {
    const items = typeof input === 'string' || !Array.isArray(input) ? [input] : input;
    // Check every item first: a rejected list adds nothing.
    const messages = (items as readonly unknown[]).map((item) => toMessage(item));
    this.#messages.push(...messages);
  }

  /**
   * Lagent's `delete`: removes the message at `index`, or at each index of a list in turn
   * (each index counts in the memory as the previous deletions left it, as Lagent's `del`
   * loop does). Negative indices count from the end. An index out of range throws
   * InvalidArgumentError, and then nothing is removed (Lagent would have removed the
   * indices before it).
   */
  delete(indices: number | readonly number[]): void {
    const remaining = [...this.#messages];
    for (const index of typeof indices === 'number' ? [indices] : indices) {
      const position = index < 0 ? remaining.length + index : index;
      if (!Number.isInteger(index) || position < 0 || position >= remaining.length) {
        throw new InvalidArgumentError({
          message: `Memory index ${index} is out of range: the memory holds ${remaining.length} message(s)`,
        });
      }
      remaining.splice(position, 1);
    }
    this.#messages = remaining;
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

const messageFields = new Set([
  'content',
  'sender',
  'formatted',
  'extraInfo',
  'type',
  'receiver',
  'streamState',
]);

/** A memory entry: a whole message as it is, a partial one completed, anything else refused. */
function toMessage(item: unknown): AgentMessage {
  if (typeof item === 'string') return createAgentMessage({ sender: 'user', content: item });
  const problems: string[] = [];
  if (!isPlainObject(item)) problems.push('expected an AgentMessage, its fields, or a string');
  else {
    if (!('content' in item)) problems.push('a message needs `content`');
    const unknown = Object.keys(item).filter((key) => !messageFields.has(key));
    if (unknown.length > 0) problems.push(`not message fields: ${unknown.join(', ')}`);
    if ('sender' in item && typeof item['sender'] !== 'string')
      problems.push('`sender` must be a string');
  }
  if (problems.length > 0) throw new ValidationError({ subject: 'memory input', issues: problems });
  const fields = item as Record<string, unknown>;
  // A whole message is kept as it is (the same object, as Lagent keeps it).
  if (Object.keys(fields).length === messageFields.size) return fields as unknown as AgentMessage;
  return createAgentMessage(fields as unknown as AgentMessageInit);
}
