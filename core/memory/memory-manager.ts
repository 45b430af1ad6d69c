import { SessionNotFoundError } from '../errors/agent-errors.ts';
import type { AgentMessage } from '../schema/agent-message.ts';
import type { GetMemoryOptions, MemoryInput } from './memory.ts';
import { Memory } from './memory.ts';

/** Identifies one conversation. Lagent uses ints; strings work too. */
export type SessionId = string | number;

export const DEFAULT_SESSION_ID: SessionId = 0;

export type MemoryFactory = () => Memory;

/** One Memory per session, created on first use: Lagent's `MemoryManager`. */
export class MemoryManager {
  readonly memoryMap = new Map<SessionId, Memory>();
  readonly #createMemory: MemoryFactory;

  constructor(createMemory: MemoryFactory = () => new Memory()) {
    this.#createMemory = createMemory;
  }

  add(
    input: MemoryInput,
    { sessionId = DEFAULT_SESSION_ID }: { sessionId?: SessionId } = {},
  ): void {
    this.createInstance(sessionId).add(input);
  }

  /** The session's memory, or `undefined` when the session has none yet. */
  get(sessionId: SessionId = DEFAULT_SESSION_ID): Memory | undefined {
    return this.memoryMap.get(sessionId);
  }

  /** The session's messages. Throws SessionNotFoundError for an unknown session. */
  getMemory({
    sessionId = DEFAULT_SESSION_ID,
    ...options
  }: GetMemoryOptions & { sessionId?: SessionId } = {}): AgentMessage[] {
    const memory = this.memoryMap.get(sessionId);
    if (!memory) throw new SessionNotFoundError({ sessionId });
    return memory.getMemory(options);
  }

  /** The session's memory, created empty if absent. */
  createInstance(sessionId: SessionId): Memory {
    let memory = this.memoryMap.get(sessionId);
    if (!memory) {
      memory = this.#createMemory();
      this.memoryMap.set(sessionId, memory);
    }
    return memory;
  }

  /** Forgets the session. */
  reset(sessionId: SessionId = DEFAULT_SESSION_ID): void {
    this.memoryMap.delete(sessionId);
  }
}
