import { z } from 'zod';
import type { Action, ActionReturn, Execution, SandboxProvider } from '../../core/index.ts';
import {
  ActionStatusCode,
  createActionReturn,
  DEFAULT_MAX_CODE_BYTES,
  DEFAULT_MAX_EXECUTION_TIMEOUT_MS,
  defineTool,
  isPlainObject,
  safeParseJson,
} from '../../core/index.ts';
import { checkDefaultTimeout, refusedCall } from './call-limits.ts';

/** Lagent's PythonInterpreter `timeout` (20 s). */
export const DEFAULT_PYTHON_INTERPRETER_TIMEOUT_MS = 20_000;
/** Lagent's `answer_expr`. */
export const DEFAULT_ANSWER_EXPR = 'solution()';

export interface PythonInterpreterOptions {
  /** Where the code runs: a fresh run where the provider has them, else a new session. */
  sandboxes: SandboxProvider;
  /** The answer is this global's value after the code ran (Lagent's `answer_symbol`). */
  answerSymbol?: string | null;
  /** The answer is this expression, evaluated after the code ran. @default DEFAULT_ANSWER_EXPR */
  answerExpr?: string | null;
  /** The answer is the last line the code printed (Lagent's `answer_from_stdout`). @default false */
  answerFromStdout?: boolean;
  /** @default DEFAULT_PYTHON_INTERPRETER_TIMEOUT_MS */
  timeoutMs?: number;
  /** @default 'PythonInterpreter' */
  name?: string;
  /** The description the model reads. @default PYTHON_INTERPRETER_DESCRIPTION */
  description?: string;
  /** @default DEFAULT_MAX_CODE_BYTES */
  maxCodeBytes?: number;
}

/** Lagent's (Chinese) description, in English and our own words: the code defines `solution()`. */
export const PYTHON_INTERPRETER_DESCRIPTION = `Runs Python code. The code must be a function named 'solution' that follows your reasoning, for example:
\`\`\`python
# import what you need
import xxx
def solution():
    # set up variables with meaningful names
    variable_names_with_real_meaning = xxx
    # step 1
    mid_variable = func(variable_names_with_real_meaning)
    # step x
    mid_variable = func(mid_variable)
    # the result
    final_answer = func(mid_variable)
    return final_answer
\`\`\``;

const parameters = z.object({ command: z.string().describe('Python code snippet') });

/** Lagent's way to take the code out of the command: the first ```python (or ```) block. */
export function pythonInterpreterCode(command: string): string {
  if (command.includes('```python')) return command.split('```python')[1]?.split('```')[0] ?? '';
  if (command.includes('```')) return command.split('```')[1]?.split('```')[0] ?? '';
  return command;
}

type AnswerMode =
  | { kind: 'stdout' }
  | { kind: 'symbol'; symbol: string }
  | { kind: 'expr'; expr: string }
  | { kind: 'last-line' };

/**
 * The program a run executes: the code in a namespace of its own (Lagent's GenericRuntime
 * globals), then the answer as Lagent picks it; its outcome is the program's last value,
 * so the code's own output cannot be mistaken for it.
 */
function program(code: string, mode: AnswerMode): string {
  const lines = code.split('\n');
  const body = mode.kind === 'last-line' ? lines.slice(0, -1).join('\n') : code;
  const steps = [
    `__code = ${JSON.stringify(body)}`,
    '__ns = {}',
    'try:',
    ...(mode.kind === 'stdout'
      ? [
          '    __buffer = __io.StringIO()',
          '    with __contextlib.redirect_stdout(__buffer):',
          '        exec(__code, __ns)',
          '    __buffer.seek(0)',
          '    __answer = __buffer.readlines()[-1]',
        ]
      : ['    exec(__code, __ns)']),
    ...(mode.kind === 'symbol' ? [`    __answer = __ns[${JSON.stringify(mode.symbol)}]`] : []),
    ...(mode.kind === 'expr' ? [`    __answer = eval(${JSON.stringify(mode.expr)}, __ns)`] : []),
    ...(mode.kind === 'last-line'
      ? [`    __answer = eval(${JSON.stringify(lines.at(-1) ?? '')}, __ns)`]
      : []),
    '    __outcome = {"result": str(__answer)}',
    'except BaseException as __error:',
    '    __outcome = {"errmsg": repr(__error)}',
    'class __Shown(str):',
    '    def __repr__(self):',
    '        return str.__str__(self)',
    '__Shown(__json.dumps(__outcome))',
  ];
  return ['import io as __io, contextlib as __contextlib, json as __json', ...steps].join('\n');
}

