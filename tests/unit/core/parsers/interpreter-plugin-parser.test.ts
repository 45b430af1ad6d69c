import { describe, expect, it } from 'vitest';
import {
  InterpreterParser,
  InvalidArgumentError,
  PluginParser,
  ToolStatusCode,
  defaultPluginValidate,
} from '../../../../core/index.ts';

describe('InterpreterParser', () => {
  it("has InternLM2's interpreter defaults and no validate", () => {
    const parser = new InterpreterParser();
    expect(parser.toolType).toBe('interpreter');
    expect(parser.begin).toBe('<|action_start|><|interpreter|>\n');
    expect(parser.end).toBe('<|action_end|>\n');
    expect(parser.validate).toBeUndefined();
    expect(parser.formatInstruction()).toBe('');
  });

  it('keeps the action as the raw string', () => {
    const parser = new InterpreterParser();
    expect(
      parser.parseResponse(
        'Let me compute.<|action_start|><|interpreter|>\n```python\nprint(1)\n```<|action_end|>\n',
      ),
    ).toStrictEqual({
      toolType: 'interpreter',
      thought: 'Let me compute.',
      action: '```python\nprint(1)\n```',
      status: ToolStatusCode.VALID_TOOL,
    });
  });

  it('ignores the plugin tag', () => {
    const text = 'x<|action_start|><|plugin|>\n{"name": "A"}<|action_end|>\n';
    expect(new InterpreterParser().parseResponse(text)).toStrictEqual({
      toolType: null,
      thought: text,
      action: null,
      status: ToolStatusCode.NO_TOOL,
    });
  });

  it('renders a call back with its tags', () => {
    expect(
      new InterpreterParser().formatResponse({
        toolType: 'interpreter',
        thought: 'Let me compute.',
        action: '```python\n1+1\n```',
        status: ToolStatusCode.VALID_TOOL,
      }),
    ).toBe('Let me compute.<|action_start|><|interpreter|>\n```python\n1+1\n```<|action_end|>\n');
  });

  it('takes a template and overridden options', () => {
    const parser = new InterpreterParser({ template: 'Run code with {begin}', toolType: 'python' });
    expect(parser.toolType).toBe('python');
    expect(parser.formatInstruction()).toBe('Run code with <|action_start|><|interpreter|>\n');
  });
});

describe('PluginParser', () => {
  it("has InternLM2's plugin defaults and validates with defaultPluginValidate", () => {
    const parser = new PluginParser();
    expect(parser.toolType).toBe('plugin');
    expect(parser.begin).toBe('<|action_start|><|plugin|>\n');
    expect(parser.end).toBe('<|action_end|>\n');
    expect(parser.validate).toBe(defaultPluginValidate);
  });

  it("parses the inventory's example into a JSON action", () => {
    const text =
      'I will call.<|action_start|><|plugin|>\n{"name": "A.b", "parameters": {"x": 1}}<|action_end|>\n';
    expect(new PluginParser().parseResponse(text)).toStrictEqual({
      toolType: 'plugin',
      thought: 'I will call.',
      action: { name: 'A.b', parameters: { x: 1 } },
      status: ToolStatusCode.VALID_TOOL,
    });
  });

  it('renders the parsed example back to the same text', () => {
    const text =
      'I will call.<|action_start|><|plugin|>\n{"name": "A.b", "parameters": {"x": 1}}<|action_end|>\n';
    const parser = new PluginParser();
    expect(parser.formatResponse(parser.parseResponse(text))).toBe(text);
  });

  it('reports PARSING_ERROR and keeps the raw text when the action is not a JSON object', () => {
    const parser = new PluginParser();
    expect(
      parser.parseResponse('Call.<|action_start|><|plugin|>\nsearch(q="x")<|action_end|>\n'),
    ).toStrictEqual({
      toolType: 'plugin',
      thought: 'Call.',
      action: 'search(q="x")',
      status: ToolStatusCode.PARSING_ERROR,
    });
    expect(
      parser.parseResponse('Call.<|action_start|><|plugin|>\n{"name": "A",}<|action_end|>\n'),
    ).toStrictEqual({
      toolType: 'plugin',
      thought: 'Call.',
      action: '{"name": "A",}',
      status: ToolStatusCode.PARSING_ERROR,
    });
  });

  it('fills a {prompt} template field', () => {
    const parser = new PluginParser({
      template: 'Tools:\n{prompt}',
      formatFields: { prompt: '[{"name": "A"}]' },
    });
    expect(parser.formatInstruction()).toBe('Tools:\n[{"name": "A"}]');
  });

  it('throws InvalidArgumentError when {prompt} is not given', () => {
    expect(() => new PluginParser({ template: 'Tools:\n{prompt}' })).toThrow(InvalidArgumentError);
  });
});

describe('defaultPluginValidate', () => {
  it('parses a JSON object after trimming', () => {
    expect(defaultPluginValidate('  \n{"name": "A.b", "parameters": {"x": 1}}\n ')).toStrictEqual({
      name: 'A.b',
      parameters: { x: 1 },
    });
  });

  it('rejects text that does not start with { and end with }', () => {
    expect(() => defaultPluginValidate('name: A.b')).toThrow();
    expect(() => defaultPluginValidate('[{"name": "A.b"}]')).toThrow();
    expect(() => defaultPluginValidate('"{}"')).toThrow();
    expect(() => defaultPluginValidate('{"name": "A"} trailing')).toThrow();
    expect(() => defaultPluginValidate('')).toThrow();
  });

  it('rejects braces around invalid JSON', () => {
    expect(() => defaultPluginValidate('{name: A}')).toThrow(SyntaxError);
  });
});
