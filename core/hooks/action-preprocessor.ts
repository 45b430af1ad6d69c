import { nativeToolCalls } from '../aggregators/default-aggregator.ts';
import { contentToText } from '../aggregators/aggregator.ts';
import { deepCopy } from '../internal/deep-copy.ts';
import { isPlainObject } from '../internal/json.ts';
import type { SessionId } from '../memory/memory-manager.ts';
import { isActionReturn } from '../schema/action-return.ts';
import type { AgentMessage } from '../schema/agent-message.ts';
import { isFunctionCall } from '../schema/function-call.ts';
import type { Hook, HookTarget } from './hook.ts';

/** The tool call an agent reply's `formatted` holds, in any of the shapes parsers produce. */
export function toolCallOf(message: AgentMessage): unknown {
  const formatted = message.formatted;
  const native = nativeToolCalls(message);
  if (native) return native;
  if (isFunctionCall(formatted)) return { name: formatted.name, parameters: formatted.parameters };
  if (isPlainObject(formatted) && isFunctionCall(formatted['action'])) {
    const { name, parameters } = formatted['action'];
    return { name, parameters };
  }
  return undefined;
}

/**
 * Lagent's `ActionPreprocessor`: before the executor runs, moves the tool call from
 * `formatted` into `content`; afterwards turns the ActionReturn into text (its result,
 * or its errmsg when it failed). Native tool-call results stay ActionReturns, since the
 * aggregator needs their ids.
 */
export class ActionPreprocessor implements Hook {
  beforeAction(_executor: HookTarget, message: AgentMessage, _sessionId: SessionId): AgentMessage {
    const call = toolCallOf(message);
    if (call === undefined) return message;
    return { ...deepCopy(message), content: call };
  }

  afterAction(_executor: HookTarget, message: AgentMessage, _sessionId: SessionId): AgentMessage {
    if (!isActionReturn(message.content)) return message;
    return { ...message, content: contentToText(message.content) };
  }
}
