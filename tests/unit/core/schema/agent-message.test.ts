// AgentMessage (inventory 2): Lagent's defaults, and parseAgentMessage on our camelCase
// form and on Lagent's Python model_dump() (snake_case `extra_info`, `stream_state`,
// `formatted.tool_type`).
import { describe, expect, it } from 'vitest';
import {
  AgentStatusCode,
  ToolStatusCode,
  ValidationError,
  createAgentMessage,
  isAgentMessage,
  parseAgentMessage,
} from '../../../../core/index.ts';

describe('createAgentMessage', () => {
  it("fills Lagent's defaults: sender 'user', stream state END, the rest null", () => {
    expect(createAgentMessage({ content: 'hi' })).toEqual({
      content: 'hi',
      sender: 'user',
      formatted: null,
      extraInfo: null,
      type: null,
      receiver: null,
      streamState: AgentStatusCode.END,
    });
    expect(AgentStatusCode.END).toBe(0);
  });

  it('keeps every field it is given', () => {
    expect(
      createAgentMessage({
        content: { name: 'A.b', parameters: {} },
        sender: 'Agent',
        formatted: { thought: 't' },
        extraInfo: { step: 2 },
        type: 'tool',
        receiver: 'ActionExecutor',
        streamState: AgentStatusCode.STREAM_ING,
      }),
    ).toEqual({
      content: { name: 'A.b', parameters: {} },
      sender: 'Agent',
      formatted: { thought: 't' },
      extraInfo: { step: 2 },
      type: 'tool',
      receiver: 'ActionExecutor',
      streamState: 1,
    });
  });

  it('keeps falsy values that are not null or undefined', () => {
    const message = createAgentMessage({ content: '', formatted: 0, extraInfo: false });

    expect(message.content).toBe('');
    expect(message.formatted).toBe(0);
    expect(message.extraInfo).toBe(false);
  });

  it('is plain JSON-serialisable data', () => {
    const message = createAgentMessage({ content: 'hi', sender: 'Agent' });

    expect(JSON.stringify(message)).toBe(
      '{"content":"hi","sender":"Agent","formatted":null,"extraInfo":null,"type":null,"receiver":null,"streamState":0}',
    );
  });
});

describe('parseAgentMessage', () => {
  it('reads a message in our camelCase form', () => {
    const message = createAgentMessage({
      content: 'hi',
      sender: 'Agent',
      extraInfo: { a: 1 },
      streamState: AgentStatusCode.PLUGIN_RETURN,
    });

    expect(parseAgentMessage(message)).toEqual(message);
  });

  it("reads Lagent's Python dump of a ToolParser reply", () => {
    const dumped = {
      content:
        'I will call.<|action_start|><|plugin|>\n{"name": "A.b", "parameters": {"x": 1}}<|action_end|>\n',
      sender: 'Agent',
      formatted: {
        tool_type: 'plugin',
        thought: 'I will call.',
        action: { name: 'A.b', parameters: { x: 1 } },
        status: 1,
      },
      extra_info: { turn: 1 },
      type: null,
      receiver: null,
      stream_state: 0,
    };

    expect(parseAgentMessage(dumped)).toEqual({
      content: dumped.content,
      sender: 'Agent',
      formatted: {
        toolType: 'plugin',
        thought: 'I will call.',
        action: { name: 'A.b', parameters: { x: 1 } },
        status: ToolStatusCode.VALID_TOOL,
      },
      extraInfo: { turn: 1 },
      type: null,
      receiver: null,
      streamState: AgentStatusCode.END,
    });
  });

  it('reads a dumped NO_TOOL reply with tool_type None', () => {
    const parsed = parseAgentMessage({
      content: 'The answer is 4.',
      sender: 'Agent',
      formatted: { tool_type: null, thought: 'The answer is 4.', action: null, status: 0 },
      extra_info: null,
      type: null,
      receiver: null,
      stream_state: 0,
    });

    expect(parsed.formatted).toEqual({
      toolType: null,
      thought: 'The answer is 4.',
      action: null,
      status: ToolStatusCode.NO_TOOL,
    });
  });

  it('reads a dumped streaming state', () => {
    expect(parseAgentMessage({ content: 'x', stream_state: 6 }).streamState).toBe(
      AgentStatusCode.CODING,
    );
  });

  it('leaves a formatted value without tool_type as it is', () => {
    const formatted = { thought_process: 'think', action: { name: 'A', parameters: {} } };

    expect(parseAgentMessage({ content: 'x', formatted }).formatted).toEqual(formatted);
  });

  it('fills the defaults for fields the data leaves out', () => {
    expect(parseAgentMessage({ content: 'hi' })).toEqual(createAgentMessage({ content: 'hi' }));
  });

  it('drops keys that are not message fields', () => {
    expect(parseAgentMessage({ content: 'hi', unknown: 1 })).toEqual(
      createAgentMessage({ content: 'hi' }),
    );
  });

  it('throws ValidationError naming the subject and the field', () => {
    expect(() => parseAgentMessage({ sender: 'user' }, 'state_dict["memory"][0]')).toThrow(
      new ValidationError({
        subject: 'state_dict["memory"][0]',
        issues: ['content: Invalid input'],
      }),
    );
    try {
      parseAgentMessage({ content: 'x', stream_state: 42 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({
        code: 'VALIDATION_FAILED',
        subject: 'AgentMessage',
        issues: ['streamState: not an AgentStatusCode value'],
        message: 'Invalid AgentMessage: streamState: not an AgentStatusCode value',
      });
    }
  });

  it.each([
    ['a string', 'hi', '(root): Invalid input: expected object, received string'],
    ['null', null, '(root): Invalid input: expected object, received null'],
    [
      'a numeric sender',
      { content: 'x', sender: 3 },
      'sender: Invalid input: expected string, received number',
    ],
    ['content that is not JSON', { content: () => 1 }, 'content: Invalid input'],
    [
      'a numeric type',
      { content: 'x', type: 1 },
      'type: Invalid input: expected string, received number',
    ],
  ])('rejects %s', (_label, value, issue) => {
    expect(() => parseAgentMessage(value)).toThrow(`Invalid AgentMessage: ${issue}`);
  });
});

describe('isAgentMessage', () => {
  it('is true for objects with content and a string sender', () => {
    expect(isAgentMessage(createAgentMessage({ content: null }))).toBe(true);
    expect(isAgentMessage({ content: 'x', sender: 'user' })).toBe(true);
  });

  it('is false for strings, missing content and non-string senders', () => {
    expect(isAgentMessage('hi')).toBe(false);
    expect(isAgentMessage({ sender: 'user' })).toBe(false);
    expect(isAgentMessage({ content: 'x', sender: 1 })).toBe(false);
    expect(isAgentMessage(null)).toBe(false);
  });
});
