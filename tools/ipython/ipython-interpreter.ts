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
 * Lagent's `IPythonInterpreter`, on a sandbox: every call runs in a fresh kernel (a new
 * session from the provider's warm pool, closed afterwards), returning text and figures.
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
      const sandbox = await sandboxes.create(signal === undefined ? {} : { signal });
      try {
        const execution = await sandbox.runCode({
          code: extractCode(command),
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
