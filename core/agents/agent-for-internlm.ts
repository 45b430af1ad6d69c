import type { Action } from '../actions/action.ts';
import { ActionExecutor } from '../actions/action-executor.ts';
import { API_PREFIX, getPluginPrompt } from '../actions/plugin-prompt.ts';
import type { Aggregator, SystemInstruction } from '../aggregators/aggregator.ts';
import { InternLMToolAggregator } from '../aggregators/internlm-tool-aggregator.ts';
import { AgentNotConfiguredError } from '../errors/agent-errors.ts';
import type { Hook } from '../hooks/hook.ts';
import { InternLMActionProcessor } from '../hooks/internlm-action-processor.ts';
import type { ChatModel } from '../llms/chat-model.ts';
import type { MemoryOptions } from '../memory/memory.ts';
import type { MemoryFactory, SessionId } from '../memory/memory-manager.ts';
import { DEFAULT_SESSION_ID } from '../memory/memory-manager.ts';
import type { OutputParser } from '../parsers/output-parser.ts';
import { MixedToolParser } from '../parsers/mixed-tool-parser.ts';
import type { ToolFormatted } from '../parsers/tool-parser.ts';
import { InterpreterParser, isToolFormatted, PluginParser } from '../parsers/tool-parser.ts';
import type { AgentMessage } from '../schema/agent-message.ts';
import { AgentStatusCode, ToolStatusCode } from '../schema/status-codes.ts';
import type { AgentForwardOptions, AgentCallOptions } from './agent.ts';
import { Agent } from './agent.ts';
import type { AgentStreamEvent } from './agent-stream-event.ts';
import { relayStream } from './relay-stream.ts';

/**
 * The instructions of the default output format. Lagent's are in Chinese (META_CN,
 * PLUGIN_CN, INTERPRETER_CN); these say the same in English, in our own words. Pass
 * Lagent's texts as `outputFormat` templates to reproduce its prompts exactly.
 */
export const INTERNLM_META_PROMPT =
  'When tools and code are enabled, pick the tool that fits the request and call it.';
/** `{prompt}` is the plugins' descriptions (getPluginPrompt). */
export const INTERNLM_PLUGIN_PROMPT =
  'You can use these tools:\n{prompt}\nIf you already have enough information, answer directly and avoid needless tool calls. Use only the tools listed here; never invent one.';
export const INTERNLM_INTERPRETER_PROMPT =
  'You can now run Python code in a stateful Jupyter notebook environment. When you send a message containing Python code to python, it runs in that environment. Use it for data analysis and processing (data manipulation, statistics, charts), hard calculations (maths and physics problems), programming examples, text processing and analysis, machine learning and data science, and file work (reading CSV, JSON and other formats).';
/** Lagent's AgentForInternLM `max_turn`. */
export const DEFAULT_INTERNLM_MAX_TURN = 4;

/** Lagent's default finish condition: the reply calls no tool. */
export function noToolCalled(message: AgentMessage): boolean {
  return isToolFormatted(message.formatted) && message.formatted.status === ToolStatusCode.NO_TOOL;
}

export interface AgentForInternLMOptions {
  llm: ChatModel;
  /** Tools called with `<|plugin|>` JSON calls. */
  plugins?: readonly Action[];
  /** The code interpreter `<|interpreter|>` calls go to (the first action gets the code). */
  interpreter?: Action | readonly Action[];
  /** Runs plugin calls instead of an executor built from `plugins` (e.g. createQueueExecutor). */
  pluginExecutor?: ActionExecutor;
  /** Runs interpreter calls instead of an executor built from `interpreter`. */
  interpreterExecutor?: ActionExecutor;
  /** The inner agent's system prompt. */
  template?: SystemInstruction;
  memory?: MemoryOptions | MemoryFactory | null;
  /**
   * @default a MixedToolParser of a PluginParser (whose `{prompt}` is the plugins'
   * descriptions, built here: Lagent's default cannot be constructed without it) and an
   * InterpreterParser, with INTERNLM_* instructions
   */
  outputFormat?: OutputParser;
  /** @default new InternLMToolAggregator() */
  aggregator?: Aggregator;
  /** The executors' hooks. @default [new InternLMActionProcessor()] */
  actionHooks?: readonly Hook[];
  /** The inner agent's hooks (Lagent's `hooks` kwarg). */
  hooks?: readonly Hook[];
  /** @default noToolCalled */
  finishCondition?: (message: AgentMessage) => boolean;
  /** Model turns at most. @default DEFAULT_INTERNLM_MAX_TURN */
  maxTurn?: number;
  name?: string;
  description?: string;
}

/** One step of a trajectory, as Lagent's `get_steps` lists it. */
export interface AgentStep {
  role: 'language' | 'tool' | 'environment';
  content: unknown;
  name?: string;
}

/**
 * Lagent's `AgentForInternLM`: an inner agent whose replies are read by a MixedToolParser;
 * a plugin call goes to the plugin executor, code to the interpreter executor, and their
 * results back to the inner agent, until the finish condition holds or `maxTurn` model
 * turns have run. The inner agent's memory (`agent.memory`) holds the trajectory.
 */
export class AgentForInternLM extends Agent {
  readonly agent: Agent;
  readonly pluginExecutor: ActionExecutor | undefined;
  readonly interpreterExecutor: ActionExecutor | undefined;
  finishCondition: (message: AgentMessage) => boolean;
  maxTurn: number;

