import type { ChatMessage, ToolCallRequest } from '../llms/chat-model.ts';
import { isToolFormatted } from '../parsers/tool-parser.ts';
import type { ActionReturn } from '../schema/action-return.ts';
import { isActionReturn } from '../schema/action-return.ts';
import type { AgentMessage } from '../schema/agent-message.ts';
import type { AggregateOptions, Aggregator, SystemInstruction } from './aggregator.ts';
import { aggregateSystemInstruction, contentToText } from './aggregator.ts';

/** `formatted.toolType` of a reply carrying native (OpenAI) tool calls. */
export const NATIVE_TOOL_TYPE = 'function';

/** The native tool calls of an agent reply, or undefined when it has none. */
export function nativeToolCalls(message: AgentMessage): ToolCallRequest[] | undefined {
  const formatted = message.formatted;
  if (!isToolFormatted(formatted) || formatted.toolType !== NATIVE_TOOL_TYPE) return undefined;
  return Array.isArray(formatted.action) ? (formatted.action as ToolCallRequest[]) : undefined;
}

function toolResults(content: unknown): ActionReturn[] | undefined {
  if (!Array.isArray(content) || content.length === 0) return undefined;
  return content.every((item) => isActionReturn(item) && item.toolCallId !== undefined)
    ? (content as ActionReturn[])
    : undefined;
}

/**
 * Lagent's `DefaultAggregator`: the system instruction, then the agent's own messages as
 * `assistant` turns and every other message as a `user` turn, consecutive user turns
 * joined with no separator (as Lagent does). Native tool calls become `assistant` tool
 * calls and their results `tool` messages.
 */
export class DefaultAggregator implements Aggregator {
  static aggregateSystemInstruction(instruction: SystemInstruction): ChatMessage[] {
    return aggregateSystemInstruction(instruction);
  }

  aggregate({ messages, name, systemInstruction }: AggregateOptions): ChatMessage[] {
    const chat: ChatMessage[] = systemInstruction
      ? aggregateSystemInstruction(systemInstruction)
      : [];
    for (const message of messages) {
      const toolCalls = message.sender === name ? nativeToolCalls(message) : undefined;
      const results = message.sender === name ? undefined : toolResults(message.content);
      const previous = chat.at(-1);
      if (toolCalls) {
        const thought = isToolFormatted(message.formatted) ? message.formatted.thought : '';
        chat.push({ role: 'assistant', content: thought || null, toolCalls });
      } else if (message.sender === name) {
        chat.push({ role: 'assistant', content: contentToText(message.content) });
      } else if (results) {
        for (const result of results) {
          chat.push({
            role: 'tool',
            content: contentToText(result),
            toolCallId: result.toolCallId ?? '',
          });
        }
      } else if (previous?.role === 'user') {
        previous.content = (previous.content ?? '') + contentToText(message.content);
      } else {
        chat.push({ role: 'user', content: contentToText(message.content) });
      }
    }
    return chat;
  }
}
