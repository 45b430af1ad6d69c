// Tool descriptions in Lagent's format (inventory 3.8): derived from zod schemas instead of
// docstrings, with Lagent's parameter types, `required`, `parameter_description`, toolkit
// `api_list`, the executor's flattened `description()` and its OpenAI `tools`.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ActionExecutor,
  JSON_PARAMETER_DESCRIPTION,
  ToolDefinitionError,
  defineTool,
  defineToolkit,
  describeApi,
  inputJsonSchema,
} from '../../../../core/index.ts';
import { createCalc } from './calc-toolkit.ts';

const addDescription = {
  name: 'add',
  description: 'Add operation',
  parameters: [
    { name: 'a', type: 'NUMBER', description: 'augend' },
    { name: 'b', type: 'NUMBER', description: '' },
  ],
  required: ['a'],
  parameter_description: JSON_PARAMETER_DESCRIPTION,
};

const divDescription = {
  name: 'div',
  description: 'Division',
  parameters: [
    { name: 'a', type: 'FLOAT', description: '' },
    { name: 'b', type: 'FLOAT', description: '' },
  ],
  required: ['a', 'b'],
  parameter_description: JSON_PARAMETER_DESCRIPTION,
};

const search = () =>
  defineTool({
    name: 'Search',
    description: 'Searches the web',
    parameters: z.object({
      query: z.string().describe('what to look for'),
      limit: z.number().int().optional(),
      temperature: z.number().default(0.5),
      safe: z.boolean().default(true).describe('safe search'),
      tags: z.array(z.string()).optional(),
    }),
    execute: () => [],
  });

describe('tool descriptions', () => {
  it("describes a single tool in Lagent's format, keys in Lagent's order", () => {
    // JSON text, so that key order counts as it does in a prompt.
    expect(JSON.stringify(search().description)).toBe(
      JSON.stringify({
        name: 'Search',
        description: 'Searches the web',
        parameters: [
          { name: 'query', type: 'STRING', description: 'what to look for' },
          { name: 'limit', type: 'NUMBER', description: '' },
          { name: 'temperature', type: 'FLOAT', description: '' },
          { name: 'safe', type: 'BOOLEAN', description: 'safe search' },
          { name: 'tags', type: 'Array', description: '' },
        ],
        required: ['query'],
        parameter_description: JSON_PARAMETER_DESCRIPTION,
      }),
    );
  });

  it("has JsonParser's parameter_description", () => {
    expect(JSON_PARAMETER_DESCRIPTION).toBe(
      'If you call this tool, you must pass arguments in the JSON format {key: value}, where the key is the parameter name.',
    );
  });

  it.each([
    ['z.string()', z.string(), 'STRING'],
    ['z.enum()', z.enum(['a', 'b']), 'STRING'],
    ['z.object() (a dict)', z.object({ x: z.number() }), 'STRING'],
    ['z.number().int()', z.number().int(), 'NUMBER'],
    ['z.int()', z.int(), 'NUMBER'],
    ['z.number()', z.number(), 'FLOAT'],
    ['z.boolean()', z.boolean(), 'BOOLEAN'],
    ['z.array(z.number())', z.array(z.number()), 'Array'],
    ['z.number().int().nullable()', z.number().int().nullable(), 'NUMBER'],
    ['z.number().int().optional()', z.number().int().optional(), 'NUMBER'],
    ['z.boolean().default(false)', z.boolean().default(false), 'BOOLEAN'],
  ])('types %s as %s', (_label, field, type) => {
    const described = describeApi({
      name: 'run',
      description: '',
      parameters: z.object({ x: field }),
    });

    expect(described.parameters).toEqual([{ name: 'x', type, description: '' }]);
  });

  it('reads a description given before or after .optional() and .default()', () => {
    const described = describeApi({
      name: 'run',
      description: 'Runs',
      parameters: z.object({
        before: z.string().describe('first').optional(),
        after: z.string().optional().describe('second'),
        defaulted: z.number().describe('third').default(2),
      }),
    });

    expect(described).toEqual({
      name: 'run',
      description: 'Runs',
      parameters: [
        { name: 'before', type: 'STRING', description: 'first' },
        { name: 'after', type: 'STRING', description: 'second' },
        { name: 'defaulted', type: 'FLOAT', description: 'third' },
      ],
      required: [],
      parameter_description: JSON_PARAMETER_DESCRIPTION,
    });
  });

  it('describes a tool without a description with an empty one', () => {
    const tool = defineTool({ name: 'Ping', parameters: z.object({}), execute: () => 'pong' });

    expect(tool.description).toEqual({
      name: 'Ping',
      description: '',
      parameters: [],
      required: [],
      parameter_description: JSON_PARAMETER_DESCRIPTION,
    });
  });

  it('describes a toolkit with api_list, each API named without the toolkit', () => {
    const calc = createCalc();

    expect(calc.isToolkit).toBe(true);
    expect(JSON.stringify(calc.description)).toBe(
      JSON.stringify({
        name: 'Calc',
        description: 'A calculator',
        api_list: [addDescription, divDescription],
      }),
    );
  });

  it("gives a toolkit API without a description '' in api_list, and the toolkit's in apis", () => {
    const kit = defineToolkit({
      name: 'Kit',
      description: 'A kit',
      apis: { go: { parameters: z.object({}), execute: () => 'gone' } },
    });

    expect(kit.description).toEqual({
      name: 'Kit',
      description: 'A kit',
      api_list: [
        {
          name: 'go',
          description: '',
          parameters: [],
          required: [],
          parameter_description: JSON_PARAMETER_DESCRIPTION,
        },
      ],
    });
    expect(kit.apis.map((api) => [api.name, api.description])).toEqual([['go', 'A kit']]);
  });

  it('lists the APIs of a single tool as one "run" API', () => {
    const tool = search();

    expect(tool.isToolkit).toBe(false);
    expect(tool.apis.map((api) => [api.name, api.description])).toEqual([
      ['run', 'Searches the web'],
    ]);
  });
});

