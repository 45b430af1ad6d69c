import type {
  ActionExecutor,
  AgentCallOptions,
  AgentForwardOptions,
  AgentMessage,
  ChatModel,
} from '../../core/index.ts';
import {
  Agent,
  formatTemplate,
  getPluginPrompt,
  InternLMActionProcessor,
  InternLMToolAggregator,
  InvalidArgumentError,
  isToolFormatted,
  parseJson,
  ToolParser,
} from '../../core/index.ts';

/** The seed's TOOL_TEMPLATE, as it is written there. */
export const DATA_VISUALIZER_TOOL_TEMPLATE =
  'You are a helpful AI assistant, collaborating with other assistants. Use the provided tools to progress' +
  " towards answering the question. If you are unable to fully answer, that's OK, another assistant with" +
  ' different tools will help where you left off. Execute what you can to make progress. If you or any of' +
  ' the other assistants have the final answer or deliverable, prefix your response with {finish_pattern}' +
  ' so the team knows to stop. You have access to the following tools:\n{tool_description}\nPlease provide' +
  ' your thought process when you need to use a tool, followed by the call statement in this format:' +
  '\n{invocation_format}\\\\n**{system_prompt}**';
export const DEFAULT_RESEARCH_PROMPT =
  'You should provide accurate data for the chart generator to use.';
export const DEFAULT_CHART_PROMPT = 'Any charts you display will be visible by the user.';
export const DEFAULT_FINISH_PATTERN = 'Final Answer';
export const DEFAULT_DATA_VISUALIZER_MAX_TURN = 10;
/** The researcher's stop words, as the seed overrides them per call. */
export const RESEARCHER_STOP_WORDS = ['```\n', '```python'];

export interface DataVisualizerOptions {
  llm: ChatModel;
  /**
   * Runs both agents' calls: its first action is the code interpreter (InternLMActionProcessor
   * sends code there), and it has a WebBrowser. E.g. `createQueueExecutor({client, tools:
   * ['IPythonInterpreter', 'WebBrowser']})`. InternLMActionProcessor is added to its hooks.
   */
  executor: ActionExecutor;
  /** @default 'WebBrowser' */
  browserName?: string;
  /** @default DEFAULT_RESEARCH_PROMPT */
  researchPrompt?: string;
  /** @default DEFAULT_CHART_PROMPT */
  chartPrompt?: string;
  /** @default DEFAULT_FINISH_PATTERN */
  finishPattern?: string;
  /** @default DEFAULT_DATA_VISUALIZER_MAX_TURN */
  maxTurn?: number;
}

/**
 * The seed's multi-agent DataVisualizer: a researcher with the web browser gathers data, a
 * charter with the code interpreter draws it, and they hand over until one says the finish
 * pattern. Both call tools through one executor.
 */
export class DataVisualizer extends Agent {
  readonly researcher: Agent;
  readonly charter: Agent;
  readonly executor: ActionExecutor;
  readonly finishPattern: string;
  readonly maxTurn: number;

  constructor({
    llm,
    executor,
    browserName = 'WebBrowser',
    researchPrompt = DEFAULT_RESEARCH_PROMPT,
    chartPrompt = DEFAULT_CHART_PROMPT,
    finishPattern = DEFAULT_FINISH_PATTERN,
    maxTurn = DEFAULT_DATA_VISUALIZER_MAX_TURN,
  }: DataVisualizerOptions) {
    super();
    const browser = executor.actions.get(browserName);
    const interpreter = [...executor.actions.values()][0];
    if (!browser || !interpreter || interpreter === browser) {
      throw new InvalidArgumentError({
        message: `DataVisualizer needs an executor whose first action is a code interpreter and which has "${browserName}"; it has ${executor.keys().join(', ')}`,
      });
    }
    this.researcher = new Agent({
      llm,
      template: formatTemplate(DATA_VISUALIZER_TOOL_TEMPLATE, {
        finish_pattern: finishPattern,
        tool_description: getPluginPrompt({ actions: [browser] }),
        invocation_format:
          '```json\n{"name": {{tool name}}, "parameters": {{keyword arguments}}}\n```\n',
        system_prompt: researchPrompt,
      }),
      outputFormat: new ToolParser({
        toolType: 'browser',
        begin: '```json\n',
        end: '\n```\n',
        validate: (action) => parseJson(action.replace(/`+$/, '')),
      }),
      aggregator: new InternLMToolAggregator(),
      name: 'researcher',
    });
    this.charter = new Agent({
      llm,
      template: formatTemplate(DATA_VISUALIZER_TOOL_TEMPLATE, {
        finish_pattern: finishPattern,
        tool_description: interpreter.name,
        invocation_format: '```python\n{{code}}\n```\n',
        system_prompt: chartPrompt,
      }),
      outputFormat: new ToolParser({
        toolType: 'interpreter',
        begin: '```python\n',
        end: '\n```\n',
        validate: (action) => action.replace(/`+$/, ''),
      }),
      aggregator: new InternLMToolAggregator(),
      name: 'charter',
    });
    executor.registerHook(new InternLMActionProcessor());
    this.executor = executor;
    this.finishPattern = finishPattern;
    this.maxTurn = maxTurn;
  }

  override async forward(
    [input]: AgentMessage[],
    { sessionId, signal }: AgentForwardOptions<AgentCallOptions>,
  ): Promise<AgentMessage> {
    const options = { sessionId, ...(signal === undefined ? {} : { signal }) };
    const research = { ...options, stopWords: RESEARCHER_STOP_WORDS };
    let message = input as AgentMessage;
    for (let turn = 0; turn < this.maxTurn; turn += 1) {
      message = await this.researcher.call(message, research);
      while (callsTool(message)) {
        message = await this.executor.call(message, options);
        message = await this.researcher.call(message, research);
      }
      if (this.#finished(message)) return message;
      message = await this.charter.call(message, options);
      while (callsTool(message)) {
        message = await this.executor.call(message, options);
        message = await this.charter.call(message, options);
      }
      if (this.#finished(message)) return message;
    }
    return message;
  }

  #finished(message: AgentMessage): boolean {
    return typeof message.content === 'string' && message.content.includes(this.finishPattern);
  }
}

function callsTool(message: AgentMessage): boolean {
  return isToolFormatted(message.formatted) && message.formatted.toolType !== null;
}
