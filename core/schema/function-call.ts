import { z } from 'zod';

/** A tool call: Lagent's `FunctionCall`. `id` is set for native (OpenAI) tool calls. */
export interface FunctionCall {
  name: string;
  /** An object, or a JSON text the executor parses. */
  parameters: Record<string, unknown> | string;
  id?: string;
}

export const FunctionCallSchema = z.object({
  name: z.string(),
  parameters: z.union([z.record(z.string(), z.unknown()), z.string()]),
  id: z.string().optional(),
});

/** True when `value` has the `{name, parameters}` shape the ActionExecutor routes. */
export function isFunctionCall(value: unknown): value is FunctionCall {
  return FunctionCallSchema.safeParse(value).success;
}
