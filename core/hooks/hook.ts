import type { MaybePromise } from '../internal/maybe-promise.ts';
import type { SessionId } from '../memory/memory-manager.ts';
import type { AgentMessage } from '../schema/agent-message.ts';

/** The agent or executor a hook runs on, as hooks see it. */
export interface HookTarget {
  readonly name: string;
}

/**
 * Lagent's `Hook`: runs before and after an agent's or an executor's call. A method that
 * returns a value replaces the message(s); returning nothing keeps them (possibly
 * changed in place). Implement only the methods you need. Methods may be async.
 */
export interface Hook {
  beforeAgent?(
    agent: HookTarget,
    messages: AgentMessage[],
    sessionId: SessionId,
  ): MaybePromise<AgentMessage[] | void>;
  afterAgent?(
    agent: HookTarget,
    message: AgentMessage,
    sessionId: SessionId,
  ): MaybePromise<AgentMessage | void>;
  beforeAction?(
    executor: HookTarget,
    message: AgentMessage,
    sessionId: SessionId,
  ): MaybePromise<AgentMessage | void>;
  afterAction?(
    executor: HookTarget,
    message: AgentMessage,
    sessionId: SessionId,
  ): MaybePromise<AgentMessage | void>;
}

let nextHandleId = 0;

/** Returned by `registerHook`; `remove()` unregisters the hook. */
export class RemovableHandle {
  readonly id: number;
  readonly #registry: Map<number, Hook>;

  constructor(registry: Map<number, Hook>) {
    this.id = nextHandleId++;
    this.#registry = registry;
  }

  remove(): void {
    this.#registry.delete(this.id);
  }
}

/** Hooks in registration order. */
export class HookRegistry {
  readonly #hooks = new Map<number, Hook>();

  constructor(hooks: readonly Hook[] = []) {
    for (const hook of hooks) this.register(hook);
  }

  register(hook: Hook): RemovableHandle {
    const handle = new RemovableHandle(this.#hooks);
    this.#hooks.set(handle.id, hook);
    return handle;
  }

  values(): Hook[] {
    return [...this.#hooks.values()];
  }

  get size(): number {
    return this.#hooks.size;
  }
}
