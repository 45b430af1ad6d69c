import type { Aggregator, SystemInstruction } from '../aggregators/aggregator.ts';
import { DefaultAggregator, NATIVE_TOOL_TYPE } from '../aggregators/default-aggregator.ts';
import { AgentNotConfiguredError } from '../errors/agent-errors.ts';
import type { Hook, HookTarget } from '../hooks/hook.ts';
import { HookRegistry } from '../hooks/hook.ts';
import type { RemovableHandle } from '../hooks/hook.ts';
import { deepCopy } from '../internal/deep-copy.ts';
import type {
  ChatModel,
  ChatRequest,
  ChatResponse,
  GenerationOverrides,
  OpenAIToolDefinition,
} from '../llms/chat-model.ts';
import { pickGenerationOverrides } from '../llms/chat-model.ts';
import type { MemoryOptions } from '../memory/memory.ts';
import { Memory } from '../memory/memory.ts';
import type { MemoryFactory, SessionId } from '../memory/memory-manager.ts';
import { DEFAULT_SESSION_ID, MemoryManager } from '../memory/memory-manager.ts';
import type { OutputParser } from '../parsers/output-parser.ts';
import type { AgentMessage } from '../schema/agent-message.ts';
import { createAgentMessage, isAgentMessage } from '../schema/agent-message.ts';
import { AgentStatusCode, ToolStatusCode } from '../schema/status-codes.ts';
import type { AgentStreamEvent } from './agent-stream-event.ts';
import type { LoadStateDictResult, ResetOptions, StateDict } from './agent-tree.ts';
import { describeTree, loadStateDict, resetTree, stateDict } from './agent-tree.ts';

export type AgentInput = string | AgentMessage;

export interface AgentOptions {
  llm?: ChatModel;
  /** The system prompt. */
  template?: SystemInstruction;
  /**
   * Memory per session: options for the default Memory, a factory, or `null` for none.
   * @default {}
   */
  memory?: MemoryOptions | MemoryFactory | null;
  /** Reads structure out of each reply into `formatted`. */
  outputFormat?: OutputParser;
  /** @default new DefaultAggregator() */
  aggregator?: Aggregator;
  /** @default the class name */
  name?: string;
  description?: string;
  hooks?: readonly Hook[];
  /** Tools for native tool calling, e.g. `executor.toOpenAITools()`. */
  tools?: readonly OpenAIToolDefinition[];
}

/** Options of one call. Generation parameters here override the model's for this call. */
export interface AgentCallOptions extends GenerationOverrides {
  /** @default 0 */
  sessionId?: SessionId;
  signal?: AbortSignal;
}

export type AgentForwardOptions<OPTIONS extends AgentCallOptions = AgentCallOptions> = OPTIONS & {
  sessionId: SessionId;
};

/**
 * Lagent's `Agent`: an LLM, a memory per session, an aggregator (memory → chat messages),
 * an output parser and hooks. `call()` runs the hooks and keeps memory; `forward()` does
 * the work and is what subclasses override. Agents assigned to properties are sub-agents:
 * `stateDict()` and `reset()` reach them.
 */
export class Agent<OPTIONS extends AgentCallOptions = AgentCallOptions> implements HookTarget {
  name: string;
  description: string | undefined;
  llm: ChatModel | undefined;
  template: SystemInstruction | undefined;
  readonly memory: MemoryManager | null;
  outputFormat: OutputParser | undefined;
  aggregator: Aggregator;
  tools: readonly OpenAIToolDefinition[] | undefined;
  readonly #hooks: HookRegistry;

  constructor({
    llm,
    template,
    memory = {},
    outputFormat,
    aggregator = new DefaultAggregator(),
    name,
    description,
    hooks = [],
    tools,
  }: AgentOptions = {}) {
    this.name = name ?? new.target.name;
    this.description = description;
    this.llm = llm;
    this.template = template;
    this.memory =
      memory === null
        ? null
        : new MemoryManager(typeof memory === 'function' ? memory : () => new Memory(memory));
    this.outputFormat = outputFormat;
    this.aggregator = aggregator;
    this.tools = tools;
    this.#hooks = new HookRegistry(hooks);
  }

