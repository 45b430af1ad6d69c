import { z } from 'zod';
import type {
  Action,
  ActionReturn,
  Execution,
  RunActionOptions,
  Sandbox,
  SandboxProvider,
  SessionId,
  ToolContext,
} from '../../core/index.ts';
import {
  ActionStatusCode,
  createActionReturn,
  DEFAULT_EXECUTION_TIMEOUT_MS,
  DEFAULT_MAX_CODE_BYTES,
  DEFAULT_MAX_EXECUTION_TIMEOUT_MS,
  DEFAULT_SESSION_ID,
  defineTool,
  SandboxClosedError,
} from '../../core/index.ts';
import { checkDefaultTimeout, refusedCall } from './call-limits.ts';
import type { ImageOutput } from './execution-result.ts';
import {
  DEFAULT_IMAGE_OUTPUT,
  DEFAULT_MAX_OUTPUT_CHARS,
  executionToActionReturn,
} from './execution-result.ts';
import { extractCode } from './extract-code.ts';
import { streamTo } from './stream-to.ts';

/** What the model hears when its session was reclaimed after being idle. */
export const SESSION_CLOSED_MESSAGE =
  'The Python session was closed after being idle, and its variables are gone. Run the code again, with everything it needs, in the new session.';

export interface IPythonToolOptions {
  /** Where sessions come from (e.g. a DockerSandboxProvider). */
  sandboxes: SandboxProvider;
  /** Per-call limit, unless the call passes `timeout` (seconds). @default DEFAULT_EXECUTION_TIMEOUT_MS */
  timeoutMs?: number;
  /** Text kept for the model; negative keeps all. @default DEFAULT_MAX_OUTPUT_CHARS */
  maxOutputChars?: number;
  /** @default DEFAULT_IMAGE_OUTPUT (PNG files in the OS temp directory) */
  images?: ImageOutput;
  /** Tool name the model calls. */
  name?: string;
  /** Code of one call, in UTF-8 bytes; larger code is an ARGS_ERROR, not run. @default DEFAULT_MAX_CODE_BYTES */
  maxCodeBytes?: number;
  /** The longest `timeout` a call may ask for; a longer one is an ARGS_ERROR. @default DEFAULT_MAX_EXECUTION_TIMEOUT_MS */
  maxExecutionTimeoutMs?: number;
}

/** For interpreters of other languages built on this class (the JavaScript one). */
export interface InterpreterToolText {
  description: string;
  /** Describes the `command` argument. */
  codeDescription: string;
  /** What the model hears when its session was closed. */
  sessionClosedMessage: string;
  /** Takes the code out of what the model sent. @default extractCode (Lagent's, for Python) */
  extractCode?: (text: string) => string;
}

const PYTHON_TEXT: InterpreterToolText = {
  description: 'Run Python code in a stateful IPython session: variables persist between calls.',
  codeDescription: 'Python code snippet',
  sessionClosedMessage: SESSION_CLOSED_MESSAGE,
};

function parametersFor(codeDescription: string) {
  return z.object({
    command: z.string().describe(codeDescription),
    timeout: z.number().int().positive().optional().describe('timeout for execution in seconds'),
  });
}

/**
 * Lagent's `IPythonInteractive`, on a sandbox: state is kept per session id, so variables
 * defined in one call are there in the next call of the same session. `closeSession`
 * ends a session's sandbox.
 */
export class IPythonInteractive implements Action {
  readonly #tool: Action;
  readonly #sessions = new Map<SessionId, Promise<Sandbox>>();
  readonly #options: Required<Omit<IPythonToolOptions, 'name'>>;
  readonly #text: InterpreterToolText;

  constructor(
    { name = 'IPythonInteractive', ...options }: IPythonToolOptions,
    text: InterpreterToolText = PYTHON_TEXT,
  ) {
    this.#text = text;
    this.#options = {
      timeoutMs: DEFAULT_EXECUTION_TIMEOUT_MS,
      maxOutputChars: DEFAULT_MAX_OUTPUT_CHARS,
      images: DEFAULT_IMAGE_OUTPUT,
      maxCodeBytes: DEFAULT_MAX_CODE_BYTES,
      maxExecutionTimeoutMs: DEFAULT_MAX_EXECUTION_TIMEOUT_MS,
      ...options,
    };
    checkDefaultTimeout(this.#options);
    this.#tool = defineTool({
      name,
      description: text.description,
      parameters: parametersFor(text.codeDescription),
      execute: ({ command, timeout }, { sessionId, signal, emit }) =>
        this.#execute({
          command,
          sessionId,
          ...(timeout === undefined ? {} : { timeoutMs: timeout * 1000 }),
          signal,
          emit,
        }),
    });
  }

  get name(): string {
    return this.#tool.name;
  }
  get isToolkit(): boolean {
    return false;
  }
  get description(): Action['description'] {
    return this.#tool.description;
  }
  get apis(): Action['apis'] {
    return this.#tool.apis;
  }

  run(options: RunActionOptions): Promise<ActionReturn> {
    return this.#tool.run(options);
  }

  async #execute({
    command,
    sessionId,
    timeoutMs = this.#options.timeoutMs,
    signal,
    emit,
  }: {
    command: string;
    sessionId: SessionId;
    timeoutMs?: number;
    signal?: AbortSignal | undefined;
    emit?: ToolContext['emit'];
  }): Promise<ActionReturn> {
    const refused = refusedCall({ name: this.name, command, timeoutMs, limits: this.#options });
    if (refused) return refused;
    const sandbox = await this.#sandbox(sessionId);
    let execution: Execution;
    try {
      execution = await sandbox.runCode({
        code: (this.#text.extractCode ?? extractCode)(command),
        timeoutMs,
        ...(signal === undefined ? {} : { signal }),
        ...streamTo(emit),
      });
    } catch (error) {
      if (!(error instanceof SandboxClosedError)) throw error;
      // The provider reclaimed the idle session: say so once, then start afresh.
      this.#sessions.delete(sessionId);
      return createActionReturn({
        args: { text: command },
        type: this.name,
        errmsg: this.#text.sessionClosedMessage,
        state: ActionStatusCode.API_ERROR,
      });
    }
    return executionToActionReturn({
      execution,
      name: this.name,
      command,
      maxOutputChars: this.#options.maxOutputChars,
      images: this.#options.images,
    });
  }

  #sandbox(sessionId: SessionId = DEFAULT_SESSION_ID): Promise<Sandbox> {
    let sandbox = this.#sessions.get(sessionId);
    if (!sandbox) {
      sandbox = this.#options.sandboxes.create({ sessionId: String(sessionId) });
      // A failed start must not stick: the next call tries again.
      sandbox.catch(() => this.#sessions.delete(sessionId));
      this.#sessions.set(sessionId, sandbox);
    }
    return sandbox;
  }

  async closeSession(sessionId: SessionId): Promise<void> {
    const sandbox = this.#sessions.get(sessionId);
    this.#sessions.delete(sessionId);
    await (await sandbox?.catch(() => undefined))?.close();
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.#sessions.keys()].map((sessionId) => this.closeSession(sessionId)));
  }
}
