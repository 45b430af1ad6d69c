import type OpenAI from 'openai';
import { safeParseJson, isPlainObject, toPythonJson } from '../internal/json.ts';
import { isNestedDeeperThan } from '../internal/json-bounds.ts';
import { jsonEqual } from '../internal/json-equal.ts';
import { DEFAULT_MAX_ARGUMENT_DEPTH } from '../actions/request-limits.ts';
import type { ChatMessage, ToolCallRequest } from './chat-model.ts';

type ApiMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/** Lagent's GPTAPI meta template: the `environment` role goes to the server as `system`. */
export const DEFAULT_ROLE_MAP: Readonly<Record<string, string>> = Object.freeze({
  environment: 'system',
});

const mergeableRoles = new Set(['system', 'user', 'assistant']);

/**
 * Maps roles the server does not know, then merges consecutive messages of one role with
 * `'\n'` (Lagent's APITemplateParser does this; several chat templates accept only one
 * system message). Messages that carry tool calls or answer one are never merged.
 */
export function toApiMessages(
  messages: readonly ChatMessage[],
  {
    roleMap = DEFAULT_ROLE_MAP,
    merge = true,
  }: { roleMap?: Readonly<Record<string, string>>; merge?: boolean } = {},
): ApiMessage[] {
  const mapped: ChatMessage[] = [];
  for (const message of messages) {
    const role = roleMap[message.role] ?? message.role;
    const previous = mapped.at(-1);
    const canMerge =
      merge &&
      previous !== undefined &&
      previous.role === role &&
      mergeableRoles.has(role) &&
      !previous.toolCalls?.length &&
      !message.toolCalls?.length &&
      previous.toolCallId === undefined &&
      message.toolCallId === undefined;
    if (canMerge) {
      previous.content = `${previous.content ?? ''}\n${message.content ?? ''}`;
      if (previous.name !== message.name) delete previous.name;
    } else {
      mapped.push({ ...message, role });
    }
  }
  return mapped.map(toApiMessage);
}

// OpenAI accepts only these characters in `name` (Lagent's tool types may hold spaces).
const sanitiseName = (name: string): string => name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);

function toApiMessage(message: ChatMessage): ApiMessage {
  const name = message.name === undefined ? {} : { name: sanitiseName(message.name) };
  switch (message.role) {
    case 'tool':
      return {
        role: 'tool',
        content: message.content ?? '',
        tool_call_id: message.toolCallId ?? '',
      };
    case 'assistant':
      return {
        role: 'assistant',
        content: message.content,
        ...name,
        ...(message.toolCalls?.length
          ? {
              tool_calls: message.toolCalls.map((call) => ({
                id: call.id,
                type: 'function' as const,
                function: {
                  name: call.name,
                  arguments: writtenArguments(call),
                },
              })),
            }
          : {}),
      };
    case 'system':
      return { role: 'system', content: message.content ?? '', ...name };
    case 'developer':
      return { role: 'developer', content: message.content ?? '', ...name };
    default:
      return { role: 'user', content: message.content ?? '', ...name };
  }
}

/** A tool call as the server sent it; `arguments` stays a string when it is not a JSON object. */
export function fromApiToolCall(call: {
  id: string;
  name: string;
  arguments: string;
}): ToolCallRequest {
  const parsed = safeParseJson(call.arguments === '' ? '{}' : call.arguments);
  // Too deep to copy: kept as text, which the tool then refuses as bad arguments.
  const usable =
    parsed.success &&
    isPlainObject(parsed.value) &&
    !isNestedDeeperThan(parsed.value, DEFAULT_MAX_ARGUMENT_DEPTH);
  return usable
    ? {
        id: call.id,
        name: call.name,
        parameters: parsed.value as Record<string, unknown>,
        arguments: call.arguments,
      }
    : { id: call.id, name: call.name, parameters: call.arguments };
}

/**
 * A tool call's arguments for the history: the model's own text while the parameters still
 * read the same (a hook may have changed them), else the parameters written as Python would.
 */
function writtenArguments(call: ToolCallRequest): string {
  if (typeof call.parameters === 'string') return call.parameters;
  if (call.arguments !== undefined) {
    const own = safeParseJson(call.arguments === '' ? '{}' : call.arguments);
    if (own.success && jsonEqual(own.value, call.parameters)) return call.arguments;
  }
  return toPythonJson(call.parameters);
}
