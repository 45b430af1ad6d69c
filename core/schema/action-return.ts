import { z } from 'zod';
import { ValidationError } from '../errors/validation-error.ts';
import { isPlainObject } from '../internal/json.ts';
import { ActionStatusCode, ActionValidCode } from './status-codes.ts';

/** One item of a tool's result: `{type: 'text', content: '3'}`, `{type: 'image', content: <url|data>}`. */
export interface ActionResultItem {
  type: string;
  content: string;
}

/** The result of one tool call: Lagent's `ActionReturn`, as plain data. */
export interface ActionReturn {
  args: Record<string, unknown> | null;
  url: string | null;
  /** The action's name. */
  type: string | null;
  result: ActionResultItem[] | null;
  errmsg: string | null;
  state: ActionStatusCode;
  thought: string | null;
  valid: ActionValidCode | null;
  /** The id of the native (OpenAI) tool call this answers, when there is one. */
  toolCallId?: string;
}

export type ActionReturnInit = Partial<ActionReturn>;

const created = new WeakSet<object>();

/** Builds an ActionReturn with Lagent's defaults (`state: SUCCESS`, `valid: OPEN`). */
export function createActionReturn(init: ActionReturnInit = {}): ActionReturn {
  const actionReturn: ActionReturn = {
    args: init.args ?? null,
    url: init.url ?? null,
    type: init.type ?? null,
    result: init.result ?? null,
    errmsg: init.errmsg ?? null,
    state: init.state ?? ActionStatusCode.SUCCESS,
    thought: init.thought ?? null,
    valid: init.valid === undefined ? ActionValidCode.OPEN : init.valid,
    ...(init.toolCallId === undefined ? {} : { toolCallId: init.toolCallId }),
  };
  created.add(actionReturn);
  return actionReturn;
}

/**
 * True for objects made by `createActionReturn` in this process. Tools that return one
 * are passed through as is; any other return value is wrapped as text.
 */
export function isCreatedActionReturn(value: unknown): value is ActionReturn {
  return typeof value === 'object' && value !== null && created.has(value);
}

/**
 * Lagent's `ActionReturn.format_result()`: text items as they are, other items as
 * `[type](content)`, one per line.
 */
export function formatResult(actionReturn: Pick<ActionReturn, 'result'>): string {
  return (actionReturn.result ?? [])
    .map((item) => (item.type === 'text' ? item.content : `[${item.type}](${item.content})`))
    .join('\n');
}

const stateValues = new Set<number>(Object.values(ActionStatusCode));
const validValues = new Set<number>(Object.values(ActionValidCode));

export const ActionReturnSchema = z.object({
  args: z.record(z.string(), z.json()).nullable().default(null),
  url: z.string().nullable().default(null),
  type: z.string().nullable().default(null),
  result: z
    .array(z.object({ type: z.string(), content: z.string() }))
    .nullable()
    .default(null),
  errmsg: z.string().nullable().default(null),
  state: z
    .number()
    .refine((value) => stateValues.has(value), 'not an ActionStatusCode value')
    .default(ActionStatusCode.SUCCESS),
  thought: z.string().nullable().default(null),
  valid: z
    .number()
    .refine((value) => validValues.has(value), 'not an ActionValidCode value')
    .nullable()
    .default(ActionValidCode.OPEN),
  toolCallId: z.string().optional(),
});

const requiredKeys = ['args', 'url', 'type', 'result', 'errmsg', 'state', 'thought', 'valid'];

/** Structural check: the object has every ActionReturn field, with valid values. */
export function isActionReturn(value: unknown): value is ActionReturn {
  return (
    isPlainObject(value) &&
    requiredKeys.every((key) => key in value) &&
    ActionReturnSchema.strict().safeParse(value).success
  );
}

/** Validates untrusted data as an ActionReturn. Throws ValidationError. */
export function parseActionReturn(value: unknown, subject = 'ActionReturn'): ActionReturn {
  const result = ActionReturnSchema.safeParse(value);
  if (!result.success) {
    throw new ValidationError({
      subject,
      issues: result.error.issues.map(
        (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
      ),
    });
  }
  const { toolCallId, ...rest } = result.data;
  return createActionReturn({
    ...(rest as ActionReturn),
    ...(toolCallId === undefined ? {} : { toolCallId }),
  });
}
