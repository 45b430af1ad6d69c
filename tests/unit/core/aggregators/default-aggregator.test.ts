import { describe, expect, it } from 'vitest';
import {
  ActionStatusCode,
  Agent,
  DefaultAggregator,
  InvalidArgumentError,
  StrParser,
  ToolStatusCode,
  contentToText,
  createActionReturn,
  createAgentMessage,
} from '../../../../core/index.ts';
import type {
  AggregateOptions,
  Aggregator,
  ChatMessage,
  ChatModel,
  ChatRequest,
  SystemInstruction,
} from '../../../../core/index.ts';

const aggregator = new DefaultAggregator();
const name = 'Agent';

const user = (content: unknown, sender = 'user') => createAgentMessage({ sender, content });
const own = (content: unknown, formatted: unknown = null) =>
  createAgentMessage({ sender: name, content, formatted });

describe('DefaultAggregator system instruction', () => {
  it('turns a string into one system message', () => {
    expect(aggregator.aggregate({ messages: [], name, systemInstruction: 'Be brief.' })).toEqual([
      { role: 'system', content: 'Be brief.' },
    ]);
  });

  it('takes one message as it is', () => {
    expect(
      aggregator.aggregate({
        messages: [],
        name,
        systemInstruction: { role: 'system', content: 'S', name: 'meta' },
      }),
    ).toStrictEqual([{ role: 'system', content: 'S', name: 'meta' }]);
  });

  it('takes a list of messages in order', () => {
    const instruction: SystemInstruction = [
      { role: 'system', content: 'S1' },
      { role: 'system', content: 'S2', name: 'plugin' },
    ];
    expect(
      aggregator.aggregate({ messages: [user('hi')], name, systemInstruction: instruction }),
    ).toStrictEqual([
      { role: 'system', content: 'S1' },
      { role: 'system', content: 'S2', name: 'plugin' },
      { role: 'user', content: 'hi' },
    ]);
  });

  it('adds nothing for an empty or missing instruction', () => {
    expect(aggregator.aggregate({ messages: [user('hi')], name, systemInstruction: '' })).toEqual([
      { role: 'user', content: 'hi' },
    ]);
    expect(aggregator.aggregate({ messages: [user('hi')], name })).toEqual([
      { role: 'user', content: 'hi' },
    ]);
  });

  it('throws InvalidArgumentError for a list item without role or content', () => {
    const missingContent = [{ role: 'system', content: 'ok' }, { role: 'system' }];
    expect(() =>
      aggregator.aggregate({
        messages: [],
        name,
        systemInstruction: missingContent as unknown as SystemInstruction,
      }),
    ).toThrow(InvalidArgumentError);
    expect(() =>
      DefaultAggregator.aggregateSystemInstruction([
        { content: 'no role' },
      ] as unknown as SystemInstruction),
    ).toThrow(InvalidArgumentError);
  });

  it('throws InvalidArgumentError for a list item that is not an object', () => {
    expect(() =>
      DefaultAggregator.aggregateSystemInstruction(['text'] as unknown as SystemInstruction),
    ).toThrow(InvalidArgumentError);
  });

  it('does not change the agent template when user turns are appended', () => {
    const template: ChatMessage[] = [{ role: 'user', content: 'Example: ' }];
    const chat = aggregator.aggregate({
      messages: [user('question')],
      name,
      systemInstruction: template,
    });
    expect(chat).toEqual([{ role: 'user', content: 'Example: question' }]);
    expect(template).toEqual([{ role: 'user', content: 'Example: ' }]);
  });
});