  registerHook(hook: Hook): RemovableHandle {
    return this.#hooks.register(hook);
  }

  /** Adds messages to the session's memory (no-op without memory). */
  updateMemory(messages: AgentMessage | readonly AgentMessage[], sessionId: SessionId): void {
    this.memory?.add(messages, { sessionId });
  }

  /**
   * Lagent's `__call__`: copies the input, runs `beforeAgent` hooks, adds the input to
   * memory, runs `forward`, adds the reply to memory, then runs `afterAgent` hooks on a
   * copy (so hooks cannot change what memory holds).
   */
  async call(input: AgentInput | readonly AgentInput[], options?: OPTIONS): Promise<AgentMessage> {
    const forwardOptions = {
      ...options,
      sessionId: options?.sessionId ?? DEFAULT_SESSION_ID,
    } as AgentForwardOptions<OPTIONS>;
    const messages = await this.#prepare(input, forwardOptions.sessionId);
    const reply = await this.forward(messages, forwardOptions);
    return this.#finish(reply, forwardOptions.sessionId);
  }

  /** `call()` that yields the reply as it is generated. See AgentStreamEvent. */
  async *stream(
    input: AgentInput | readonly AgentInput[],
    options?: OPTIONS,
  ): AsyncGenerator<AgentStreamEvent, AgentMessage> {
    const forwardOptions = {
      ...options,
      sessionId: options?.sessionId ?? DEFAULT_SESSION_ID,
    } as AgentForwardOptions<OPTIONS>;
    const messages = await this.#prepare(input, forwardOptions.sessionId);
    const reply = yield* this.streamForward(messages, forwardOptions);
    const final = await this.#finish(reply, forwardOptions.sessionId);
    yield { type: 'message-end', message: final };
    return final;
  }

