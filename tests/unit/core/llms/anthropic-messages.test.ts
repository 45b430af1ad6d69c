import { describe, expect, it } from 'vitest';
import {
  fromAnthropicContent,
  toAnthropicMessages,
  toAnthropicTools,
  toFinishReason,
} from '../../../../core/llms/anthropic-messages.ts';

describe('toAnthropicMessages', () => {
  it('takes the leading system messages out, drops names and maps environment to user', () => {
    const converted = toAnthropicMessages([
      { role: 'system', content: 'SYS' },
      { role: 'system', content: 'plug', name: 'plugin' },
      { role: 'user', content: 'hi', name: 'bob' },
      { role: 'assistant', content: 'a' },
      { role: 'environment', content: 'env', name: 'interpreter' },
      { role: 'user', content: 'more' },
    ]);

    expect(converted).toEqual({
      system: 'SYS\nplug',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'a' },
        { role: 'user', content: 'env\nmore' },
      ],
    });
  });

  it('sends a later system message as a user turn, and follows a role map', () => {
    const converted = toAnthropicMessages(
      [
        { role: 'user', content: 'q' },
        { role: 'system', content: 'note' },
        { role: 'environment', content: 'env' },
      ],
      { roleMap: { environment: 'assistant' } },
    );

    expect(converted).toEqual({
      system: undefined,
      messages: [
        { role: 'user', content: 'q\nnote' },
        { role: 'assistant', content: 'env' },
      ],
    });
  });

  it('turns tool calls into tool_use blocks and tool results into one user turn', () => {
    const converted = toAnthropicMessages([
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'toolu_1', name: 'search', parameters: { q: 'paris' } },
          { id: 'toolu_2', name: 'clock', parameters: '{"tz":"CET"}' },
          { id: 'toolu_3', name: 'broken', parameters: 'not json' },
        ],
      },
      { role: 'tool', content: 'sunny', toolCallId: 'toolu_1' },
      { role: 'tool', content: '12:00', toolCallId: 'toolu_2' },
      { role: 'user', content: '' },
    ]);

    expect(converted.messages).toEqual([
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_1', name: 'search', input: { q: 'paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'clock', input: { tz: 'CET' } },
          { type: 'tool_use', id: 'toolu_3', name: 'broken', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: '12:00' },
        ],
      },
    ]);
  });
});

describe('toAnthropicTools', () => {
  it("puts OpenAI's parameters in input_schema", () => {
    expect(
      toAnthropicTools([
        {
          type: 'function',
          function: {
            name: 'search',
            description: 'Search the web',
            parameters: { type: 'object', properties: { q: { type: 'string' } } },
          },
        },
        { type: 'function', function: { name: 'clock', parameters: {} } },
      ]),
    ).toEqual([
      {
        name: 'search',
        description: 'Search the web',
        input_schema: { type: 'object', properties: { q: { type: 'string' } } },
      },
      { name: 'clock', input_schema: { type: 'object' } },
    ]);
  });
});

describe('fromAnthropicContent', () => {
  it('joins the text blocks and returns tool uses as tool calls', () => {
    expect(
      fromAnthropicContent([
        { type: 'text', text: 'Let me ', citations: null },
        { type: 'text', text: 'look.', citations: null },
        { type: 'tool_use', id: 'toolu_1', name: 'search', input: { q: 'x' }, caller: null },
      ] as unknown as Parameters<typeof fromAnthropicContent>[0]),
    ).toEqual({
      content: 'Let me look.',
      toolCalls: [{ id: 'toolu_1', name: 'search', parameters: { q: 'x' } }],
    });
  });
});

describe('toFinishReason', () => {
  it("maps stop_reason to OpenAI's finish reasons", () => {
    expect(
      ['end_turn', 'stop_sequence', 'max_tokens', 'tool_use', 'refusal', 'pause_turn'].map(
        toFinishReason,
      ),
    ).toEqual(['stop', 'stop', 'length', 'tool_calls', 'content_filter', 'pause_turn']);
    expect(toFinishReason(null)).toBeNull();
  });
});
