// Lagent's TupleParser (actions/parser.py): `BaseAction(parser=TupleParser)` reads the
// arguments with ast.literal_eval and maps them in order onto the API's parameters. The
// expected errmsgs are Lagent's f-strings for the same inputs.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ActionExecutor,
  ActionStatusCode,
  TUPLE_PARAMETER_DESCRIPTION,
  ToolDefinitionError,
  createAgentMessage,
  defineTool,
  defineToolApi,
  defineToolkit,
  getPluginPrompt,
  parseTupleArguments,
} from '../../../../core/index.ts';

// Lagent: class Calc(BaseAction) with `@tool_api def add(self, a: int, b: int = 1)`, parser=TupleParser
const calc = () =>
  defineToolkit({
    name: 'Calc',
    description: 'A calculator',
    argumentFormat: 'tuple',
    apis: {
      add: defineToolApi({
        description: 'Add operation',
        parameters: z.object({
          a: z.number().int().describe('augend'),
          b: z.number().int().default(1).describe('addend'),
        }),
        execute: ({ a, b }) => a + b,
      }),
    },
  });

const addSchema = z.object({ a: z.number(), b: z.number().default(1) });

describe('parseTupleArguments', () => {
  it.each([
    ['(1, 2)', { a: 1, b: 2 }],
    ['(1,)', { a: 1 }],
    ['[1, 2]', { a: 1, b: 2 }],
    ['1, 2', { a: 1, b: 2 }],
  ])('maps %j in order onto the parameters', (inputs, given) => {
    expect(parseTupleArguments(inputs, addSchema)).toEqual({
      success: true,
      value: { b: 1, ...given },
      given,
    });
  });

  it("answers Lagent's errmsgs", () => {
    expect(parseTupleArguments('()', addSchema)).toEqual({
      success: false,
      errmsg: 'API takes 1 required positional arguments but 0 were given',
    });
    expect(parseTupleArguments('(1, 2, 3)', addSchema)).toEqual({
      success: false,
      errmsg: 'API takes 2 positional arguments but 3 were given',
    });
    expect(parseTupleArguments('not a tuple', addSchema)).toEqual({
      success: false,
      errmsg: 'invalid tuple format: not a tuple',
    });
    // literal_eval('') raises SyntaxError.
    expect(parseTupleArguments('', addSchema)).toEqual({
      success: false,
      errmsg: 'invalid tuple format: ',
    });
    // Never evaluated: a call is not a literal.
    expect(parseTupleArguments("__import__('os').system('id')", addSchema)).toEqual({
      success: false,
      errmsg: "invalid tuple format: __import__('os').system('id')",
    });
  });

  it('checks the values against the schema after mapping them', () => {
    expect(parseTupleArguments("('x',)", addSchema)).toEqual({
      success: false,
      errmsg: 'invalid arguments: a: Invalid input: expected number, received string',
    });
  });

  // Lagent: len(5) raises TypeError for `(5)`; a string is spread into its characters.
  it('takes one value that is not a tuple as one argument (deliberate)', () => {
    expect(parseTupleArguments('(5)', addSchema)).toMatchObject({ success: true, given: { a: 5 } });
    expect(parseTupleArguments("'ab'", z.object({ text: z.string() }))).toMatchObject({
      success: true,
      given: { text: 'ab' },
    });
  });

  // Lagent: literal_eval(dict) raises -> 'invalid tuple format: ...'. Native tool calls send
  // objects, so they are read as keyword arguments.
  it('reads an object as keyword arguments, an array as the tuple (deliberate)', () => {
    expect(parseTupleArguments({ a: 3 }, addSchema)).toEqual({
      success: true,
      value: { a: 3, b: 1 },
      given: { a: 3 },
    });
    expect(parseTupleArguments([3, 4], addSchema)).toMatchObject({ given: { a: 3, b: 4 } });
  });
});

describe("a tool with argumentFormat 'tuple'", () => {
  it("describes its APIs with TupleParser's parameter_description", () => {
    expect(TUPLE_PARAMETER_DESCRIPTION).toBe(
      'If you call this tool, you must pass arguments in the tuple format like (arg1, arg2, arg3), and the arguments are ordered.',
    );
    const description = calc().description;
    expect('api_list' in description && description.api_list[0]?.parameter_description).toBe(
      TUPLE_PARAMETER_DESCRIPTION,
    );
    expect(getPluginPrompt({ actions: [calc()] })).toContain(
      `"parameter_description": "${TUPLE_PARAMETER_DESCRIPTION}"`,
    );
  });

  it("runs from a tuple, answering Lagent's ActionReturns", async () => {
    const executor = new ActionExecutor({ actions: [calc()] });
    const call = async (parameters: string) =>
      (
        await executor.call(
          createAgentMessage({ sender: 'Agent', content: { name: 'Calc.add', parameters } }),
        )
      ).content;

    expect(await call('(1, 2)')).toMatchObject({
      args: { a: 1, b: 2 },
      type: 'Calc',
      result: [{ type: 'text', content: '3' }],
      state: ActionStatusCode.SUCCESS,
    });
    expect(await call('(1, 2, 3)')).toMatchObject({
      args: { inputs: '(1, 2, 3)', name: 'add' },
      errmsg: 'API takes 2 positional arguments but 3 were given',
      state: ActionStatusCode.ARGS_ERROR,
    });
  });

  it('refuses an unknown argument format at definition', () => {
    expect(() =>
      defineTool({
        name: 'T',
        argumentFormat: 'yaml' as never,
        parameters: z.object({}),
        execute: () => '',
      }),
    ).toThrow(ToolDefinitionError);
  });
});
