// Lagent's `@tool_api(explode_return=True)`: the Returns section's items become
// `return_data` ({name, description, type?}) after `required` and before the parser's
// `parameter_description`, in the description, the executor's description() and the plugin
// prompt. The expected prompt is CPython's json.dumps(..., ensure_ascii=False, indent=4) of
// Lagent's description for:
//
//   @tool_api(explode_return=True)
//   def add(self, a: int, b: int = 1):
//       """Add operation
//
//       Args:
//           a (int): augend
//           b (int): addend
//
//       Returns:
//           dict: the result
//               * sum (int): the sum
//               * inputs: the inputs echoed
//       """
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ActionExecutor,
  JSON_PARAMETER_DESCRIPTION,
  defineTool,
  defineToolApi,
  defineToolkit,
  describeApi,
  getPluginPrompt,
} from '../../../../core/index.ts';

const add = defineToolApi({
  description: 'Add operation',
  parameters: z.object({
    a: z.number().int().describe('augend'),
    b: z.number().int().default(1).describe('addend'),
  }),
  returns: z.object({
    sum: z.number().int().describe('the sum'),
    inputs: z.unknown().describe('the inputs echoed'),
  }),
  execute: ({ a, b }) => ({ sum: a + b, inputs: [a, b] }),
});

const calc = () => defineToolkit({ name: 'Calc', description: 'A calculator', apis: { add } });

const lagentPrompt = `[
    {
        "name": "Calc.add",
        "description": "Add operation",
        "parameters": [
            {
                "name": "a",
                "type": "NUMBER",
                "description": "augend"
            },
            {
                "name": "b",
                "type": "NUMBER",
                "description": "addend"
            }
        ],
        "required": [
            "a"
        ],
        "return_data": [
            {
                "name": "sum",
                "description": "the sum",
                "type": "NUMBER"
            },
            {
                "name": "inputs",
                "description": "the inputs echoed"
            }
        ],
        "parameter_description": "If you call this tool, you must pass arguments in the JSON format {key: value}, where the key is the parameter name."
    }
]`;

describe('return_data', () => {
  it("appears in the plugin prompt as Lagent's, keys in Lagent's order", () => {
    expect(getPluginPrompt({ actions: [calc()] })).toBe(lagentPrompt);
  });

  it("appears in the toolkit's description and the executor's description()", () => {
    const description = calc().description;
    const api = 'api_list' in description ? description.api_list[0] : undefined;

    expect(Object.keys(api ?? {})).toEqual([
      'name',
      'description',
      'parameters',
      'required',
      'return_data',
      'parameter_description',
    ]);
    expect(api?.return_data).toEqual([
      { name: 'sum', description: 'the sum', type: 'NUMBER' },
      { name: 'inputs', description: 'the inputs echoed' },
    ]);
    expect(JSON.stringify(new ActionExecutor({ actions: [calc()] }).description())).toBe(
      JSON.stringify([{ ...api, name: 'Calc.add' }]),
    );
  });

  it("is part of a single tool's description, as ToolMeta copies run's return_data", () => {
    const tool = defineTool({
      name: 'Weather',
      description: 'Current weather',
      parameters: z.object({ city: z.string() }),
      returns: z.object({
        temperature: z.number().describe('degrees Celsius'),
        raining: z.boolean().optional(),
        alerts: z.array(z.string()).describe('active alerts'),
      }),
      execute: () => ({ temperature: 21.5, raining: false, alerts: [] }),
    });

    expect(JSON.stringify(tool.description)).toBe(
      JSON.stringify({
        name: 'Weather',
        description: 'Current weather',
        parameters: [{ name: 'city', type: 'STRING', description: '' }],
        required: ['city'],
        return_data: [
          { name: 'temperature', description: 'degrees Celsius', type: 'FLOAT' },
          { name: 'raining', description: '', type: 'BOOLEAN' },
          { name: 'alerts', description: 'active alerts', type: 'Array' },
        ],
        parameter_description: JSON_PARAMETER_DESCRIPTION,
      }),
    );
  });

  it('is left out when no returns are declared, or the declaration is empty', () => {
    const described = describeApi({
      name: 'f',
      description: '',
      parameters: z.object({}),
      returns: z.object({}),
    });

    expect(Object.keys(described)).toEqual([
      'name',
      'description',
      'parameters',
      'required',
      'parameter_description',
    ]);
    expect(
      Object.keys(
        describeApi({
          name: 'f',
          description: '',
          parameters: z.object({}),
          parameterDescription: '',
        }),
      ),
    ).toEqual(['name', 'description', 'parameters', 'required']);
  });
});