describe('DefaultAggregator memory', () => {
  it('makes own messages assistant turns and others user turns', () => {
    expect(
      aggregator.aggregate({
        messages: [user('q1'), own('a1'), user('q2', 'ActionExecutor'), own('a2')],
        name,
        systemInstruction: 'S',
      }),
    ).toStrictEqual([
      { role: 'system', content: 'S' },
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'q2' },
      { role: 'assistant', content: 'a2' },
    ]);
  });

  it('joins consecutive non-own messages with no separator', () => {
    expect(
      aggregator.aggregate({
        messages: [user('hello'), user(' world', 'other'), own('ok'), user('a'), user('b')],
        name,
      }),
    ).toStrictEqual([
      { role: 'user', content: 'hello world' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'ab' },
    ]);
  });

  it('ignores the parser', () => {
    const options: AggregateOptions = {
      messages: [user('q'), own('a<tool>\nx', { toolType: 'tool', thought: 'a', action: 'x' })],
      name,
      parser: new StrParser({ template: 'ignored' }),
    };
    expect(aggregator.aggregate(options)).toStrictEqual([
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'a<tool>\nx' },
    ]);
  });

  it('renders an ActionReturn as its result text, or its errmsg when it failed', () => {
    const ok = createActionReturn({
      type: 'Calc',
      result: [
        { type: 'text', content: 'hello' },
        { type: 'image', content: '/tmp/a.png' },
      ],
    });
    const failed = createActionReturn({
      type: 'Calc',
      errmsg: 'invalid API: sub',
      state: ActionStatusCode.API_ERROR,
    });
    expect(
      aggregator.aggregate({
        messages: [user(ok, 'ActionExecutor'), own('next'), user(failed, 'ActionExecutor')],
        name,
      }),
    ).toStrictEqual([
      { role: 'user', content: 'hello\n[image](/tmp/a.png)' },
      { role: 'assistant', content: 'next' },
      { role: 'user', content: 'invalid API: sub' },
    ]);
    expect(contentToText(createActionReturn({ state: ActionStatusCode.ARGS_ERROR }))).toBe('');
    expect(contentToText(createActionReturn())).toBe('');
  });

  // Lagent: assistant turns are str(message.content); user turns keep the content as it is
  // (a dict would reach the model client as a dict), here str() too, since turns are text.
  it("renders other content as Python's str()", () => {
    expect(
      aggregator.aggregate({
        messages: [
          user({ a: 1, b: ['x', "it's"], c: { d: null, e: true, f: 1.5 } }),
          own([1, 'y', false, 0.00001, 1e16]),
          user('then '),
          user(['a\'b"c', 'tab\tnew\nline\\']),
        ],
        name,
      }),
    ).toStrictEqual([
      {
        role: 'user',
        content: `{'a': 1, 'b': ['x', "it's"], 'c': {'d': None, 'e': True, 'f': 1.5}}`,
      },
      { role: 'assistant', content: "[1, 'y', False, 1e-05, 1e+16]" },
      { role: 'user', content: `then ['a\\'b"c', 'tab\\tnew\\nline\\\\']` },
    ]);
  });
});

describe('DefaultAggregator native tool calls', () => {
  const toolCalls = [
    { id: 'call_1', name: 'Calc.add', parameters: { a: 1, b: 2 } },
    { id: 'call_2', name: 'search', parameters: '{"q": "x"}' },
  ];

  it('turns an own message with function calls into an assistant message with toolCalls', () => {
    const reply = own('Let me add.', {
      toolType: 'function',
      thought: 'Let me add.',
      action: toolCalls,
      status: ToolStatusCode.VALID_TOOL,
    });
    expect(aggregator.aggregate({ messages: [user('1+2?'), reply], name })).toStrictEqual([
      { role: 'user', content: '1+2?' },
      { role: 'assistant', content: 'Let me add.', toolCalls },
    ]);
  });

  it('gives null content when the thought is empty', () => {
    const reply = own('', { toolType: 'function', thought: '', action: toolCalls, status: 1 });
    expect(aggregator.aggregate({ messages: [reply], name })).toStrictEqual([
      { role: 'assistant', content: null, toolCalls },
    ]);
  });

  it('turns a list of ActionReturns with toolCallId into one tool message each', () => {
    const results = [
      createActionReturn({
        type: 'Calc',
        result: [{ type: 'text', content: '3' }],
        toolCallId: 'call_1',
      }),
      createActionReturn({
        type: 'search',
        errmsg: 'rate limited',
        state: ActionStatusCode.API_ERROR,
        toolCallId: 'call_2',
      }),
    ];
    const reply = own('Let me add.', {
      toolType: 'function',
      thought: 'Let me add.',
      action: toolCalls,
      status: ToolStatusCode.VALID_TOOL,
    });
    expect(
      aggregator.aggregate({
        messages: [
          user('1+2?'),
          reply,
          user(results, 'ActionExecutor'),
          own('It is 3.'),
          user('thanks'),
        ],
        name,
        systemInstruction: 'S',
      }),
    ).toStrictEqual([
      { role: 'system', content: 'S' },
      { role: 'user', content: '1+2?' },
      { role: 'assistant', content: 'Let me add.', toolCalls },
      { role: 'tool', content: '3', toolCallId: 'call_1' },
      { role: 'tool', content: 'rate limited', toolCallId: 'call_2' },
      { role: 'assistant', content: 'It is 3.' },
      { role: 'user', content: 'thanks' },
    ]);
  });

  it('starts a new user turn after tool messages', () => {
    const results = [
      createActionReturn({ result: [{ type: 'text', content: 'r' }], toolCallId: 'c' }),
    ];
    expect(
      aggregator.aggregate({ messages: [user(results, 'ActionExecutor'), user('more')], name }),
    ).toStrictEqual([
      { role: 'tool', content: 'r', toolCallId: 'c' },
      { role: 'user', content: 'more' },
    ]);
  });

  it('keeps an own message whose formatted tool type is not function as plain text', () => {
    const reply = own('Run.<tool>\nx', {
      toolType: 'tool',
      thought: 'Run.',
      action: 'x',
      status: ToolStatusCode.VALID_TOOL,
    });
    expect(aggregator.aggregate({ messages: [reply], name })).toStrictEqual([
      { role: 'assistant', content: 'Run.<tool>\nx' },
    ]);
  });

  it('treats ActionReturns without toolCallId as one user turn', () => {
    const results = [
      createActionReturn({ result: [{ type: 'text', content: 'a' }] }),
      createActionReturn({ result: [{ type: 'text', content: 'b' }], toolCallId: 'c' }),
    ];
    const [message] = aggregator.aggregate({ messages: [user(results, 'ActionExecutor')], name });
    expect(message?.role).toBe('user');
    expect(message?.toolCallId).toBeUndefined();
  });
});

