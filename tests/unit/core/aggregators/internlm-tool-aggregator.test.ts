// InternLMToolAggregator on memory: Lagent's verified second call of AgentForInternLM
// (inventory 3.5), the environment role, user names, skipped parse errors, and the parser's
// instruction messages.
import { describe, expect, it } from 'vitest';
import {
  ActionStatusCode,
  InternLMToolAggregator,
  InterpreterParser,
  InvalidArgumentError,
  MixedToolParser,
  PluginParser,
  ToolParser,
  ToolStatusCode,
  createActionReturn,
  createAgentMessage,
} from '../../../../core/index.ts';

const name = 'internlm';

const interpreterReply =
  'Let me compute.<|action_start|><|interpreter|>\n```python\n1+1\n```<|action_end|>\n';

function internLMParser(): MixedToolParser {
  return new MixedToolParser({
    template: 'META_CN',
    parsers: [
      new PluginParser({ template: 'PLUGIN_CN' }),
      new InterpreterParser({ template: 'INTERPRETER_CN' }),
    ],
  });
}

function reply(parser: MixedToolParser | ToolParser, content: string) {
  return createAgentMessage({ sender: name, content, formatted: parser.parseResponse(content) });
}

const from = (sender: string, content: unknown) => createAgentMessage({ sender, content });

describe('InternLMToolAggregator with memory', () => {
  it("gives Lagent's verified second call of AgentForInternLM", () => {
    const parser = internLMParser();
    const chat = new InternLMToolAggregator().aggregate({
      messages: [
        from('user', 'q'),
        reply(parser, interpreterReply),
        from('ActionExecutor', 'ECHO:```python\n1+1\n```'),
      ],
      name,
      parser,
    });

    expect(chat).toStrictEqual([
      { role: 'system', content: 'META_CN' },
      { role: 'system', content: 'PLUGIN_CN', name: 'plugin' },
      { role: 'system', content: 'INTERPRETER_CN', name: 'interpreter' },
      { role: 'user', content: 'q' },
      { role: 'assistant', content: interpreterReply },
      { role: 'environment', content: 'ECHO:```python\n1+1\n```', name: 'interpreter' },
    ]);
  });

  it('puts the system instruction first, then the tool instruction named by tool type', () => {
    const parser = new ToolParser({
      toolType: 'code interpreter',
      template: 'Write code in {begin}...{end}',
    });
    const chat = new InternLMToolAggregator().aggregate({
      messages: [from('user', 'hi')],
      name,
      parser,
      systemInstruction: 'You are a coder.',
    });

    expect(chat).toStrictEqual([
      { role: 'system', content: 'You are a coder.' },
      { role: 'system', content: 'Write code in <tool>\n...</tool>\n', name: 'code interpreter' },
      { role: 'user', content: 'hi' },
    ]);
  });

  it('adds no tool instruction when the parser template is empty', () => {
    const parser = new ToolParser({
      toolType: 'code interpreter',
      begin: '```python\n',
      end: '\n```\n',
    });
    const chat = new InternLMToolAggregator().aggregate({
      messages: [from('user', 'hi')],
      name,
      parser,
    });

    expect(chat).toStrictEqual([{ role: 'user', content: 'hi' }]);
  });

  it('wraps tool results in environmentBegin/End under the configured role, without a name before any tool call', () => {
    const parser = new ToolParser({
      toolType: 'code interpreter',
      begin: '```python\n',
      end: '\n```\n',
    });
    const chat = new InternLMToolAggregator({
      environmentRole: 'tool',
      environmentBegin: '<output>',
      environmentEnd: '</output>',
    }).aggregate({
      messages: [
        from('user', 'hi'),
        from('ActionExecutor', 'early'),
        reply(parser, 'Run.```python\nx = 1'),
        from('ActionExecutor', 'ok'),
      ],
      name,
      parser,
    });

    expect(chat).toStrictEqual([
      { role: 'user', content: 'hi' },
      { role: 'tool', content: '<output>early</output>' },
      { role: 'assistant', content: 'Run.```python\nx = 1\n```\n' },
      { role: 'tool', content: '<output>ok</output>', name: 'code interpreter' },
    ]);
  });

  it('treats every sender in userNames as the user, others as the environment', () => {
    const parser = new ToolParser({ toolType: 'code interpreter' });
    const chat = new InternLMToolAggregator({ userNames: ['user', 'planner'] }).aggregate({
      messages: [from('planner', 'plan'), from('user', 'go'), from('critic', 'meh')],
      name,
      parser,
    });

    expect(chat).toStrictEqual([
      { role: 'user', content: 'plan' },
      { role: 'user', content: 'go' },
      { role: 'environment', content: 'meh' },
    ]);
  });

  it('skips its own turns whose tool call failed to parse', () => {
    const parser = new PluginParser();
    const broken = reply(parser, 'Call.<|action_start|><|plugin|>\nnot json<|action_end|>\n');
    expect(broken.formatted).toMatchObject({ status: ToolStatusCode.PARSING_ERROR });

    const chat = new InternLMToolAggregator().aggregate({
      messages: [from('user', 'q'), broken, from('ActionExecutor', 'Please follow the format')],
      name,
      parser,
    });

    expect(chat).toStrictEqual([
      { role: 'user', content: 'q' },
      { role: 'environment', content: 'Please follow the format' },
    ]);
  });

  it('renders own messages without a tool-parser formatted as their text', () => {
    const parser = new ToolParser({ toolType: 'code interpreter' });
    const chat = new InternLMToolAggregator().aggregate({
      messages: [createAgentMessage({ sender: name, content: 'plain answer' })],
      name,
      parser,
    });

    expect(chat).toStrictEqual([{ role: 'assistant', content: 'plain answer' }]);
  });

  it('renders an ActionReturn result as its text, a failed one as its errmsg', () => {
    const parser = new ToolParser({ toolType: 'code interpreter' });
    const ok = createActionReturn({
      result: [
        { type: 'text', content: '3969.0' },
        { type: 'image', content: 'a.png' },
      ],
    });
    const failed = createActionReturn({
      errmsg: 'NameError: x',
      state: ActionStatusCode.API_ERROR,
    });

    const chat = new InternLMToolAggregator().aggregate({
      messages: [from('ActionExecutor', ok), from('ActionExecutor', failed)],
      name,
      parser,
    });

    expect(chat).toStrictEqual([
      { role: 'environment', content: '3969.0\n[image](a.png)' },
      { role: 'environment', content: 'NameError: x' },
    ]);
  });

  it('needs an output parser', () => {
    expect(() => new InternLMToolAggregator().aggregate({ messages: [], name })).toThrow(
      InvalidArgumentError,
    );
  });
});