function answerMode({
  answerFromStdout,
  answerSymbol,
  answerExpr,
}: Pick<PythonInterpreterOptions, 'answerFromStdout' | 'answerSymbol' | 'answerExpr'>): AnswerMode {
  if (answerFromStdout) return { kind: 'stdout' };
  if (answerSymbol) return { kind: 'symbol', symbol: answerSymbol };
  if (answerExpr) return { kind: 'expr', expr: answerExpr };
  return { kind: 'last-line' };
}

/** The outcome the program reported as its last value, or undefined when it never got there. */
function reportedOutcome(execution: Execution): { result?: string; errmsg?: string } | undefined {
  const text = execution.results.find((result) => result.isMainResult)?.text;
  if (text === undefined) return undefined;
  const parsed = safeParseJson(text);
  if (!parsed.success || !isPlainObject(parsed.value)) return undefined;
  const { result, errmsg } = parsed.value;
  if (typeof result === 'string') return { result };
  if (typeof errmsg === 'string') return { errmsg };
  return undefined;
}

/**
 * Lagent's `PythonInterpreter`: runs the code in a fresh namespace and answers with
 * `str(solution())` (or the configured answer). In Lagent it is a plain `exec` in the agent's
 * own process (its issues #28 and #312); here every call is a fresh run in the sandbox.
 */
export function createPythonInterpreter({
  sandboxes,
  answerSymbol = null,
  answerExpr = DEFAULT_ANSWER_EXPR,
  answerFromStdout = false,
  timeoutMs = DEFAULT_PYTHON_INTERPRETER_TIMEOUT_MS,
  name = 'PythonInterpreter',
  description = PYTHON_INTERPRETER_DESCRIPTION,
  maxCodeBytes = DEFAULT_MAX_CODE_BYTES,
}: PythonInterpreterOptions): Action {
  const maxExecutionTimeoutMs = Math.max(timeoutMs, DEFAULT_MAX_EXECUTION_TIMEOUT_MS);
  checkDefaultTimeout({ timeoutMs, maxExecutionTimeoutMs });
  const mode = answerMode({ answerFromStdout, answerSymbol, answerExpr });
  return defineTool({
    name,
    description,
    parameters,
    execute: async ({ command }, { signal }): Promise<ActionReturn> => {
      const refused = refusedCall({
        name,
        command,
        timeoutMs,
        limits: { maxCodeBytes, maxExecutionTimeoutMs },
      });
      if (refused) return refused;
      const code = pythonInterpreterCode(command);
      const args = { text: `\`\`\`python\n${code}\n\`\`\`` };
      const run = { code: program(code, mode), timeoutMs, ...(signal ? { signal } : {}) };
      let execution: Execution;
      if (sandboxes.runFresh) {
        execution = await sandboxes.runFresh(run);
      } else {
        const sandbox = await sandboxes.create(signal ? { signal } : {});
        try {
          execution = await sandbox.runCode(run);
        } finally {
          await sandbox.close();
        }
      }
      const outcome = reportedOutcome(execution);
      if (outcome?.result !== undefined) {
        return createActionReturn({
          args,
          type: name,
          result: [{ type: 'text', content: outcome.result }],
          state: ActionStatusCode.SUCCESS,
        });
      }
      // The code's own exception (Lagent's `repr(e)`), or the run's end: a timeout, a kill.
      const errmsg =
        outcome?.errmsg ??
        (execution.error
          ? `${execution.error.name}: ${execution.error.value}`
          : 'The run ended without an answer');
      return createActionReturn({ args, type: name, errmsg, state: ActionStatusCode.API_ERROR });
    },
  });
}
