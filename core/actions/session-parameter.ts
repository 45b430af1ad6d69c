import { z } from 'zod';
import type { SessionId } from '../memory/memory-manager.ts';
import type { ToolArgumentsResult } from './tool-arguments.ts';

/**
 * The parameter a tool declares to receive the call's session id, as Lagent's
 * AsyncIPythonInterpreter declares `session_id` (InternLMActionProcessor fills it in).
 */
export const DEFAULT_SESSION_ID_PARAMETER = 'session_id';

/** An API's parameters split around its session parameter. */
export interface SessionParameterSchemas {
  /** The parameter receiving the session id; undefined when the schema has none. */
  name: string | undefined;
  /** What the model is shown (descriptions, native tools): without the session parameter. */
  visible: z.ZodObject;
  /** Reads the model's arguments: `visible`, letting a session id the model sent through. */
  lenient: z.ZodObject;
}

/**
 * Splits `schema` around `parameter` (when it has that key). The derived schemas are built
 * from the shape, so they work for refined objects too; the full schema checks the final
 * arguments, refinements included.
 */
export function sessionParameterSchemas(
  schema: z.ZodObject,
  parameter: string | null,
): SessionParameterSchemas {
  const shape = schema.shape as Record<string, z.ZodType>;
  if (parameter === null || !Object.hasOwn(shape, parameter)) {
    return { name: undefined, visible: schema, lenient: schema };
  }
  const { [parameter]: _session, ...rest } = shape;
  const catchall = schema.def.catchall;
  const build = (fields: Record<string, z.ZodType>): z.ZodObject =>
    catchall ? z.object(fields).catchall(catchall) : z.object(fields);
  return {
    name: parameter,
    visible: build(rest),
    lenient: build({ ...rest, [parameter]: z.unknown().optional() }),
  };
}

/**
 * Arguments read from the model, with the session parameter set to the call's session id
 * (whatever the model sent for it), checked against the full schema. The id is given as
 * it is, or as text or a number when the parameter wants that (Lagent passes an int and
 * the interpreter calls `str()` on it).
 */
export function withSessionId({
  parsed,
  schema,
  name,
  sessionId,
}: {
  parsed: Extract<ToolArgumentsResult, { success: true }>;
  schema: z.ZodObject;
  name: string;
  sessionId: SessionId;
}): ToolArgumentsResult {
  const field = (schema.shape as Record<string, z.ZodType>)[name] as z.ZodType;
  const candidates: unknown[] = [sessionId, String(sessionId)];
  if (
    typeof sessionId === 'string' &&
    sessionId.trim() !== '' &&
    Number.isFinite(Number(sessionId))
  )
    candidates.push(Number(sessionId));
  const value = candidates.find((candidate) => field.safeParse(candidate).success) ?? sessionId;
  // The call as given (not the first pass's output, whose transforms must not run twice).
  const result = schema.safeParse({ ...parsed.given, [name]: value });
  if (!result.success) {
    const issues = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    return { success: false, errmsg: `invalid arguments: ${issues.join('; ')}` };
  }
  return { success: true, value: result.data, given: parsed.given };
}
