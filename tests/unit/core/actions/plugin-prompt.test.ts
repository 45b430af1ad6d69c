// getPluginPrompt: Lagent's get_plugin_prompt (inventory 3.9).
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { API_PREFIX, defineTool, getPluginPrompt } from '../../../../core/index.ts';
import { createCalc } from './calc-toolkit.ts';

const weather = () =>
  defineTool({
    name: 'Weather',
    description: '查询天气',
    parameters: z.object({ city: z.string().describe('城市') }),
    execute: () => 'sunny',
  });

describe('getPluginPrompt', () => {
  it("has Lagent's API_PREFIX", () => {
    expect(API_PREFIX).toBe(
      "This is the subfunction for tool '{tool_name}', you can use this tool. The description of this function is: \n{description}",
    );
  });

  it('renders toolkit APIs as Tool.api with API_PREFIX descriptions, indented by 4', () => {
    expect(getPluginPrompt({ actions: [createCalc()], apiDescTemplate: API_PREFIX })).toBe(
      `[
    {
        "name": "Calc.add",
        "description": "This is the subfunction for tool 'Calc', you can use this tool. The description of this function is: \\nAdd operation",
        "parameters": [
            {
                "name": "a",
                "type": "NUMBER",
                "description": "augend"
            },
            {
                "name": "b",
                "type": "NUMBER",
                "description": ""
            }
        ],
        "required": [
            "a"
        ],
        "parameter_description": "If you call this tool, you must pass arguments in the JSON format {key: value}, where the key is the parameter name."
    },
    {
        "name": "Calc.div",
        "description": "This is the subfunction for tool 'Calc', you can use this tool. The description of this function is: \\nDivision",
        "parameters": [
            {
                "name": "a",
                "type": "FLOAT",
                "description": ""
            },
            {
                "name": "b",
                "type": "FLOAT",
                "description": ""
            }
        ],
        "required": [
            "a",
            "b"
        ],
        "parameter_description": "If you call this tool, you must pass arguments in the JSON format {key: value}, where the key is the parameter name."
    }
]`,
    );
  });

  it("keeps API descriptions as they are with the default template '{description}'", () => {
    const prompt = getPluginPrompt({ actions: [createCalc()] });

    expect(prompt).toContain('"description": "Add operation",');
    expect(prompt).toContain('"description": "Division",');
    expect(prompt).not.toContain('subfunction');
  });

  it('renders a single tool as its description, non-ASCII kept (ensure_ascii=False)', () => {
    expect(getPluginPrompt({ actions: [weather()], apiDescTemplate: API_PREFIX })).toBe(
      `[
    {
        "name": "Weather",
        "description": "查询天气",
        "parameters": [
            {
                "name": "city",
                "type": "STRING",
                "description": "城市"
            }
        ],
        "required": [
            "city"
        ],
        "parameter_description": "If you call this tool, you must pass arguments in the JSON format {key: value}, where the key is the parameter name."
    }
]`,
    );
  });

  it('lists the actions in the order given', () => {
    const names = (prompt: string) =>
      [...prompt.matchAll(/^ {8}"name": "([^"]+)"/gm)].map((match) => match[1]);

    expect(names(getPluginPrompt({ actions: [weather(), createCalc()] }))).toEqual([
      'Weather',
      'Calc.add',
      'Calc.div',
    ]);
  });

  it("reads the template with Python's str.format rules", () => {
    const prompt = getPluginPrompt({
      actions: [createCalc()],
      apiDescTemplate: '{{{tool_name}}}: {description}',
    });

    expect(prompt).toContain('"description": "{Calc}: Add operation",');
  });

  it('renders no actions as an empty list', () => {
    expect(getPluginPrompt({ actions: [] })).toBe('[]');
  });
});
