import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidArgumentError, JSONParser, OutputParseError } from '../../../../core/index.ts';

// Lagent's ReAct formats, as zod models.
const ActionFormat = z.object({
  name: z.string().describe('The tool name'),
  parameters: z.record(z.string(), z.unknown()).describe('Arguments of the tool'),
});
const ToolFormat = z.object({
  thought_process: z.string().describe('Why this step is needed'),
  action: ActionFormat.describe('The tool call'),
});
const FinishFormat = z.object({
  thought_process: z.string().describe('Why the task is done'),
  conclusion: z.string().describe('The final answer'),
});

// Fields with defaults, as `Field(default=..., description=...)`.
const SearchFormat = z.object({
  query: z.string().describe('Search query'),
  limit: z.int().default(5).describe('Max results'),
  verbose: z.boolean().default(false),
  tags: z.array(z.string()).describe('Tags'),
  mode: z.string().default('fast'),
  ratio: z.number().default(0.5),
});

function parseError(run: () => unknown): OutputParseError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OutputParseError);
    return error as OutputParseError;
  }
  throw new Error('expected an OutputParseError');
}

describe('JSONParser rendering', () => {
  const parser = new JSONParser({ models: {} });

  it('renders a nested model with // comments, // required and the trailing comma removed', () => {
    // Output of Lagent's JSONParser.format_to_string for the same pydantic models.
    expect(parser.formatToString(ToolFormat)).toBe(
      [
        '{',
        '    // Why this step is needed',
        '    "thought_process": "str",  // required',
        '    // The tool call',
        '    "action": {',
        '        // The tool name',
        '        "name": "str",  // required',
        '        // Arguments of the tool',
        '        "parameters": "dict[str, Any]",  // required',
        '    }',
        '}',
      ].join('\n'),
    );
  });

  it('keeps the last comma when the last line ends in a comment, as Lagent does', () => {
    expect(parser.formatToString(FinishFormat)).toBe(
      [
        '{',
        '    // Why the task is done',
        '    "thought_process": "str",  // required',
        '    // The final answer',
        '    "conclusion": "str",  // required',
        '}',
      ].join('\n'),
    );
  });

  it('renders defaults as Python str() and types as Python names', () => {
    expect(parser.formatToString(SearchFormat)).toBe(
      [
        '{',
        '    // Search query',
        '    "query": "str",  // required',
        '    // Max results',
        '    "limit": "int",  // default: 5',
        '    "verbose": "bool",  // default: False',
        '    // Tags',
        '    "tags": "list[str]",  // required',
        '    "mode": "str",  // default: fast',
        '    "ratio": "float",  // default: 0.5',
        '}',
      ].join('\n'),
    );
  });

  it('renders optional fields as Union[T, NoneType] and container defaults as Python repr', () => {
    const model = z.object({
      note: z.string().nullable().default(null),
      names: z.array(z.string()).default(['a', "it's"]),
      extra: z.int().nullable(),
      options: z.record(z.string(), z.unknown()).default({ deep: [true, null, 1.5] }),
      empty: z.array(z.int()).default([]),
    });
    expect(parser.formatToString(model)).toBe(
      [
        '{',
        '    "note": "Union[str, NoneType]",  // default: None',
        `    "names": "list[str]",  // default: ['a', "it's"]`,
        '    "extra": "Union[int, NoneType]",  // required',
        `    "options": "dict[str, Any]",  // default: {'deep': [True, None, 1.5]}`,
        '    "empty": "list[int]",  // default: []',
        '}',
      ].join('\n'),
    );
  });

  it('expands a list of models like a nested model', () => {
    const model = z.object({
      steps: z.array(z.object({ tool: z.string(), done: z.boolean().default(true) })),
    });
    expect(parser.formatToString(model)).toBe(
      [
        '{',
        '    "steps": {',
        '        "tool": "str",  // required',
        '        "done": "bool",  // default: True',
        '    }',
        '}',
      ].join('\n'),
    );
  });

  it('fills the template with the rendered models and other fields', () => {
    const withTemplate = new JSONParser({
      template: 'Answer in {language}.\nTo call a tool:\n{tool}\nTo finish:\n{finish}',
      models: { tool: ToolFormat, finish: FinishFormat },
      formatFields: { language: 'English' },
    });
    expect(withTemplate.formatInstruction()).toBe(
      `Answer in English.\nTo call a tool:\n${parser.formatToString(ToolFormat)}\nTo finish:\n${parser.formatToString(FinishFormat)}`,
    );
  });

  it('throws InvalidArgumentError when a template field is neither a model nor a field', () => {
    expect(
      () => new JSONParser({ template: '{tool} {other}', models: { tool: ToolFormat } }),
    ).toThrow(InvalidArgumentError);
  });
});

