import type { Action } from '../actions/action.ts';
import type { ActionExecutor } from '../actions/action-executor.ts';
import type { Aggregator, SystemInstruction } from '../aggregators/aggregator.ts';
import type { Hook } from '../hooks/hook.ts';
import type { ChatModel } from '../llms/chat-model.ts';
import type { MemoryOptions } from '../memory/memory.ts';
import type { MemoryFactory } from '../memory/memory-manager.ts';
import type { OutputParser } from '../parsers/output-parser.ts';
import { InterpreterParser } from '../parsers/tool-parser.ts';
import type { AgentMessage } from '../schema/agent-message.ts';
import type { AgentCallOptions, AgentForwardOptions } from './agent.ts';
import type { AgentStreamEvent } from './agent-stream-event.ts';
import { AgentForInternLM } from './agent-for-internlm.ts';

/** MathCoder's instruction (Lagent's asks the same, in its own words: a `\boxed{}` answer). */
export const MATH_CODER_PROMPT =
  'Solve the maths problem by combining step-by-step reasoning with Python code:\n' +
  '- work out what the question asks, then write Jupyter code that solves it;\n' +
  "- give the final result in LaTeX as '\\boxed{{}}', without units.\n";
/** Lagent's MathCoder `max_turn`. */
export const DEFAULT_MATH_CODER_MAX_TURN = 6;

export interface MathCoderOptions {
  llm: ChatModel;
  /**
   * The code interpreter (Lagent's default is an in-process IPythonInteractive; here pass one
   * that runs in a sandbox, e.g. `new IPythonInteractive({sandboxes})` from tools).
   */
  interpreter?: Action;
  /** Runs the code instead of an executor built from `interpreter` (e.g. createQueueExecutor). */
  interpreterExecutor?: ActionExecutor;
  template?: SystemInstruction;
  memory?: MemoryOptions | MemoryFactory | null;
  /** @default an InterpreterParser with MATH_CODER_PROMPT */
  outputFormat?: OutputParser;
  aggregator?: Aggregator;
  actionHooks?: readonly Hook[];
  hooks?: readonly Hook[];
  finishCondition?: (message: AgentMessage) => boolean;
  /** @default DEFAULT_MATH_CODER_MAX_TURN */
  maxTurn?: number;
  /**
   * Close the interpreter's session when a call ends, as Lagent's AsyncMathCoder does (each
   * problem starts from a fresh kernel and no sandbox is left open). @default true
   */
  closeSessionAfterCall?: boolean;
  name?: string;
  description?: string;
}

/**
 * Lagent's `MathCoder`: AgentForInternLM with only a code interpreter and a maths
 * instruction; the model reasons, runs code, and answers in `\boxed{}`.
 */
export class MathCoder extends AgentForInternLM {
  readonly closeSessionAfterCall: boolean;

  constructor({
    interpreter,
    outputFormat = new InterpreterParser({ template: MATH_CODER_PROMPT }),
    maxTurn = DEFAULT_MATH_CODER_MAX_TURN,
    closeSessionAfterCall = true,
    ...options
  }: MathCoderOptions) {
    super({
      ...options,
      ...(interpreter === undefined ? {} : { interpreter }),
      outputFormat,
      maxTurn,
    });
    this.closeSessionAfterCall = closeSessionAfterCall;
  }

  override async forward(
    messages: AgentMessage[],
    options: AgentForwardOptions<AgentCallOptions>,
  ): Promise<AgentMessage> {
    try {
      return await super.forward(messages, options);
    } finally {
      await this.#closeSession(options);
    }
  }

  override async *streamForward(
    messages: AgentMessage[],
    options: AgentForwardOptions<AgentCallOptions>,
  ): AsyncGenerator<AgentStreamEvent, AgentMessage> {
    try {
      return yield* super.streamForward(messages, options);
    } finally {
      await this.#closeSession(options);
    }
  }

  async #closeSession({ sessionId }: AgentForwardOptions<AgentCallOptions>): Promise<void> {
    if (this.closeSessionAfterCall) await this.interpreterExecutor?.closeSession(sessionId);
  }
}
