import type { ActionExecutor } from '../actions/action-executor.ts';
import { NoAction } from '../actions/builtin-actions.ts';
import { deepCopy } from '../internal/deep-copy.ts';
import type { SessionId } from '../memory/memory-manager.ts';
import { isToolFormatted } from '../parsers/tool-parser.ts';
import type { AgentMessage } from '../schema/agent-message.ts';
import { ToolStatusCode } from '../schema/status-codes.ts';
import { ActionPreprocessor } from './action-preprocessor.ts';
import type { HookTarget } from './hook.ts';

export interface InternLMActionProcessorOptions {
  /** Argument name that receives raw code. @default 'command' */
  codeParameter?: string;
}

/**
 * Lagent's `InternLMActionProcessor`, for replies read by ToolParser / MixedToolParser.
 * A string action (code) goes to the executor's first action as `{command: code}`; a
 * `{name, parameters}` action goes to that tool. Unlike Lagent, a call that failed to
 * parse (PARSING_ERROR) is sent to NoAction, so the model hears "Please follow the
 * format" instead of its JSON being run as code.
 */
export class InternLMActionProcessor extends ActionPreprocessor {
  readonly codeParameter: string;

  constructor({ codeParameter = 'command' }: InternLMActionProcessorOptions = {}) {
    super();
    this.codeParameter = codeParameter;
  }

  override beforeAction(
    executor: HookTarget,
    message: AgentMessage,
    sessionId: SessionId,
  ): AgentMessage {
    const formatted = message.formatted;
    if (!isToolFormatted(formatted) || formatted.toolType === null)
      return super.beforeAction(executor, message, sessionId);
    const copy = deepCopy(message);
    if (formatted.status === ToolStatusCode.PARSING_ERROR) {
      copy.content = { name: new NoAction().name, parameters: String(formatted.action) };
      return copy;
    }
    if (typeof formatted.action === 'string') {
      const first = firstActionName(executor);
      copy.content = {
        name: first ?? 'InvalidAction',
        parameters: { [this.codeParameter]: formatted.action },
      };
      return copy;
    }
    return super.beforeAction(executor, message, sessionId);
  }
}

function firstActionName(executor: HookTarget): string | undefined {
  const actions = (executor as Partial<Pick<ActionExecutor, 'keys'>>).keys?.();
  return actions?.[0];
}
