import type { z } from 'zod';
import { isPlainObject } from '../internal/json.ts';
import { parsePythonLiteral } from '../internal/python-literal.ts';
import { isOptionalField } from '../internal/zod-introspection.ts';
import { argumentsProblem, DEFAULT_REQUEST_LIMITS } from './request-limits.ts';
import type { ArgumentLimits, ToolArgumentsResult } from './tool-arguments.ts';
import { parseToolArguments } from './tool-arguments.ts';

/** Lagent's TupleParser adds this sentence to every API description. */
export const TUPLE_PARAMETER_DESCRIPTION =
  'If you call this tool, you must pass arguments in the tuple format like (arg1, arg2, arg3), and the arguments are ordered.';

/**
 * Lagent's TupleParser for tool inputs: a Python tuple literal `(1, 'a')` (read without
 * eval, see parsePythonLiteral) or an array, mapped in order onto the schema's parameters,
 * then checked as JSON arguments are. Lagent's messages for too few or too many values.
 *
 * Differences, on purpose: a single value that is not a tuple or list (`(5)` is 5 in Python)
 * is one argument, where Lagent fails on `len(5)` or spreads a string's characters; an
 * object is taken as keyword arguments (a native tool call's arguments), where Lagent
 * answers `invalid tuple format`; null or undefined is no arguments.
 */
export function parseTupleArguments(
  inputs: unknown,
  schema: z.ZodObject,
  limits: ArgumentLimits = DEFAULT_REQUEST_LIMITS,
): ToolArgumentsResult {
  if (isPlainObject(inputs)) return parseToolArguments(inputs, schema, limits);
  const before = argumentsProblem({ value: inputs ?? [], limits });
  if (before) return { success: false, errmsg: before.message, overLimit: true };
  let values: unknown = inputs ?? [];
  if (typeof inputs === 'string') {
    const parsed = parsePythonLiteral(inputs, { maxDepth: limits.maxArgumentDepth });
    if (!parsed.success) return { success: false, errmsg: `invalid tuple format: ${inputs}` };
    values = parsed.value;
  }
  const items: unknown[] = Array.isArray(values) ? values : [values];
  const shape = schema.shape as Record<string, z.ZodType>;
  const names = Object.keys(shape);
  const required = names.filter((name) => !isOptionalField(shape[name] as z.ZodType)).length;
  if (items.length < required) {
    return {
      success: false,
      errmsg: `API takes ${required} required positional arguments but ${items.length} were given`,
    };
  }
  if (items.length > names.length) {
    return {
      success: false,
      errmsg: `API takes ${names.length} positional arguments but ${items.length} were given`,
    };
  }
  const keywords = Object.fromEntries(items.map((item, index) => [names[index] as string, item]));
  return parseToolArguments(keywords, schema, limits);
}
