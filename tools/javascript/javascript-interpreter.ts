import type { IPythonToolOptions, InterpreterToolText } from '../ipython/ipython-interactive.ts';
import { IPythonInteractive } from '../ipython/ipython-interactive.ts';
import { extractJavaScript } from './extract-javascript.ts';

/** What the model hears when its JavaScript session was closed. */
export const JS_SESSION_CLOSED_MESSAGE =
  'The JavaScript session was closed, and its variables are gone. Run the code again, with everything it needs, in the new session.';

const JAVASCRIPT_TEXT: InterpreterToolText = {
  description:
    'Run JavaScript in an isolated V8 session: variables persist between calls, top-level await works, ' +
    'console output and the value of the last expression are returned. There is no Node.js API ' +
    '(no require, process, fs or network); functions offered by the host are on `host`.',
  codeDescription: 'JavaScript code snippet',
  sessionClosedMessage: JS_SESSION_CLOSED_MESSAGE,
  // Lagent's extraction is for Python: it would run only a template literal out of the code.
  extractCode: extractJavaScript,
};

/**
 * A JavaScript interpreter for the ActionExecutor, on any SandboxProvider that runs JavaScript
 * (the isolated-vm one in `sandboxes/`). State is kept per session id, as in IPythonInteractive;
 * a failure of the code comes back as an API_ERROR with its stack as the errmsg.
 */
export class JavaScriptInterpreter extends IPythonInteractive {
  constructor({ name = 'JavaScriptInterpreter', ...options }: IPythonToolOptions) {
    super({ name, ...options }, JAVASCRIPT_TEXT);
  }
}
