import { describe, expect, it } from 'vitest';
import {
  InternLMToolAggregator,
  InterpreterParser,
  InvalidArgumentError,
  MixedToolParser,
  PluginParser,
  createAgentMessage,
} from '../../../../core/index.ts';
import type { FewShotMessage } from '../../../../core/index.ts';

const name = 'internlm';

const interpreterReply =
  'Let me compute.<|action_start|><|interpreter|>\n```python\n1+1\n```<|action_end|>\n';
const pluginReply =
  'I will call.<|action_start|><|plugin|>\n{"name": "A.b", "parameters": {"x": 1}}<|action_end|>\n';

function internLMParser(): MixedToolParser {
  return new MixedToolParser({
    template: 'META_CN',
    parsers: [
      new PluginParser({ template: 'PLUGIN_CN' }),
      new InterpreterParser({ template: 'INTERPRETER_CN' }),
    ],
  });
}

const user = (content: unknown, sender = 'user') => createAgentMessage({ sender, content });

describe('InternLMToolAggregator few-shot', () => {
  const shot: FewShotMessage[] = [
    { role: 'system', content: 'Example system' },
    { role: 'user', content: 'What is 1+1?' },
    { role: 'thought', content: 'Let me compute.' },
    { role: 'tool', name: 'interpreter', content: '```python\n1+1\n```' },
    { role: 'environment', content: '2', name: 'interpreter' },
    { role: 'language', content: 'It is 2.' },
    { role: 'assistant', content: 'Anything else?' },
  ];

  it('copies plain roles, renders thought + tool with the parser, thought alone as text', () => {
    const parser = internLMParser();
    const chat = new InternLMToolAggregator({ fewShot: [shot] }).aggregate({
      messages: [user('real question')],
      name,
      parser,
    });
    expect(chat).toStrictEqual([
      { role: 'system', content: 'META_CN' },
      { role: 'system', content: 'PLUGIN_CN', name: 'plugin' },
      { role: 'system', content: 'INTERPRETER_CN', name: 'interpreter' },
      { role: 'system', content: 'Example system' },
      { role: 'user', content: 'What is 1+1?' },
      { role: 'assistant', content: interpreterReply },
      { role: 'environment', content: '2', name: 'interpreter' },
      { role: 'assistant', content: 'It is 2.' },
      { role: 'assistant', content: 'Anything else?' },
      { role: 'user', content: 'real question' },
    ]);
  });

  it('wraps environment turns unless already wrapped', () => {
    const parser = internLMParser();
    const aggregator = new InternLMToolAggregator({
      environmentBegin: '<obs>',
      environmentEnd: '</obs>',
      fewShot: [
        [
          { role: 'environment', content: 'raw' },
          { role: 'environment', content: '<obs>wrapped</obs>' },
          { role: 'environment', content: '<obs>half' },
        ],
      ],
    });
    expect(aggregator.aggregate({ messages: [], name, parser }).slice(3)).toStrictEqual([
      { role: 'environment', content: '<obs>raw</obs>' },
      { role: 'environment', content: '<obs>wrapped</obs>' },
      { role: 'environment', content: '<obs>half</obs>' },
    ]);
  });

  it('uses a custom environment role', () => {
    const parser = internLMParser();
    const aggregator = new InternLMToolAggregator({
      environmentRole: 'function',
      fewShot: [[{ role: 'function', content: 'out', name: 'plugin' }]],
    });
    expect(aggregator.aggregate({ messages: [], name, parser }).at(-1)).toStrictEqual({
      role: 'function',
      content: 'out',
      name: 'plugin',
    });
  });

  it('renders a plugin tool turn with its string action', () => {
    const parser = internLMParser();
    const aggregator = new InternLMToolAggregator({
      fewShot: [
        [
          { role: 'language', content: 'I will call.' },
          { role: 'tool', name: 'plugin', content: '{"name": "A.b", "parameters": {"x": 1}}' },
        ],
      ],
    });
    expect(aggregator.aggregate({ messages: [], name, parser }).at(-1)).toStrictEqual({
      role: 'assistant',
      content: pluginReply,
    });
  });

  it('renders a trailing thought as text', () => {
    const parser = internLMParser();
    const aggregator = new InternLMToolAggregator({
      fewShot: [[{ role: 'thought', content: 'Just thinking.' }]],
    });
    expect(aggregator.aggregate({ messages: [], name, parser }).at(-1)).toStrictEqual({
      role: 'assistant',
      content: 'Just thinking.',
    });
  });

  it('places several dialogues in order', () => {
    const parser = internLMParser();
    const aggregator = new InternLMToolAggregator({
      fewShot: [[{ role: 'user', content: 'u1' }], [{ role: 'user', content: 'u2' }]],
    });
    expect(aggregator.aggregate({ messages: [], name, parser }).slice(3)).toStrictEqual([
      { role: 'user', content: 'u1' },
      { role: 'user', content: 'u2' },
    ]);
  });

  it('throws InvalidArgumentError for an unknown role', () => {
    const parser = internLMParser();
    expect(() =>
      new InternLMToolAggregator({ fewShot: [[{ role: 'critic', content: 'x' }]] }).aggregate({
        messages: [],
        name,
        parser,
      }),
    ).toThrow(InvalidArgumentError);
    expect(() =>
      new InternLMToolAggregator({
        fewShot: [[{ role: 'tool', name: 'interpreter', content: 'x' }]],
      }).aggregate({ messages: [], name, parser }),
    ).toThrow(InvalidArgumentError);
  });

  it('throws InvalidArgumentError for a tool the parser does not know', () => {
    const parser = internLMParser();
    const aggregator = new InternLMToolAggregator({
      fewShot: [
        [
          { role: 'thought', content: 'T' },
          { role: 'tool', name: 'search', content: 'x' },
        ],
      ],
    });
    expect(() => aggregator.aggregate({ messages: [], name, parser })).toThrow(
      InvalidArgumentError,
    );
  });

  it('gives the same messages on every call', () => {
    const parser = internLMParser();
    const aggregator = new InternLMToolAggregator({
      environmentBegin: '<obs>',
      fewShot: [[{ role: 'environment', content: 'raw' }]],
    });
    const first = aggregator.aggregate({ messages: [], name, parser });
    const second = aggregator.aggregate({ messages: [], name, parser });
    expect(second).toStrictEqual(first);
    expect(second.at(-1)).toStrictEqual({ role: 'environment', content: '<obs>raw' });
  });
});
