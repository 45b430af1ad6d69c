// lagent-ts/tools: tools for the ActionExecutor built on core's contracts. The IPython tools
// take any SandboxProvider (the Docker one in sandboxes/), so this layer imports no engine.
export type { ImageOutput } from './ipython/execution-result.ts';
export {
  DEFAULT_IMAGE_DIR,
  DEFAULT_IMAGE_OUTPUT,
  DEFAULT_MAX_OUTPUT_CHARS,
  executionToActionReturn,
  TIMEOUT_MESSAGE,
} from './ipython/execution-result.ts';
export { extractCode } from './ipython/extract-code.ts';
export type { IPythonToolOptions } from './ipython/ipython-interactive.ts';
export { IPythonInteractive, SESSION_CLOSED_MESSAGE } from './ipython/ipython-interactive.ts';
export { streamTo } from './ipython/stream-to.ts';
export { createIPythonInterpreter } from './ipython/ipython-interpreter.ts';
