import { InvalidArgumentError } from '../errors/invalid-argument-error.ts';
import type { Hook, HookTarget, RemovableHandle } from '../hooks/hook.ts';
import { HookRegistry } from '../hooks/hook.ts';
import { deepCopy } from '../internal/deep-copy.ts';
import { toPythonJson } from '../internal/json.ts';
import type { OpenAIToolDefinition } from '../llms/chat-model.ts';
import type { SessionId } from '../memory/memory-manager.ts';
import { DEFAULT_SESSION_ID } from '../memory/memory-manager.ts';
import type { ActionReturn } from '../schema/action-return.ts';
import { createActionReturn } from '../schema/action-return.ts';
import type { AgentMessage } from '../schema/agent-message.ts';
import { createAgentMessage } from '../schema/agent-message.ts';
import { isFunctionCall } from '../schema/function-call.ts';
import { ActionStatusCode, ActionValidCode } from '../schema/status-codes.ts';
import type { Action, ApiDescription, ToolDescription, ToolEvent } from './action.ts';
import { FinishAction, InvalidAction, NoAction } from './builtin-actions.ts';
import { argumentsProblem, resolveRequestLimits } from './request-limits.ts';
import type { ArgumentLimits } from './tool-arguments.ts';

/** Joins toolkit and API in native tool names, since OpenAI's names cannot hold a dot. */
export const NATIVE_API_SEPARATOR = '__';

export interface ActionExecutorOptions {
  actions: readonly Action[];
  /** Answers calls to unknown actions. @default new InvalidAction() */
  invalidAction?: Action;
  /** Answers calls named 'NoAction'. @default new NoAction() */
  noAction?: Action;
  /** Answers calls named 'FinishAction'. @default new FinishAction() */
  finishAction?: Action;
  /** List the finish action among the actions (and in `description()`). @default false */
  finishInAction?: boolean;
  hooks?: readonly Hook[];
  /**
   * Bounds of one call's arguments: a call over them is answered with an ARGS_ERROR and not
   * run. @default DEFAULT_MAX_ARGUMENT_BYTES and DEFAULT_MAX_ARGUMENT_DEPTH
   */
  limits?: Partial<ArgumentLimits>;
}

/**
 * Levels a message holds around a call's arguments (message, content list, call): the
 * whole message may nest this much deeper than the arguments before it is refused unread.
 */
const MESSAGE_NESTING_LEVELS = 4;

export interface ExecutorCallOptions {
  sessionId?: SessionId;
  signal?: AbortSignal | undefined;
}

export interface ForwardOptions extends ExecutorCallOptions {
  /** `'Tool'`, `'Tool.api'`, or a native name `'Tool__api'`. */
  name: string;
  parameters: unknown;
  toolCallId?: string;
  /** Receives the tool's output while it runs. */
  emit?: ((event: ToolEvent) => void) | undefined;
}

/** Routes messages to actions, the same way for every kind of tool. */
export interface ActionExecutorContract extends HookTarget {
  call(message: AgentMessage, options?: ExecutorCallOptions): Promise<AgentMessage>;
}

/**
 * Lagent's `ActionExecutor`: takes a message whose content is a tool call
 * `{name, parameters}` (or a list of native tool calls), runs it, and answers with a
 * message whose content is the ActionReturn. An unknown tool, bad arguments, invalid
 * JSON or a throwing tool come back as an ActionReturn with an errmsg, never a throw.
 */
export class ActionExecutor implements ActionExecutorContract {
  readonly actions = new Map<string, Action>();
  readonly invalidAction: Action;
  readonly noAction: Action;
  readonly finishAction: Action;
  readonly limits: Readonly<ArgumentLimits>;
  readonly #hooks: HookRegistry;

  constructor({
    actions,
    invalidAction = new InvalidAction(),
    noAction = new NoAction(),
    finishAction = new FinishAction(),
    finishInAction = false,
    hooks = [],
    limits = {},
  }: ActionExecutorOptions) {
    const { maxArgumentBytes, maxArgumentDepth } = resolveRequestLimits(limits);
    this.limits = Object.freeze({ maxArgumentBytes, maxArgumentDepth });
    for (const action of finishInAction ? [...actions, finishAction] : actions) this.add(action);
    this.invalidAction = invalidAction;
    this.noAction = noAction;
    this.finishAction = finishAction;
    this.#hooks = new HookRegistry(hooks);
  }

  /** Lagent's executor sender: the class name. */
  get name(): string {
    return this.constructor.name;
  }

  add(action: Action): void {
    if (this.actions.has(action.name)) {
      throw new InvalidArgumentError({
        message: `An action named "${action.name}" is already registered`,
      });
    }
    this.actions.set(action.name, action);
  }

  delete(name: string): boolean {
    return this.actions.delete(name);
  }

  has(name: string): boolean {
    return this.actions.has(name);
  }

  keys(): string[] {
    return [...this.actions.keys()];
  }

  registerHook(hook: Hook): RemovableHandle {
    return this.#hooks.register(hook);
  }

  /** Lagent's `description()`: toolkit APIs flattened as `Tool.api`, single tools as they are. */
  description(): ToolDescription[] {
    return [...this.actions.values()].flatMap((action): ToolDescription[] => {
      const description = action.description;
      if (!('api_list' in description)) return [description];
      return description.api_list.map((api): ApiDescription => ({
        ...api,
        name: `${action.name}.${api.name}`,
      }));
    });
  }

