import type { SessionId } from '../memory/memory-manager.ts';
import type { ActionReturn } from '../schema/action-return.ts';
import type { ArgumentLimits } from './tool-arguments.ts';

/** Lagent's parameter types in tool descriptions (not JSON Schema). */
export type LagentParameterType = 'STRING' | 'NUMBER' | 'FLOAT' | 'BOOLEAN' | 'Array';

export interface ParameterDescription {
  name: string;
  type: LagentParameterType;
  description?: string;
}

/** One field of what an API returns: Lagent's `return_data` item (`type` only when known). */
export interface ReturnDataDescription {
  name: string;
  description: string;
  type?: LagentParameterType;
}

/**
 * One API in Lagent's tool-description format. Keys stay snake_case and in Lagent's order
 * (`return_data` only when the API declares its returns): this is text shown to models,
 * and prompts tuned on Lagent expect it byte for byte.
 */
export interface ApiDescription {
  name: string;
  description: string;
  parameters: ParameterDescription[];
  required: string[];
  return_data?: ReturnDataDescription[];
  parameter_description?: string;
}

/** A tool's description: a single API, or a toolkit with `api_list`. */
export type ToolDescription =
  ApiDescription | { name: string; description: string; api_list: ApiDescription[] };

/** What a tool gets besides its arguments. */
export interface ToolContext {
  sessionId: SessionId;
  signal?: AbortSignal | undefined;
  /** Streams output while the tool runs (a queue worker forwards it to the submitter). */
  emit?: ((event: ToolEvent) => void) | undefined;
}

/** Output a tool reports while it runs. */
export type ToolEvent =
  { type: 'stdout' | 'stderr'; text: string } | { type: 'result'; result: Record<string, unknown> };

/** One callable API of an action, with its JSON Schema for native tool calling. */
export interface ActionApi {
  /** `'run'` for a single-API tool. */
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface RunActionOptions {
  /** Raw arguments: an object, or JSON text (a ```json fence is allowed). */
  inputs: unknown;
  /** @default 'run' */
  api?: string;
  sessionId?: SessionId;
  signal?: AbortSignal | undefined;
  emit?: ((event: ToolEvent) => void) | undefined;
  /**
   * The id the model gave this tool call, when it gave one. A tool that runs elsewhere uses
   * it as an idempotency key: the same call sent twice runs once.
   */
  toolCallId?: string | undefined;
  /**
   * Bounds of the arguments, set by the executor; tools that parse JSON text arguments
   * check the parsed value against them. @default DEFAULT_REQUEST_LIMITS
   */
  limits?: ArgumentLimits | undefined;
}

/**
 * Anything the ActionExecutor can route to: Lagent's `BaseAction`. `run` never throws for
 * bad input or a failing tool; those come back as an ActionReturn with an errmsg.
 */
export interface Action {
  readonly name: string;
  readonly isToolkit: boolean;
  readonly description: ToolDescription;
  readonly apis: readonly ActionApi[];
  run(options: RunActionOptions): Promise<ActionReturn>;
  /** Frees what the action holds for one session (a kernel, search results). */
  closeSession?(sessionId: SessionId): Promise<void>;
  /** Frees everything the action holds. */
  dispose?(): Promise<void>;
}
