import { InvalidArgumentError } from '../errors/invalid-argument-error.ts';
import { isPlainObject, toPythonJson } from '../internal/json.ts';
import { pythonStr } from '../internal/python-text.ts';
import type { ChatMessage } from '../llms/chat-model.ts';
import type { OutputParser } from '../parsers/output-parser.ts';
import { formatResult, isActionReturn } from '../schema/action-return.ts';
import type { AgentMessage } from '../schema/agent-message.ts';
import { ActionStatusCode } from '../schema/status-codes.ts';

/** An agent's system prompt: text, one chat message, or several. */
export type SystemInstruction = string | ChatMessage | readonly ChatMessage[];

export interface AggregateOptions {
  /** The session's memory, oldest first. */
  messages: readonly AgentMessage[];
  /** The agent's name: its own messages become `assistant` turns. */
  name: string;
  parser?: OutputParser | undefined;
  systemInstruction?: SystemInstruction | undefined;
}

/** Turns an agent's memory into the chat messages sent to its model. */
export interface Aggregator {
  aggregate(options: AggregateOptions): ChatMessage[];
}

/** Lagent's `aggregate_system_intruction`: the instruction as a list of checked messages. */
export function aggregateSystemInstruction(instruction: SystemInstruction): ChatMessage[] {
  if (typeof instruction === 'string') return [{ role: 'system', content: instruction }];
  const list: readonly unknown[] = Array.isArray(instruction) ? instruction : [instruction];
  return list.map((message) => {
    if (!isPlainObject(message) || typeof message['role'] !== 'string' || !('content' in message)) {
      throw new InvalidArgumentError({
        message: `A system instruction message needs "role" and "content": ${toPythonJson(message)}`,
      });
    }
    return { ...(message as unknown as ChatMessage) };
  });
}

/**
 * Text of a message's content, as Lagent's `str(content)`: strings as they are, dicts,
 * lists and scalars as Python prints them (`{'a': 1, 'b': [1.5, None]}`, `True`). An
 * ActionReturn is its result (or its errmsg when it failed), as the ActionPreprocessor
 * hook would have made it, where Lagent would print the dataclass's repr.
 */
export function contentToText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (isActionReturn(content)) {
    return content.state === ActionStatusCode.SUCCESS
      ? formatResult(content)
      : (content.errmsg ?? '');
  }
  return pythonStr(content);
}