describe('JSONParser.parseResponse', () => {
  const parser = new JSONParser({
    template: '{tool}\n{finish}',
    models: { tool: ToolFormat, finish: FinishFormat },
  });

  it('drops // comment lines before parsing', () => {
    const reply = [
      '{',
      '    // Why the task is done',
      '    "thought_process": "I know it.",',
      '  // The final answer',
      '    "conclusion": "42"',
      '}',
    ].join('\n');
    expect(parser.parseResponse(reply)).toStrictEqual({
      thought_process: 'I know it.',
      conclusion: '42',
    });
  });

  it('picks the first model that the data satisfies', () => {
    expect(
      parser.parseResponse(
        '{"thought_process": "Search.", "action": {"name": "search", "parameters": {"q": "x"}}}',
      ),
    ).toStrictEqual({
      thought_process: 'Search.',
      action: { name: 'search', parameters: { q: 'x' } },
    });
    // Both formats fit: the first one wins and the other's keys are dropped.
    expect(
      parser.parseResponse(
        '{"thought_process": "T", "conclusion": "C", "action": {"name": "a", "parameters": {}}}',
      ),
    ).toStrictEqual({ thought_process: 'T', action: { name: 'a', parameters: {} } });
  });

  it('drops keys the chosen model does not have', () => {
    expect(
      parser.parseResponse('{"thought_process": "T", "conclusion": "C", "junk": 1}'),
    ).toStrictEqual({ thought_process: 'T', conclusion: 'C' });
  });

  it("throws OutputParseError 'Input string is not a valid JSON.' for invalid JSON", () => {
    expect(parseError(() => parser.parseResponse('not json')).message).toBe(
      'Input string is not a valid JSON.',
    );
    expect(parseError(() => parser.parseResponse('{"thought_process": "T",}')).message).toBe(
      'Input string is not a valid JSON.',
    );
  });

  it('does not strip code fences', () => {
    const fenced = '```json\n{"thought_process": "T", "conclusion": "C"}\n```';
    expect(parseError(() => parser.parseResponse(fenced)).message).toBe(
      'Input string is not a valid JSON.',
    );
  });

  it('drops only whole comment lines, not a comment after a value', () => {
    const reply = '{\n"thought_process": "T",  // required\n"conclusion": "C"\n}';
    expect(parseError(() => parser.parseResponse(reply)).message).toBe(
      'Input string is not a valid JSON.',
    );
  });

  it('throws OutputParseError when no model fits', () => {
    expect(parseError(() => parser.parseResponse('{"answer": "C"}')).code).toBe(
      'OUTPUT_PARSE_FAILED',
    );
    expect(parseError(() => parser.parseResponse('[1, 2]')).code).toBe('OUTPUT_PARSE_FAILED');
  });

  it('replaces placeholder values by the field default and fills missing defaults', () => {
    const search = new JSONParser({ models: { search: SearchFormat } });
    expect(
      search.parseResponse('{"query": "weather", "tags": ["a"], "mode": "str", "limit": 3}'),
    ).toStrictEqual({
      query: 'weather',
      limit: 3,
      verbose: false,
      tags: ['a'],
      mode: 'fast',
      ratio: 0.5,
    });
  });

  it('replaces every placeholder name', () => {
    const model = z.object({
      a: z.string().default('A'),
      b: z.string().default('B'),
      c: z.string().default('C'),
      d: z.string().default('D'),
      e: z.string().default('E'),
      f: z.string().default('F'),
      g: z.string().nullable().default(null),
    });
    const anyText = new JSONParser({ models: { model } });
    expect(
      anyText.parseResponse(
        '{"a": "str", "b": "int", "c": "float", "d": "bool", "e": "list", "f": "dict", "g": "str"}',
      ),
    ).toStrictEqual({ a: 'A', b: 'B', c: 'C', d: 'D', e: 'E', f: 'F', g: null });
    expect(anyText.parseResponse('{"a": "string", "b": "Str"}')).toMatchObject({
      a: 'string',
      b: 'Str',
    });
  });

  it('throws OutputParseError for a placeholder in a required field', () => {
    const search = new JSONParser({ models: { search: SearchFormat } });
    expect(parseError(() => search.parseResponse('{"query": "str", "tags": []}')).message).toBe(
      "Field 'query' is required but not provided",
    );
  });

  it('does not choose a model whose typed field holds a placeholder string', () => {
    const search = new JSONParser({ models: { search: SearchFormat } });
    expect(
      parseError(() => search.parseResponse('{"query": "q", "tags": [], "limit": "int"}')).code,
    ).toBe('OUTPUT_PARSE_FAILED');
  });
});
