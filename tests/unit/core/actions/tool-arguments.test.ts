// parseToolArguments: Lagent's JsonParser.parse_inputs (inventory 3.8) plus zod type checks.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseToolArguments } from '../../../../core/index.ts';

const addSchema = z.object({ a: z.number().int(), b: z.number().int().default(1) });

describe('parseToolArguments', () => {
  it('takes an object and fills in defaults; `given` is the call as sent (Lagent echoes it as args)', () => {
    expect(parseToolArguments({ a: 1 }, addSchema)).toEqual({
      success: true,
      value: { a: 1, b: 1 },
      given: { a: 1 },
    });
  });

  it.each([
    ['JSON text', '{"a": 1, "b": 2}'],
    ['JSON text with surrounding blanks', '  {"a": 1, "b": 2}\n'],
    ['a ```json fence', '```json\n{"a": 1, "b": 2}\n```'],
    ['a bare ``` fence', '```\n{"a": 1, "b": 2}\n```'],
    ['a fence with blanks around it', '\n```json\n{"a": 1, "b": 2}\n```  \n'],
  ])('parses %s', (_label, text) => {
    expect(parseToolArguments(text, addSchema)).toEqual({
      success: true,
      value: { a: 1, b: 2 },
      given: { a: 1, b: 2 },
    });
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
  ])('reads %s as no arguments', (_label, inputs) => {
    expect(parseToolArguments(inputs, z.object({ x: z.string().optional() }))).toEqual({
      success: true,
      value: {},
      given: {},
    });
    expect(parseToolArguments(inputs, addSchema)).toEqual({
      success: false,
      errmsg: "missing required arguments: {'a'}",
    });
  });

  it.each([
    // Lagent: json.loads('') raises, so JsonParser answers 'invalid json format: '.
    ['', 'invalid json format: '],
    ['   ', 'invalid json format:    '],
    ['not json', 'invalid json format: not json'],
    ['[1, 2]', 'invalid json format: [1, 2]'],
    ['"text"', 'invalid json format: "text"'],
    ['{"a": 1', 'invalid json format: {"a": 1'],
  ])('rejects the text %j', (text, errmsg) => {
    expect(parseToolArguments(text, addSchema)).toEqual({ success: false, errmsg });
  });

  it('rejects inputs that are neither an object nor text', () => {
    expect(parseToolArguments(5, addSchema)).toEqual({
      success: false,
      errmsg: 'invalid arguments: expected a JSON object, got number',
    });
    expect(parseToolArguments([1], addSchema)).toEqual({
      success: false,
      errmsg: 'invalid arguments: expected a JSON object, got object',
    });
  });

  it('names unknown arguments as a Python set', () => {
    expect(parseToolArguments({ a: 1, c: 1, d: 2 }, addSchema)).toEqual({
      success: false,
      errmsg: "unknown arguments: {'c', 'd'}",
    });
  });

  it('reports unknown arguments before missing ones, as Lagent does', () => {
    expect(parseToolArguments({ c: 1 }, addSchema)).toEqual({
      success: false,
      errmsg: "unknown arguments: {'c'}",
    });
  });

  it('names every missing required argument', () => {
    const schema = z.object({ a: z.string(), b: z.string(), c: z.string().optional() });

    expect(parseToolArguments({}, schema)).toEqual({
      success: false,
      errmsg: "missing required arguments: {'a', 'b'}",
    });
  });

  it('counts an explicit undefined as missing', () => {
    expect(parseToolArguments({ a: undefined }, addSchema)).toEqual({
      success: false,
      errmsg: "missing required arguments: {'a'}",
    });
  });

  it('rejects a value of the wrong type', () => {
    const parsed = parseToolArguments({ a: 'one' }, addSchema);

    expect(parsed.success).toBe(false);
    expect(!parsed.success && parsed.errmsg).toBe(
      'invalid arguments: a: Invalid input: expected number, received string',
    );
  });

  it('accepts extra keys when the schema has a catchall, and rejects them when strict', () => {
    expect(parseToolArguments({ a: 1, extra: true }, z.looseObject({ a: z.number() }))).toEqual({
      success: true,
      value: { a: 1, extra: true },
      given: { a: 1, extra: true },
    });
    const typedCatchall = parseToolArguments(
      { a: 1, extra: true },
      z.object({ a: z.number() }).catchall(z.string()),
    );
    expect(typedCatchall.success).toBe(false);
    expect(!typedCatchall.success && typedCatchall.errmsg).toMatch(/^invalid arguments: /);
    expect(parseToolArguments({ a: 1, extra: true }, z.strictObject({ a: z.number() }))).toEqual({
      success: false,
      errmsg: "unknown arguments: {'extra'}",
    });
  });
});