describe('tool names', () => {
  it.each([
    ['a space', 'my tool'],
    ['a dot', 'Calc.add'],
    ['nothing', ''],
    ['65 characters', 'x'.repeat(65)],
    ['a non-ASCII letter', 'naïve'],
  ])('rejects a tool name with %s', (_label, name) => {
    expect(() => defineTool({ name, parameters: z.object({}), execute: () => '' })).toThrow(
      ToolDefinitionError,
    );
  });

  it('says which name is wrong, with the code TOOL_DEFINITION_INVALID', () => {
    expect(() =>
      defineTool({ name: 'my tool', parameters: z.object({}), execute: () => '' }),
    ).toThrow(
      expect.objectContaining({
        code: 'TOOL_DEFINITION_INVALID',
        message: 'Tool name "my tool" must match ^[A-Za-z0-9_-]{1,64}$',
      }),
    );
  });

  it('accepts letters, digits, "_" and "-" up to 64 characters', () => {
    expect(
      defineTool({ name: 'web_search-2', parameters: z.object({}), execute: () => '' }).name,
    ).toBe('web_search-2');
    expect(
      defineTool({ name: 'x'.repeat(64), parameters: z.object({}), execute: () => '' }).name,
    ).toBe('x'.repeat(64));
  });

  it('rejects a toolkit API name with a dot', () => {
    expect(() =>
      defineToolkit({
        name: 'Calc',
        apis: { 'add.one': { parameters: z.object({}), execute: () => '' } },
      }),
    ).toThrow('API name "add.one" must match ^[A-Za-z0-9_-]{1,64}$');
  });

  it('rejects a toolkit without APIs', () => {
    expect(() => defineToolkit({ name: 'Empty', apis: {} })).toThrow(
      new ToolDefinitionError({ message: 'Toolkit "Empty" has no APIs' }),
    );
  });
});

describe('ActionExecutor descriptions', () => {
  it('flattens toolkit APIs to Calc.add and keeps single tools as they are', () => {
    const executor = new ActionExecutor({ actions: [createCalc(), search()] });

    expect(executor.description()).toEqual([
      { ...addDescription, name: 'Calc.add' },
      { ...divDescription, name: 'Calc.div' },
      search().description,
    ]);
  });

  it('lists FinishAction too when finishInAction is set', () => {
    const executor = new ActionExecutor({ actions: [], finishInAction: true });

    expect(executor.description().map((description) => description.name)).toEqual(['FinishAction']);
  });

  it('offers the actions as OpenAI tools, toolkit APIs named Tool__api', () => {
    const executor = new ActionExecutor({ actions: [createCalc(), search()] });
    const int = {
      type: 'integer',
      minimum: Number.MIN_SAFE_INTEGER,
      maximum: Number.MAX_SAFE_INTEGER,
    };

    expect(executor.toOpenAITools()).toEqual([
      {
        type: 'function',
        function: {
          name: 'Calc__add',
          description: 'Add operation',
          parameters: {
            type: 'object',
            properties: {
              a: { ...int, description: 'augend' },
              b: { ...int, default: 1 },
            },
            required: ['a'],
          },
        },
      },
      {
        type: 'function',
        function: {
          name: 'Calc__div',
          description: 'Division',
          parameters: {
            type: 'object',
            properties: { a: { type: 'number' }, b: { type: 'number' } },
            required: ['a', 'b'],
          },
        },
      },
      {
        type: 'function',
        function: {
          name: 'Search',
          description: 'Searches the web',
          parameters: {
            type: 'object',
            properties: {
              query: { type: 'string', description: 'what to look for' },
              limit: int,
              temperature: { type: 'number', default: 0.5 },
              safe: { type: 'boolean', default: true, description: 'safe search' },
              tags: { type: 'array', items: { type: 'string' } },
            },
            required: ['query'],
          },
        },
      },
    ]);
  });

  it('writes JSON Schemas without a $schema key', () => {
    const schema = inputJsonSchema(z.object({ a: z.string() }));

    expect(schema).toEqual({
      type: 'object',
      properties: { a: { type: 'string' } },
      required: ['a'],
    });
    expect(schema).not.toHaveProperty('$schema');
  });
});
