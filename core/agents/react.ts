import { z } from 'zod';
import type { Action } from '../actions/action.ts';
import { ActionExecutor } from '../actions/action-executor.ts';
import type { Aggregator } from '../aggregators/aggregator.ts';
import { DefaultAggregator } from '../aggregators/default-aggregator.ts';
import { ActionPreprocessor } from '../hooks/action-preprocessor.ts';
import type { Hook } from '../hooks/hook.ts';
import { formatTemplate } from '../internal/format-template.ts';
import { isPlainObject, toPythonJson } from '../internal/json.ts';
import type { ChatModel } from '../llms/chat-model.ts';
import type { MemoryOptions } from '../memory/memory.ts';
import type { MemoryFactory } from '../memory/memory-manager.ts';
import { JSONParser } from '../parsers/json-parser.ts';
import type { StrParser } from '../parsers/str-parser.ts';
import type { AgentMessage } from '../schema/agent-message.ts';
import { AgentStatusCode } from '../schema/status-codes.ts';
import type { AgentCallOptions, AgentForwardOptions } from './agent.ts';
import { Agent } from './agent.ts';
import { executorOptions } from './agent-for-internlm.ts';
import type { AgentStreamEvent } from './agent-stream-event.ts';
import { relayStream } from './relay-stream.ts';

/**
 * ReAct's system prompt: `{action_info}` is the executor's description as JSON and
 * `{output_format}` the output parser's instruction. Lagent's is in Chinese; this says the
 * same in English, in our own words. Pass Lagent's text as `template` to reproduce it.
 */
export const REACT_SELECT_ACTION_TEMPLATE =
  'You are an assistant that can call external tools. The tools you can use are:\n{action_info}\n{output_format}\nBegin!';
/** The output parser's instruction: `{function_format}` and `{finish_format}` are the two formats. */
export const REACT_OUTPUT_FORMAT_TEMPLATE =
  'To use a tool, reply in this format:\n{function_format}\n\nIf you already know the answer, or need no tool, reply in this format:\n{finish_format}';
/** Lagent's ReAct `max_turn`. */
export const DEFAULT_REACT_MAX_TURN = 5;

/** Lagent's `ActionCall`: the tool call inside a ReAct reply. */
export const ReActActionCallSchema = z.object({
  name: z.string().describe('The name of the function to call'),
  parameters: z.record(z.string(), z.unknown()).describe('The arguments of the function call'),
});
/** Lagent's `ActionFormat`: a reply that calls a tool. */
export const ReActActionFormatSchema = z.object({
  thought_process: z
    .string()
    .describe(
      'What is known so far and where the search should go next, to make the current state clear.',
    ),
  action: ReActActionCallSchema.describe(
    'The operation this step performs: the function name and its arguments.',
  ),
});
/** Lagent's `FinishFormat`: a reply that concludes. */
export const ReActFinishFormatSchema = z.object({
  thought_process: z
    .string()
    .describe(
      'What is known so far and where the search should go next, to make the current state clear.',
    ),
  conclusion: z.string().describe('A summary of the results that answers the question.'),
});

/** ReAct's default output parser: the JSON formats above. */
export function createReActOutputFormat(): JSONParser {
  return new JSONParser({
    template: REACT_OUTPUT_FORMAT_TEMPLATE,
    models: { function_format: ReActActionFormatSchema, finish_format: ReActFinishFormatSchema },
  });
}

/** Lagent's finish condition: the reply text or its parsed form mentions a conclusion. */
export function hasConclusion(message: AgentMessage): boolean {
  return (
    (typeof message.content === 'string' && message.content.includes('conclusion')) ||
    (isPlainObject(message.formatted) && 'conclusion' in message.formatted)
  );
}

export interface ReActOptions {
  llm: ChatModel;
  /** The tools, or an executor that runs them (e.g. createQueueExecutor). */
  actions: readonly Action[] | ActionExecutor;
  /** The select agent's system prompt. @default REACT_SELECT_ACTION_TEMPLATE */
  template?: string;
  memory?: MemoryOptions | MemoryFactory | null;
  /** @default createReActOutputFormat() */
  outputFormat?: StrParser;
  /** @default new DefaultAggregator() (tool results become user turns, as in Lagent) */
  aggregator?: Aggregator;
  /** The executor's hooks. @default [new ActionPreprocessor()] */
  hooks?: readonly Hook[];
  /** @default hasConclusion */
  finishCondition?: (message: AgentMessage) => boolean;
  /** @default DEFAULT_REACT_MAX_TURN */
  maxTurn?: number;
  name?: string;
  description?: string;
}

/**
 * Lagent's `ReAct`: a select agent answers in JSON, either a tool call
 * (`{thought_process, action: {name, parameters}}`) or a conclusion; calls run on the
 * executor and their results go back to the select agent, until it concludes or `maxTurn`
 * turns have run.
 */
export class ReAct extends Agent {
  readonly actions: ActionExecutor;
  readonly selectAgent: Agent;
  finishCondition: (message: AgentMessage) => boolean;
  maxTurn: number;

  constructor({
    llm,
    actions,
    template = REACT_SELECT_ACTION_TEMPLATE,
    memory = {},
    outputFormat = createReActOutputFormat(),
    aggregator = new DefaultAggregator(),
    hooks = [new ActionPreprocessor()],
    finishCondition = hasConclusion,
    maxTurn = DEFAULT_REACT_MAX_TURN,
    name,
    description,
  }: ReActOptions) {
    super({
      ...(name === undefined ? {} : { name }),
      ...(description === undefined ? {} : { description }),
    });
    if (actions instanceof ActionExecutor) {
      for (const hook of hooks) actions.registerHook(hook);
      this.actions = actions;
    } else {
      this.actions = new ActionExecutor({ actions, hooks });
    }
    this.selectAgent = new Agent({
      llm,
      template: formatTemplate(template, {
        action_info: toPythonJson(this.actions.description()),
        output_format: outputFormat.formatInstruction(),
      }),
      outputFormat,
      memory,
      aggregator,
    });
    this.finishCondition = finishCondition;
    this.maxTurn = maxTurn;
  }

  /** Lagent's state-dict key is `select_agent.memory`: kept, though the property is camelCase. */
  override namedChildren(): [string, Agent][] {
    return [['select_agent', this.selectAgent]];
  }

  override async forward(
    [input]: AgentMessage[],
    options: AgentForwardOptions<AgentCallOptions>,
  ): Promise<AgentMessage> {
    let message = input as AgentMessage;
    for (let turn = 0; turn < this.maxTurn; turn += 1) {
      message = await this.selectAgent.call(message, options);
      if (this.finishCondition(message)) return message;
      message = await this.actions.call(message, executorOptions(options));
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
      message = yield* relayStream(this.selectAgent, message, options);
      yield { type: 'step', message };
      if (this.finishCondition(message)) return message;
      message = await this.actions.call(message, executorOptions(options));
      yield {
        type: 'step',
        message: { ...message, streamState: AgentStatusCode.PLUGIN_RETURN },
      };
    }
    return message;
  }
}