  /**
   * The agent's work: aggregate memory into chat messages, ask the model, parse the reply.
   * Override this (not `call`) to build composite agents.
   */
  async forward(
    messages: AgentMessage[],
    options: AgentForwardOptions<OPTIONS>,
  ): Promise<AgentMessage | string> {
    const response = await this.requireLlm().chat(this.#chatRequest(messages, options));
    return this.toReply(response);
  }

  /**
   * Streaming counterpart of `forward`: yields deltas, returns the reply. By default it
   * streams the model when `forward` is the default one, and otherwise runs `forward`.
   */
  async *streamForward(
    messages: AgentMessage[],
    options: AgentForwardOptions<OPTIONS>,
  ): AsyncGenerator<AgentStreamEvent, AgentMessage | string> {
    // A subclass with its own forward streams just its final message.
    const llm = this.forward === Agent.prototype.forward ? this.requireLlm() : undefined;
    if (!llm?.streamChat) return await this.forward(messages, options);
    const stream = llm.streamChat(this.#chatRequest(messages, options));
    let last: ChatResponse = { content: '', toolCalls: [], finishReason: null };
    for await (const chunk of stream) {
      last = {
        content: chunk.content,
        toolCalls: chunk.toolCalls,
        finishReason: chunk.finishReason,
      };
      if (chunk.state === AgentStatusCode.STREAM_ING && chunk.delta) {
        yield {
          type: 'message-delta',
          delta: chunk.delta,
          message: createAgentMessage({
            sender: this.name,
            content: chunk.content,
            formatted: this.#tryParse(chunk.content),
            streamState: AgentStatusCode.STREAM_ING,
          }),
        };
      }
    }
    return this.toReply(last);
  }

  /** The chat messages for the model, from memory (or from the input when memory is off). */
  aggregate(
    messages: readonly AgentMessage[],
    sessionId: SessionId,
  ): ReturnType<Aggregator['aggregate']> {
    const history = this.memory ? (this.memory.get(sessionId)?.getMemory() ?? []) : messages;
    return this.aggregator.aggregate({
      messages: history,
      name: this.name,
      parser: this.outputFormat,
      systemInstruction: this.template,
    });
  }

  /** The reply message for a model response: parsed by the output format, native tool calls in `formatted`. */
  protected toReply(response: ChatResponse): AgentMessage | string {
    if (response.toolCalls.length > 0) {
      return createAgentMessage({
        sender: this.name,
        content: response.content,
        formatted: {
          toolType: NATIVE_TOOL_TYPE,
          thought: response.content,
          action: response.toolCalls,
          status: ToolStatusCode.VALID_TOOL,
        },
      });
    }
    if (!this.outputFormat) return response.content;
    return createAgentMessage({
      sender: this.name,
      content: response.content,
      formatted: this.outputFormat.parseResponse(response.content),
    });
  }

  protected requireLlm(): ChatModel {
    if (!this.llm) {
      throw new AgentNotConfiguredError({
        message: `Agent "${this.name}" has no llm: pass one, or override forward()`,
      });
    }
    return this.llm;
  }

  /** Sub-agents by name, in assignment order. Containers override this. */
  namedChildren(): [string, Agent][] {
    return Object.entries(this).filter(
      (entry): entry is [string, Agent] => entry[1] instanceof Agent,
    );
  }

  /** Lagent's `state_dict`: every memory in the tree under dotted keys ('memory', 'agent.memory', ...). */
  stateDict({ sessionId = DEFAULT_SESSION_ID }: { sessionId?: SessionId } = {}): StateDict {
    return stateDict(this, sessionId);
  }

  /** Lagent's `load_state_dict`. Throws StateDictMismatchError on missing keys; returns unused ones. */
  loadStateDict(
    state: Readonly<Record<string, unknown>>,
    { sessionId = DEFAULT_SESSION_ID }: { sessionId?: SessionId } = {},
  ): LoadStateDictResult {
    return loadStateDict(this, state, sessionId);
  }

  /** Forgets a session: this agent's memory, one sub-agent's (`keypath`) or the whole tree (`recursive`). */
  reset(options: ResetOptions = {}): void {
    resetTree(this, options);
  }

  /** Lagent's repr: the agent tree. */
  toString(): string {
    return describeTree(this);
  }

  async #prepare(
    input: AgentInput | readonly AgentInput[],
    sessionId: SessionId,
  ): Promise<AgentMessage[]> {
    const inputs: readonly AgentInput[] =
      typeof input === 'string' || isAgentMessage(input) ? [input] : input;
    let messages = inputs.map((item) =>
      typeof item === 'string'
        ? createAgentMessage({ sender: 'user', content: item })
        : deepCopy(item),
    );
    for (const hook of this.#hooks.values()) {
      const replaced = await hook.beforeAgent?.(this, messages, sessionId);
      if (replaced) messages = replaced;
    }
    this.updateMemory(messages, sessionId);
    return messages;
  }

  async #finish(reply: AgentMessage | string, sessionId: SessionId): Promise<AgentMessage> {
    const message =
      typeof reply === 'string' ? createAgentMessage({ sender: this.name, content: reply }) : reply;
    this.updateMemory(message, sessionId);
    let response = deepCopy(message);
    for (const hook of this.#hooks.values()) {
      const replaced = await hook.afterAgent?.(this, response, sessionId);
      if (replaced) response = replaced;
    }
    return response;
  }

  #chatRequest(
    messages: readonly AgentMessage[],
    options: AgentForwardOptions<OPTIONS>,
  ): ChatRequest {
    return {
      ...pickGenerationOverrides(options),
      messages: this.aggregate(messages, options.sessionId),
      sessionId: options.sessionId,
      ...(this.tools?.length ? { tools: [...this.tools] } : {}),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    };
  }

  #tryParse(text: string): unknown {
    if (!this.outputFormat) return null;
    try {
      return this.outputFormat.parseResponse(text);
    } catch {
      return null; // a partial reply often cannot be parsed yet
    }
  }
}