  /** The actions in OpenAI's `tools` format, for native tool calling. */
  toOpenAITools(): OpenAIToolDefinition[] {
    return [...this.actions.values()].flatMap((action) =>
      action.apis.map((api) => ({
        type: 'function' as const,
        function: {
          name: action.isToolkit ? `${action.name}${NATIVE_API_SEPARATOR}${api.name}` : action.name,
          description: api.description,
          parameters: api.inputSchema,
        },
      })),
    );
  }

  async call(
    message: AgentMessage,
    { sessionId = DEFAULT_SESSION_ID, signal }: ExecutorCallOptions = {},
  ): Promise<AgentMessage> {
    // Copying (and every hook) recurses: a message nested past any call's bound is
    // answered as bad arguments before anything reads it.
    const tooDeep = argumentsProblem({
      value: message,
      limits: {
        maxArgumentDepth: this.limits.maxArgumentDepth + MESSAGE_NESTING_LEVELS,
        maxArgumentBytes: Infinity,
      },
      what: 'The message and its tool call',
    });
    let content: ActionReturn | ActionReturn[];
    if (tooDeep) {
      content = createActionReturn({
        errmsg: tooDeep.message,
        state: ActionStatusCode.ARGS_ERROR,
        valid: ActionValidCode.INVALID,
      });
    } else {
      let current = deepCopy(message);
      for (const hook of this.#hooks.values()) {
        const replaced = await hook.beforeAction?.(this, current, sessionId);
        if (replaced) current = replaced;
      }
      content = await this.#execute(current.content, { sessionId, signal });
    }
    let response = createAgentMessage({ sender: this.name, content });
    for (const hook of this.#hooks.values()) {
      const replaced = await hook.afterAction?.(this, response, sessionId);
      if (replaced) response = replaced;
    }
    return response;
  }

  async #execute(
    content: unknown,
    options: ExecutorCallOptions,
  ): Promise<ActionReturn | ActionReturn[]> {
    if (Array.isArray(content) && content.length > 0 && content.every(isFunctionCall)) {
      const results: ActionReturn[] = [];
      for (const call of content) {
        results.push(
          await this.forward({
            ...options,
            name: call.name,
            parameters: call.parameters,
            ...(call.id === undefined ? {} : { toolCallId: call.id }),
          }),
        );
      }
      return results;
    }
    if (isFunctionCall(content)) {
      return this.forward({
        ...options,
        name: content.name,
        parameters: content.parameters,
        ...(content.id === undefined ? {} : { toolCallId: content.id }),
      });
    }
    return createActionReturn({
      args: { content: content ?? null },
      errmsg: `ActionExecutor expects the message content to be a tool call {name, parameters}, got: ${toPythonJson(content)}`,
      state: ActionStatusCode.ARGS_ERROR,
      valid: ActionValidCode.INVALID,
    });
  }

  /** Runs one call by name. Lagent's `forward(name, parameters)`. */
  async forward({
    name,
    parameters,
    sessionId = DEFAULT_SESSION_ID,
    signal,
    toolCallId,
    emit,
  }: ForwardOptions): Promise<ActionReturn> {
    const [action, api] = this.#resolve(name);
    const problem = argumentsProblem({ value: parameters, limits: this.limits });
    let result: ActionReturn;
    if (problem) {
      // Not run, and not echoed back: the arguments may be huge or too deep to serialise.
      result = createActionReturn({
        args: { name: api },
        type: action?.name ?? name,
        errmsg: problem.message,
        state: ActionStatusCode.ARGS_ERROR,
        valid: action ? ActionValidCode.OPEN : ActionValidCode.INVALID,
      });
    } else if (action) {
      result = await action.run({
        inputs: parameters,
        api,
        sessionId,
        signal,
        emit,
        toolCallId,
        limits: this.limits,
      });
      result.valid = ActionValidCode.OPEN;
    } else if (name === this.noAction.name) {
      result = await this.noAction.run({ inputs: parameters, sessionId, signal });
    } else if (name === this.finishAction.name) {
      result = await this.finishAction.run({ inputs: parameters, sessionId, signal });
    } else {
      result = await this.invalidAction.run({ inputs: parameters, sessionId, signal });
      result.errmsg = `${result.errmsg ?? ''} No action is named "${name}"; the actions are: ${this.keys().join(', ') || '(none)'}.`;
    }
    if (toolCallId !== undefined) result.toolCallId = toolCallId;
    return result;
  }

  #resolve(name: string): [Action | undefined, string] {
    const direct = this.actions.get(name);
    if (direct) return [direct, 'run'];
    for (const separator of ['.', NATIVE_API_SEPARATOR]) {
      const index = name.indexOf(separator);
      if (index > 0) {
        const action = this.actions.get(name.slice(0, index));
        if (action) return [action, name.slice(index + separator.length)];
      }
    }
    return [undefined, 'run'];
  }

  /** Frees what every action holds for the session. */
  async closeSession(sessionId: SessionId): Promise<void> {
    await Promise.all(
      [...this.actions.values()].map(async (action) => action.closeSession?.(sessionId)),
    );
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.actions.values()].map(async (action) => action.dispose?.()));
  }
}
