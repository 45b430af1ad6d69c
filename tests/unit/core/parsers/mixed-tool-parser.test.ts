import { describe, expect, it } from 'vitest';
import {
  InterpreterParser,
  InvalidArgumentError,
  MixedToolParser,
  PluginParser,
  ToolParser,
  ToolStatusCode,
} from '../../../../core/index.ts';

const pluginCall =
  'I will call.<|action_start|><|plugin|>\n{"name": "A.b", "parameters": {"x": 1}}<|action_end|>\n';
const interpreterCall =
  'Let me compute.<|action_start|><|interpreter|>\n```python\n1+1\n```<|action_end|>\n';

function internLMParser(options: { toolType?: string } = {}): MixedToolParser {
  return new MixedToolParser({
    ...options,
    template: 'META {name}',
    formatFields: { name: 'CN' },
    parsers: [
      new PluginParser({ template: 'PLUGIN_CN' }),
      new InterpreterParser({ template: 'INTERPRETER_CN' }),
    ],
  });
}

describe('MixedToolParser.formatInstruction', () => {
  it('gives its own template unnamed, then each sub-parser named by its tool type', () => {
    expect(internLMParser().formatInstruction()).toStrictEqual([
      { role: 'system', content: 'META CN' },
      { role: 'system', content: 'PLUGIN_CN', name: 'plugin' },
      { role: 'system', content: 'INTERPRETER_CN', name: 'interpreter' },
    ]);
  });

  it('names its own template by toolType when set', () => {
    expect(internLMParser({ toolType: 'mixed' }).formatInstruction()[0]).toStrictEqual({
      role: 'system',
      content: 'META CN',
      name: 'mixed',
    });
  });

  it('skips blank instructions', () => {
    const parser = new MixedToolParser({
      toolType: 'mixed',
      template: '  \n ',
      parsers: [
        new PluginParser(),
        new InterpreterParser({ template: 'INTERPRETER_CN' }),
        new ToolParser({ toolType: 'blank', template: '\n\t' }),
      ],
    });
    expect(parser.formatInstruction()).toStrictEqual([
      { role: 'system', content: 'INTERPRETER_CN', name: 'interpreter' },
    ]);
  });

  it('is an empty list with no template and no sub-parser instruction', () => {
    expect(new MixedToolParser({ parsers: [new PluginParser()] }).formatInstruction()).toEqual([]);
  });

  it('throws InvalidArgumentError when a template field is not given', () => {
    expect(() => new MixedToolParser({ template: 'META {name}', parsers: [] })).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('MixedToolParser.parseResponse', () => {
  const parser = internLMParser();

  it('keys the sub-parsers by tool type, in order', () => {
    expect([...parser.parsers.keys()]).toEqual(['plugin', 'interpreter']);
    expect(parser.toolType).toBeNull();
  });

  it('uses the plugin parser for a plugin call', () => {
    expect(parser.parseResponse(pluginCall)).toStrictEqual({
      toolType: 'plugin',
      thought: 'I will call.',
      action: { name: 'A.b', parameters: { x: 1 } },
      status: ToolStatusCode.VALID_TOOL,
    });
  });

  it('uses the interpreter parser for an interpreter call', () => {
    expect(parser.parseResponse(interpreterCall)).toStrictEqual({
      toolType: 'interpreter',
      thought: 'Let me compute.',
      action: '```python\n1+1\n```',
      status: ToolStatusCode.VALID_TOOL,
    });
  });

  it('keeps a plugin PARSING_ERROR (the plugin parser matched)', () => {
    expect(
      parser.parseResponse('Oops.<|action_start|><|plugin|>\nnot json<|action_end|>\n'),
    ).toStrictEqual({
      toolType: 'plugin',
      thought: 'Oops.',
      action: 'not json',
      status: ToolStatusCode.PARSING_ERROR,
    });
  });

  it('falls back to NO_TOOL when no sub-parser finds its tag', () => {
    expect(parser.parseResponse('The answer is 2.')).toStrictEqual({
      toolType: null,
      thought: 'The answer is 2.',
      action: null,
      status: ToolStatusCode.NO_TOOL,
    });
  });

  it('lets the first sub-parser in order win when both tags are present', () => {
    const both = `${interpreterCall}${pluginCall}`;
    expect(parser.parseResponse(both).toolType).toBe('plugin');
    const reversed = new MixedToolParser({
      parsers: [new InterpreterParser(), new PluginParser()],
    });
    expect(reversed.parseResponse(both)).toStrictEqual({
      toolType: 'interpreter',
      thought: 'Let me compute.',
      action: '```python\n1+1\n```',
      status: ToolStatusCode.VALID_TOOL,
    });
  });

  it('returns NO_TOOL with no sub-parsers', () => {
    expect(new MixedToolParser({ parsers: [] }).parseResponse('x')).toStrictEqual({
      toolType: null,
      thought: 'x',
      action: null,
      status: ToolStatusCode.NO_TOOL,
    });
  });

  it('keeps the later of two sub-parsers with the same tool type, at the first position', () => {
    const replaced = new MixedToolParser({
      parsers: [
        new ToolParser({ toolType: 'a', begin: '<a>', end: '</a>' }),
        new ToolParser({ toolType: 'b', begin: '<b>', end: '</b>' }),
        new ToolParser({ toolType: 'a', begin: '[a]', end: '[/a]' }),
      ],
    });
    expect([...replaced.parsers.keys()]).toEqual(['a', 'b']);
    expect(replaced.parseResponse('x<a>y</a>').status).toBe(ToolStatusCode.NO_TOOL);
    expect(replaced.parseResponse('x[a]y[/a]')).toStrictEqual({
      toolType: 'a',
      thought: 'x',
      action: 'y',
      status: ToolStatusCode.VALID_TOOL,
    });
  });
});

describe('MixedToolParser.formatResponse', () => {
  const parser = internLMParser();

  it('dispatches a plugin call to the plugin parser', () => {
    expect(parser.formatResponse(parser.parseResponse(pluginCall))).toBe(pluginCall);
  });

  it('dispatches an interpreter call to the interpreter parser', () => {
    expect(parser.formatResponse(parser.parseResponse(interpreterCall))).toBe(interpreterCall);
  });

  it('returns the thought when the action is null', () => {
    expect(
      parser.formatResponse({
        toolType: null,
        thought: 'Done.',
        action: null,
        status: ToolStatusCode.NO_TOOL,
      }),
    ).toBe('Done.');
  });

  it('throws InvalidArgumentError for a tool type it has no parser for', () => {
    expect(() =>
      parser.formatResponse({ toolType: 'search', thought: 'T', action: 'x', status: 1 }),
    ).toThrow(InvalidArgumentError);
    expect(() =>
      parser.formatResponse({ toolType: null, thought: 'T', action: 'x', status: 1 }),
    ).toThrow(InvalidArgumentError);
  });
});
