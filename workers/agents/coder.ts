import type {
  AgentCallOptions,
  AgentForwardOptions,
  AgentMessage,
  ChatModel,
  SandboxProvider,
} from '../../core/index.ts';
import {
  ActionExecutor,
  Agent,
  InternLMActionProcessor,
  InvalidArgumentError,
  InternLMToolAggregator,
  isToolFormatted,
  ToolParser,
} from '../../core/index.ts';
import { IPythonInteractive } from '../../tools/index.ts';

/** The stop word that ends a code block: the model stops there and the code runs. */
export const CODE_END = '\n```\n';
export const DEFAULT_CODER_PROMPT = 'Solve the problem step by step with assistance of Python code';
export const DEFAULT_CODER_MAX_TURN = 3;

export interface CoderOptions {
  llm: ChatModel;
  /** Where the code runs, e.g. a DockerSandboxProvider. Not needed when `executor` is given. */
  sandboxes?: SandboxProvider;
  /**
   * Runs the code blocks. @default an ActionExecutor with IPythonInteractive on `sandboxes`;
   * pass `createQueueExecutor(...)` to run them on queue workers instead.
   */
  executor?: ActionExecutor;
  /** @default DEFAULT_CODER_PROMPT */
  systemPrompt?: string;
  /** Model turns at most (each may run code once). @default DEFAULT_CODER_MAX_TURN */
  maxTurn?: number;
  /** Per-execution limit. */
  timeoutMs?: number;
}

/**
 * The seed's code-interpreter agent ("Coder"): an inner agent writes Python in ```python
 * blocks, read by a ToolParser; the executor runs each block in the session's IPython
 * sandbox and its output goes back to the model, until it answers without code.
 */
export class Coder extends Agent {
  readonly agent: Agent;
  readonly executor: ActionExecutor;
  readonly maxTurn: number;

  constructor({
    llm,
    sandboxes,
    executor,
    systemPrompt = DEFAULT_CODER_PROMPT,
    maxTurn = DEFAULT_CODER_MAX_TURN,
    timeoutMs,
  }: CoderOptions) {
    super();
    this.agent = new Agent({
      llm,
      template: systemPrompt,
      outputFormat: new ToolParser({
        toolType: 'code interpreter',
        begin: '```python\n',
        end: CODE_END,
      }),
      aggregator: new InternLMToolAggregator(),
    });
    if (executor) {
      executor.registerHook(new InternLMActionProcessor());
      this.executor = executor;
    } else {
      if (!sandboxes)
        throw new InvalidArgumentError({ message: 'Coder needs `sandboxes` or an `executor`' });
      this.executor = new ActionExecutor({
        actions: [
          new IPythonInteractive({ sandboxes, ...(timeoutMs === undefined ? {} : { timeoutMs }) }),
        ],
        hooks: [new InternLMActionProcessor()],
      });
    }
    this.maxTurn = maxTurn;
  }

  override async forward(
    [input]: AgentMessage[],
    { sessionId, signal }: AgentForwardOptions<AgentCallOptions>,
  ): Promise<AgentMessage> {
    let message = input as AgentMessage;
    const options = { sessionId, ...(signal === undefined ? {} : { signal }) };
    for (let turn = 0; turn < this.maxTurn; turn += 1) {
      message = await this.agent.call(message, options);
      if (!isToolFormatted(message.formatted) || message.formatted.toolType === null)
        return message;
      message = await this.executor.call(message, options);
    }
    return message;
  }
}
