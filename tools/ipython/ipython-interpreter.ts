import { z } from 'zod';
import type { Action, ActionReturn } from '../../core/index.ts';
import {
  DEFAULT_EXECUTION_TIMEOUT_MS,
  DEFAULT_MAX_CODE_BYTES,
  DEFAULT_MAX_EXECUTION_TIMEOUT_MS,
  defineTool,
} from '../../core/index.ts';
import { checkDefaultTimeout, refusedCall } from './call-limits.ts';
import type { IPythonToolOptions } from './ipython-interactive.ts';
import {
  DEFAULT_IMAGE_OUTPUT,
  DEFAULT_MAX_OUTPUT_CHARS,
  executionToActionReturn,
} from './execution-result.ts';
import { extractCode } from './extract-code.ts';
import { streamTo } from './stream-to.ts';

const parameters = z.object({
  command: z.string().describe('Python code snippet'),
  timeout: z.number().int().positive().optional().describe('timeout for execution in seconds'),
});

/**
 * Code that needs IPython itself: a magic (`%timeit`), a shell escape (`!ls`), `display()` or
 * `get_ipython()`. A fresh run is plain Python, so such code gets a kernel of its own.
 */
export function needsKernel(code: string): boolean {
  return /^\s*[%!]/m.test(code) || /\b(display|get_ipython)\s*\(/.test(code);
}

/**
 * Lagent's `IPythonInterpreter`, on a sandbox: nothing is kept between calls. Where the
 * provider has fresh runs (`runFresh`: a new process of a preloaded interpreter), a call runs
 * there; code that needs IPython (needsKernel), or a provider without them, gets a fresh
 * kernel instead (a new session from the warm pool, closed afterwards).
 */
export function createIPythonInterpreter({
  name = 'IPythonInterpreter',
  sandboxes,
  timeoutMs = DEFAULT_EXECUTION_TIMEOUT_MS,
  maxOutputChars = DEFAULT_MAX_OUTPUT_CHARS,
  images = DEFAULT_IMAGE_OUTPUT,
  maxCodeBytes = DEFAULT_MAX_CODE_BYTES,
  maxExecutionTimeoutMs = DEFAULT_MAX_EXECUTION_TIMEOUT_MS,
}: IPythonToolOptions): Action {
  checkDefaultTimeout({ timeoutMs, maxExecutionTimeoutMs });
  const limits = { maxCodeBytes, maxExecutionTimeoutMs };
  return defineTool({
    name,
    description:
      'When you send a message containing Python code to python, it will be executed in a fresh Jupyter kernel. ' +
      'Nothing is kept between calls. Figures are returned as images.',
    parameters,
    execute: async ({ command, timeout }, { signal, emit }): Promise<ActionReturn> => {
      const callTimeoutMs = timeout === undefined ? timeoutMs : timeout * 1000;
      const refused = refusedCall({ name, command, timeoutMs: callTimeoutMs, limits });
      if (refused) return refused;
      const code = extractCode(command);
      if (sandboxes.runFresh && !needsKernel(code)) {
        const execution = await sandboxes.runFresh({
          code,
          timeoutMs: callTimeoutMs,
          ...(signal === undefined ? {} : { signal }),
          ...streamTo(emit),
        });
        return await executionToActionReturn({ execution, name, command, maxOutputChars, images });
      }
      const sandbox = await sandboxes.create(signal === undefined ? {} : { signal });
      try {
        const execution = await sandbox.runCode({
          code,
          timeoutMs: callTimeoutMs,
          ...(signal === undefined ? {} : { signal }),
          ...streamTo(emit),
        });
        return await executionToActionReturn({ execution, name, command, maxOutputChars, images });
      } finally {
        await sandbox.close();
      }
    },
  });
}
