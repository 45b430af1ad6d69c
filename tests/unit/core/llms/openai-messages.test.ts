import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../../core/llms/chat-model.ts';
import { fromApiToolCall, toApiMessages } from '../../../../core/llms/openai-messages.ts';

describe('toApiMessages', () => {
  it('sends the environment role as system and merges it into a preceding system message', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You are helpful.' },
      { role: 'environment', content: 'Tools: none.' },
      { role: 'user', content: 'hi' },
      { role: 'environment', content: 'result' },
    ];

    expect(toApiMessages(messages)).toEqual([
      { role: 'system', content: 'You are helpful.\nTools: none.' },
      { role: 'user', content: 'hi' },
      { role: 'system', content: 'result' },
    ]);
  });

  it("merges consecutive messages of one role with '\\n' and does not change the input", () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'one' },
      { role: 'user', content: 'two' },
      { role: 'user', content: 'three' },
      { role: 'assistant', content: 'a' },
      { role: 'assistant', content: 'b' },
    ];
    const before = structuredClone(messages);

    expect(toApiMessages(messages)).toEqual([
      { role: 'user', content: 'one\ntwo\nthree' },
      { role: 'assistant', content: 'a\nb' },
    ]);
    expect(messages).toEqual(before);
  });

  it('keeps a name only when every merged message has the same one', () => {
    expect(
      toApiMessages([
        { role: 'user', content: 'a', name: 'bob' },
        { role: 'user', content: 'b', name: 'bob' },
        { role: 'assistant', content: 'c', name: 'bob' },
        { role: 'assistant', content: 'd', name: 'eve' },
        { role: 'system', content: 'e', name: 'bob' },
        { role: 'system', content: 'f' },
      ]),
    ).toEqual([
      { role: 'user', content: 'a\nb', name: 'bob' },
      { role: 'assistant', content: 'c\nd' },
      { role: 'system', content: 'e\nf' },
    ]);
  });

  it('does not merge when told not to', () => {
    expect(
      toApiMessages(
        [
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
        ],
        { merge: false },
      ),
    ).toEqual([
      { role: 'user', content: 'a' },
      { role: 'user', content: 'b' },
    ]);
  });

  it('uses the given role map instead of the default one', () => {
    expect(
      toApiMessages(
        [
          { role: 'environment', content: 'e' },
          { role: 'system', content: 's' },
        ],
        { roleMap: { environment: 'user' } },
      ),
    ).toEqual([
      { role: 'user', content: 'e' },
      { role: 'system', content: 's' },
    ]);
  });

  it('sends tool calls as tool_calls with JSON arguments and merges neither them nor tool results', () => {
    const messages: ChatMessage[] = [
      { role: 'assistant', content: 'Thinking.' },
      {
        role: 'assistant',
        content: null,
        toolCalls: [
          { id: 'call_1', name: 'search', parameters: { q: '天气', n: 2 } },
          { id: 'call_2', name: 'calc', parameters: '{"expr":"1+1"}' },
        ],
      },
      { role: 'assistant', content: 'After the call.' },
      { role: 'tool', content: 'sunny', toolCallId: 'call_1' },
      { role: 'tool', content: '2', toolCallId: 'call_2' },
      { role: 'user', content: 'thanks' },
    ];

    expect(toApiMessages(messages)).toEqual([
      { role: 'assistant', content: 'Thinking.' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'search', arguments: '{"q": "天气", "n": 2}' },
          },
          {
            id: 'call_2',
            type: 'function',
            function: { name: 'calc', arguments: '{"expr":"1+1"}' },
          },
        ],
      },
      { role: 'assistant', content: 'After the call.' },
      { role: 'tool', content: 'sunny', tool_call_id: 'call_1' },
      { role: 'tool', content: '2', tool_call_id: 'call_2' },
      { role: 'user', content: 'thanks' },
    ]);
  });

  it('sends an empty string for null content outside assistant messages', () => {
    expect(
      toApiMessages([
        { role: 'system', content: null },
        { role: 'user', content: null },
        { role: 'assistant', content: null },
      ]),
    ).toEqual([
      { role: 'system', content: '' },
      { role: 'user', content: '' },
      { role: 'assistant', content: null },
    ]);
  });
});

describe('fromApiToolCall', () => {
  it('parses JSON object arguments and keeps anything else as text', () => {
    expect(fromApiToolCall({ id: 'c1', name: 'search', arguments: '{"q":"x"}' })).toEqual({
      id: 'c1',
      name: 'search',
      parameters: { q: 'x' },
      arguments: '{"q":"x"}',
    });
    expect(fromApiToolCall({ id: 'c2', name: 'noop', arguments: '' }).parameters).toEqual({});
    expect(fromApiToolCall({ id: 'c3', name: 'bad', arguments: '{"q":' }).parameters).toBe('{"q":');
    expect(fromApiToolCall({ id: 'c4', name: 'list', arguments: '[1, 2]' }).parameters).toBe(
      '[1, 2]',
    );
  });
});

describe('tool calls in the history', () => {
  it("send the model's own argument text back: 1.0, big integers and key order as written", () => {
    const written = '{"x": 1.0, "big": 12345678901234567890, "2": "b", "1": "a"}';
    const call = fromApiToolCall({ id: 'c1', name: 'calc', arguments: written });
    const [assistant] = toApiMessages([{ role: 'assistant', content: null, toolCalls: [call] }]);
    expect(assistant).toMatchObject({
      tool_calls: [{ id: 'c1', function: { name: 'calc', arguments: written } }],
    });
  });

  it('write the parameters as Python would once a hook has changed them', () => {
    const call = fromApiToolCall({ id: 'c1', name: 'calc', arguments: '{"x": 1.0}' });
    const changed = { ...call, parameters: { x: 2 } };
    const [assistant] = toApiMessages([{ role: 'assistant', content: null, toolCalls: [changed] }]);
    expect(assistant).toMatchObject({
      tool_calls: [{ function: { arguments: '{"x": 2}' } }],
    });
  });
});
