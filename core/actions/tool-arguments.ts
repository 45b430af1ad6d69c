import { z } from 'zod';
import { isPlainObject, safeParseJson } from '../internal/json.ts';
import { isOptionalField } from '../internal/zod-introspection.ts';
import type { RequestLimits } from './request-limits.ts';
import { argumentsProblem, DEFAULT_REQUEST_LIMITS } from './request-limits.ts';

export type ToolArgumentsResult =
  /** `value`: checked against the schema (defaults filled in); `given`: as the caller sent it. */
  | { success: true; value: Record<string, unknown>; given: Record<string, unknown> }
  /** `overLimit`: refused for its size or depth, so the inputs must not be echoed back. */
  | { success: false; errmsg: string; overLimit?: boolean };

export type ArgumentLimits = Pick<RequestLimits, 'maxArgumentBytes' | 'maxArgumentDepth'>;

const fence = /^\s*```(?:json)?[^\n]*\n([\s\S]*?)\n?```\s*$/;

// Python's repr of a set of names, as Lagent prints it: {'a', 'b'}
const pythonSet = (names: readonly string[]): string =>
  `{${names.map((name) => `'${name}'`).join(', ')}}`;

/**
 * Lagent's JsonParser for tool inputs, plus type validation: accepts an object or JSON
 * text (optionally in a ```json fence); reports unknown and missing arguments with
 * Lagent's messages, then checks types against the schema. Arguments (or their JSON text)
 * over `limits` are refused first, before anything recursive touches them.
 */
export function parseToolArguments(
  inputs: unknown,
  schema: z.ZodObject,
  limits: ArgumentLimits = DEFAULT_REQUEST_LIMITS,
): ToolArgumentsResult {
  let value: unknown = inputs ?? {};
  // A string is checked for its size before it is parsed, its value for its depth after.
  const before = argumentsProblem({ value, limits });
  if (before) return { success: false, errmsg: before.message, overLimit: true };
  if (typeof value === 'string') {
    const text = fence.exec(value)?.[1] ?? value;
    // Lagent's JsonParser: empty text is invalid JSON, not an empty object.
    const parsed = safeParseJson(text);
    if (!parsed.success || !isPlainObject(parsed.value)) {
      return { success: false, errmsg: `invalid json format: ${value}` };
    }
    value = parsed.value;
    const after = argumentsProblem({ value, limits });
    if (after) return { success: false, errmsg: after.message, overLimit: true };
  }
  if (!isPlainObject(value)) {
    return {
      success: false,
      errmsg: `invalid arguments: expected a JSON object, got ${typeof value}`,
    };
  }
  const shape = schema.shape as Record<string, z.ZodType>;
  const unknown = Object.keys(value).filter((key) => !Object.hasOwn(shape, key));
  if (
    unknown.length > 0 &&
    !(schema.def.catchall && !(schema.def.catchall instanceof z.ZodNever))
  ) {
    return { success: false, errmsg: `unknown arguments: ${pythonSet(unknown)}` };
  }
  const missing = Object.entries(shape)
    .filter(([name, field]) => !isOptionalField(field) && value[name] === undefined)
    .map(([name]) => name);
  if (missing.length > 0) {
    return { success: false, errmsg: `missing required arguments: ${pythonSet(missing)}` };
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    return { success: false, errmsg: `invalid arguments: ${issues.join('; ')}` };
  }
  return { success: true, value: result.data, given: value };
}
