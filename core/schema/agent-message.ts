import { z } from 'zod';
import { ValidationError } from '../errors/validation-error.ts';
import { isPlainObject } from '../internal/json.ts';
import { AgentStatusCode } from './status-codes.ts';

/**
 * The one message type between agents, executors and memory: Lagent's `AgentMessage`,
 * as a plain JSON-serialisable object. Fields use TypeScript casing (`extraInfo`,
 * `streamState`); `parseAgentMessage` also reads Lagent's Python dumps (`extra_info`,
 * `stream_state`).
 */
export interface AgentMessage {
  content: unknown;
  sender: string;
  /** What the agent's output parser read from `content`; `null` when there is none. */
  formatted: unknown;
  extraInfo: unknown;
  type: string | null;
  receiver: string | null;
  streamState: AgentStatusCode;
}

export interface AgentMessageInit {
  content: unknown;
  /** @default 'user' */
  sender?: string;
  formatted?: unknown;
  extraInfo?: unknown;
  type?: string | null;
  receiver?: string | null;
  /** @default AgentStatusCode.END */
  streamState?: AgentStatusCode;
}

/** Builds an AgentMessage with Lagent's defaults for every field not given. */
export function createAgentMessage(init: AgentMessageInit): AgentMessage {
  return {
    content: init.content,
    sender: init.sender ?? 'user',
    formatted: init.formatted ?? null,
    extraInfo: init.extraInfo ?? null,
    type: init.type ?? null,
    receiver: init.receiver ?? null,
    streamState: init.streamState ?? AgentStatusCode.END,
  };
}

const statusValues = new Set<number>(Object.values(AgentStatusCode));

/** Schema of a serialised AgentMessage: every payload field must be JSON. */
export const AgentMessageSchema = z.object({
  content: z.json(),
  sender: z.string().default('user'),
  formatted: z.json().default(null),
  extraInfo: z.json().default(null),
  type: z.string().nullable().default(null),
  receiver: z.string().nullable().default(null),
  streamState: z
    .number()
    .refine((value) => statusValues.has(value), 'not an AgentStatusCode value')
    .default(AgentStatusCode.END),
});

const pythonKeys: Readonly<Record<string, string>> = {
  extra_info: 'extraInfo',
  stream_state: 'streamState',
};

function fromPythonKeys(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const renamed: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) renamed[pythonKeys[key] ?? key] = item;
  if (isPlainObject(renamed['formatted']) && 'tool_type' in renamed['formatted']) {
    const { tool_type: toolType, ...rest } = renamed['formatted'];
    renamed['formatted'] = { toolType, ...rest };
  }
  return renamed;
}

/**
 * Validates untrusted data as an AgentMessage (a state dict entry, a queue payload).
 * Accepts Lagent's snake_case dumps. Throws ValidationError naming `subject`.
 */
export function parseAgentMessage(value: unknown, subject = 'AgentMessage'): AgentMessage {
  const result = AgentMessageSchema.safeParse(fromPythonKeys(value));
  if (!result.success) {
    throw new ValidationError({
      subject,
      issues: result.error.issues.map(
        (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
      ),
    });
  }
  return result.data as AgentMessage;
}

/** Structural check used where inputs may be strings or messages. */
export function isAgentMessage(value: unknown): value is AgentMessage {
  return isPlainObject(value) && 'content' in value && typeof value['sender'] === 'string';
}
