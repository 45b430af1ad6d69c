import type Anthropic from '@anthropic-ai/sdk';
import { isPlainObject, safeParseJson } from '../internal/json.ts';
import type { ChatMessage, OpenAIToolDefinition, ToolCallRequest } from './chat-model.ts';
import { fromApiToolCall } from './openai-messages.ts';

type MessageParam = Anthropic.MessageParam;
type BlockParam = Anthropic.ContentBlockParam;

/** Lagent's ClaudeAPI meta template: the `environment` role goes to the server as `user`. */
export const ANTHROPIC_ROLE_MAP: Readonly<Record<string, string>> = Object.freeze({
  environment: 'user',
});

interface Turn {
  role: 'user' | 'assistant';
  blocks: BlockParam[];
}

/**
 * Messages in the Messages API's shape. The leading system messages become `system`
 * (Lagent's ClaudeAPI takes the first); a later one, which the API has no place for, is a
 * user turn. `name` is dropped. Consecutive turns of one role are merged, texts joined with
 * `'\n'` as Lagent's APITemplateParser does, since the API wants the roles to alternate.
 */
export function toAnthropicMessages(
  messages: readonly ChatMessage[],
  { roleMap = ANTHROPIC_ROLE_MAP }: { roleMap?: Readonly<Record<string, string>> } = {},
): { system: string | undefined; messages: MessageParam[] } {
  const system: string[] = [];
  const turns: Turn[] = [];
  for (const message of messages) {
    const role = roleMap[message.role] ?? message.role;
    if (role === 'system' && turns.length === 0) {
      system.push(message.content ?? '');
      continue;
    }
    const turn = toTurn(message, role);
    const previous = turns.at(-1);
    if (previous?.role === turn.role) previous.blocks.push(...turn.blocks);
    else turns.push(turn);
  }
  return {
    system: system.length > 0 ? system.join('\n') : undefined,
    messages: turns.map(({ role, blocks }) => ({ role, content: toContent(blocks) })),
  };
}

function toTurn(message: ChatMessage, role: string): Turn {
  const text = message.content ?? '';
  if (role === 'tool') {
    const result: BlockParam = {
      type: 'tool_result',
      tool_use_id: message.toolCallId ?? '',
      content: text,
    };
    return { role: 'user', blocks: [result] };
  }
  if (role !== 'assistant') return { role: 'user', blocks: [{ type: 'text', text }] };
  const calls = message.toolCalls ?? [];
  const uses: BlockParam[] = calls.map((call) => ({
    type: 'tool_use',
    id: call.id,
    name: call.name,
    input: toolInput(call.parameters),
  }));
  return { role: 'assistant', blocks: [{ type: 'text', text }, ...uses] };
}

// `input` must be an object; arguments that were never valid JSON are sent as none.
function toolInput(parameters: ToolCallRequest['parameters']): Record<string, unknown> {
  if (typeof parameters !== 'string') return parameters;
  const parsed = safeParseJson(parameters);
  return parsed.success && isPlainObject(parsed.value) ? parsed.value : {};
}

/**
 * Text-only turns go as one string, as Lagent sends them; others as their blocks, without
 * empty texts, which the API refuses.
 */
function toContent(blocks: BlockParam[]): string | BlockParam[] {
  const texts: string[] = [];
  for (const block of blocks) {
    if (block.type !== 'text') return blocks.filter((b) => b.type !== 'text' || b.text !== '');
    texts.push(block.text);
  }
  return texts.join('\n');
}

/** OpenAI-format tool definitions as the Messages API's `tools`. */
export function toAnthropicTools(tools: readonly OpenAIToolDefinition[]): Anthropic.Tool[] {
  return tools.map(({ function: fn }) => ({
    name: fn.name,
    ...(fn.description === undefined ? {} : { description: fn.description }),
    input_schema: { type: 'object', ...fn.parameters },
  }));
}

/** The reply's text (its text blocks joined) and tool calls. */
export function fromAnthropicContent(blocks: readonly Anthropic.ContentBlock[]): {
  content: string;
  toolCalls: ToolCallRequest[];
} {
  let content = '';
  const toolCalls: ToolCallRequest[] = [];
  for (const block of blocks) {
    if (block.type === 'text') content += block.text;
    if (block.type === 'tool_use') {
      // Through the same bounds as OpenAI's tool calls (depth, non-object arguments).
      const args = JSON.stringify(block.input);
      toolCalls.push(fromToolUse({ id: block.id, name: block.name, arguments: args }));
    }
  }
  return { content, toolCalls };
}

const finishReasons: Readonly<Record<string, string>> = Object.freeze({
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
});

/** `stop_reason` as the OpenAI-style finish reason agents read; others pass through. */
export function toFinishReason(stopReason: string | null | undefined): string | null {
  if (stopReason === null || stopReason === undefined) return null;
  return finishReasons[stopReason] ?? stopReason;
}

/**
 * A tool use as a tool call. The Messages API takes tool input back as an object, so the
 * call keeps no argument text (OpenAI's history sends the model's own text back).
 */
export function fromToolUse(use: { id: string; name: string; arguments: string }): ToolCallRequest {
  const { arguments: _text, ...call } = fromApiToolCall(use);
  return call;
}