  constructor({
    llm,
    plugins,
    interpreter,
    pluginExecutor,
    interpreterExecutor,
    template,
    memory = {},
    outputFormat,
    aggregator = new InternLMToolAggregator(),
    actionHooks = [new InternLMActionProcessor()],
    hooks = [],
    finishCondition = noToolCalled,
    maxTurn = DEFAULT_INTERNLM_MAX_TURN,
    name,
    description,
  }: AgentForInternLMOptions) {
    super({
      memory: {},
      ...(name === undefined ? {} : { name }),
      ...(description === undefined ? {} : { description }),
    });
    this.agent = new Agent({
      llm,
      memory,
      outputFormat: outputFormat ?? defaultInternLMFormat(plugins ?? []),
      aggregator,
      hooks,
      ...(template === undefined ? {} : { template }),
    });
    this.pluginExecutor = withHooks(pluginExecutor, plugins, actionHooks);
    const interpreters = interpreter === undefined ? undefined : [interpreter].flat();
    this.interpreterExecutor = withHooks(interpreterExecutor, interpreters, actionHooks);
    this.finishCondition = finishCondition;
    this.maxTurn = maxTurn;
  }

  override async forward(
    [input]: AgentMessage[],
    options: AgentForwardOptions<AgentCallOptions>,
  ): Promise<AgentMessage> {
    let message = input as AgentMessage;
    for (let turn = 0; turn < this.maxTurn; turn += 1) {
      message = await this.agent.call(message, options);
      if (this.finishCondition(message)) return message;
      const toolType = toolTypeOf(message);
      if (toolType)
        message = await this.executorFor(toolType).call(message, executorOptions(options));
    }
    return message;
  }

  /** The same loop, streaming the model's text and yielding each finished step. */
  override async *streamForward(
    [input]: AgentMessage[],
    options: AgentForwardOptions<AgentCallOptions>,
  ): AsyncGenerator<AgentStreamEvent, AgentMessage> {
    let message = input as AgentMessage;
    for (let turn = 0; turn < this.maxTurn; turn += 1) {
      message = yield* relayStream(this.agent, message, options);
      yield { type: 'step', message };
      if (this.finishCondition(message)) return message;
      const toolType = toolTypeOf(message);
      if (toolType) {
        message = await this.executorFor(toolType).call(message, executorOptions(options));
        yield { type: 'step', message: asToolReturn(message, toolType) };
      }
    }
    return message;
  }

  /** The executor for a tool type: Lagent's `getattr(self, f'{tool_type}_executor')`. */
  protected executorFor(toolType: string): ActionExecutor {
    const executor =
      toolType === 'plugin'
        ? this.pluginExecutor
        : toolType === 'interpreter'
          ? this.interpreterExecutor
          : undefined;
    if (!executor)
      throw new AgentNotConfiguredError({ message: `No available ${toolType} executor` });
    return executor;
  }

  /**
   * Lagent's `get_steps`: the session's trajectory as `language` (the model's thought),
   * `tool` (its call, named by tool type) and `environment` (the tool's answer) steps.
   */
  getSteps({ sessionId = DEFAULT_SESSION_ID }: { sessionId?: SessionId } = {}): AgentStep[] {
    const steps: AgentStep[] = [];
    let toolType: string | null = null;
    for (const message of this.agent.memory?.getMemory({ sessionId }) ?? []) {
      if (message.sender === this.agent.name) {
        const formatted = message.formatted as Partial<ToolFormatted> | null | undefined;
        steps.push({ role: 'language', content: formatted?.thought });
        if (formatted?.toolType) {
          toolType = formatted.toolType;
          steps.push({ role: 'tool', content: formatted.action, name: toolType });
        }
      } else if (message.sender !== 'user') {
        steps.push({
          role: 'environment',
          content: message.content,
          ...(toolType ? { name: toolType } : {}),
        });
      }
    }
    return steps;
  }
}

function defaultInternLMFormat(plugins: readonly Action[]): MixedToolParser {
  return new MixedToolParser({
    template: INTERNLM_META_PROMPT,
    parsers: [
      new PluginParser({
        template: INTERNLM_PLUGIN_PROMPT,
        formatFields: {
          prompt: getPluginPrompt({ actions: plugins, apiDescTemplate: API_PREFIX }),
        },
      }),
      new InterpreterParser({ template: INTERNLM_INTERPRETER_PROMPT }),
    ],
  });
}

function withHooks(
  executor: ActionExecutor | undefined,
  actions: readonly Action[] | undefined,
  hooks: readonly Hook[],
): ActionExecutor | undefined {
  if (executor) {
    for (const hook of hooks) executor.registerHook(hook);
    return executor;
  }
  return actions && actions.length > 0 ? new ActionExecutor({ actions, hooks }) : undefined;
}

export function toolTypeOf(message: AgentMessage): string | null {
  return isToolFormatted(message.formatted) ? message.formatted.toolType : null;
}

export function executorOptions({ sessionId, signal }: AgentForwardOptions<AgentCallOptions>): {
  sessionId: SessionId;
  signal?: AbortSignal;
} {
  return { sessionId, ...(signal === undefined ? {} : { signal }) };
}

/** A tool's answer as a streamed step: Lagent's PLUGIN_RETURN or CODE_RETURN state. */
export function asToolReturn(message: AgentMessage, toolType: string): AgentMessage {
  return {
    ...message,
    streamState:
      toolType === 'interpreter' ? AgentStatusCode.CODE_RETURN : AgentStatusCode.PLUGIN_RETURN,
  };
}