// The seed README's FewshotAggregator, ported: a subclass that puts example turns after
// the system instruction and otherwise aggregates like DefaultAggregator.
class FewshotAggregator extends DefaultAggregator {
  readonly fewShot: readonly ChatMessage[];

  constructor(fewShot: readonly ChatMessage[] = []) {
    super();
    this.fewShot = fewShot;
  }

  override aggregate({ messages, name: agentName, systemInstruction }: AggregateOptions) {
    const chat: ChatMessage[] = [];
    if (systemInstruction) {
      chat.push(...DefaultAggregator.aggregateSystemInstruction(systemInstruction));
    }
    chat.push(...this.fewShot.map((message) => ({ ...message })));
    for (const message of messages) {
      const previous = chat.at(-1);
      if (message.sender === agentName) {
        chat.push({ role: 'assistant', content: contentToText(message.content) });
      } else if (previous?.role === 'user') {
        previous.content = (previous.content ?? '') + contentToText(message.content);
      } else {
        chat.push({ role: 'user', content: contentToText(message.content) });
      }
    }
    return chat;
  }
}

describe('FewshotAggregator (seed pattern)', () => {
  const fewShot: ChatMessage[] = [
    { role: 'user', content: '今天天气' },
    { role: 'assistant', content: '【晴】' },
  ];

  it('puts the examples between the system instruction and memory', () => {
    expect(
      new FewshotAggregator(fewShot).aggregate({
        messages: [user('昨天天气')],
        name,
        systemInstruction: 'You report the weather.',
      }),
    ).toStrictEqual([
      { role: 'system', content: 'You report the weather.' },
      { role: 'user', content: '今天天气' },
      { role: 'assistant', content: '【晴】' },
      { role: 'user', content: '昨天天气' },
    ]);
  });

  it('drives an Agent like the seed example', async () => {
    const requests: ChatRequest[] = [];
    const llm: ChatModel = {
      chat(request) {
        requests.push(request);
        return { content: '【多云转晴,夜间有轻微降温】', toolCalls: [], finishReason: 'stop' };
      },
    };
    const fewshot: Aggregator = new FewshotAggregator(fewShot);
    const agent = new Agent({ llm, aggregator: fewshot });
    const reply = await agent.call(user('昨天天气'));

    expect(requests[0]?.messages).toStrictEqual([
      { role: 'user', content: '今天天气' },
      { role: 'assistant', content: '【晴】' },
      { role: 'user', content: '昨天天气' },
    ]);
    expect(reply).toMatchObject({
      content: '【多云转晴,夜间有轻微降温】',
      sender: 'Agent',
      formatted: null,
    });
    expect(fewShot).toEqual([
      { role: 'user', content: '今天天气' },
      { role: 'assistant', content: '【晴】' },
    ]);
  });
});
