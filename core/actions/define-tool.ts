import type { z } from 'zod';
import { AbortedError } from '../errors/aborted-error.ts';
import { ToolDefinitionError } from '../errors/agent-errors.ts';
import { PlatformError } from '../errors/platform-error.ts';
import { isPlainObject, toPythonJson } from '../internal/json.ts';
import { throwIfAborted } from '../internal/abort.ts';
import { pythonStr } from '../internal/python-text.ts';
import type { MaybePromise } from '../internal/maybe-promise.ts';
import { DEFAULT_SESSION_ID } from '../memory/memory-manager.ts';
import type { ActionReturn } from '../schema/action-return.ts';
import { createActionReturn, isCreatedActionReturn } from '../schema/action-return.ts';
import { ActionStatusCode } from '../schema/status-codes.ts';
import type {
  Action,
  ActionApi,
  RunActionOptions,
  ToolContext,
  ToolDescription,
} from './action.ts';
import { parseToolArguments } from './tool-arguments.ts';
import { describeApi, inputJsonSchema } from './tool-description.ts';

/**
 * One API. `execute` returns any JSON value (sent to the model as text: objects as JSON)
 * or an ActionReturn made with `createActionReturn` (for image items, custom errors).
 * A throw becomes an API_ERROR ActionReturn with the error's message.
 */
export interface ToolApiSpec<SCHEMA extends z.ZodObject = z.ZodObject> {
  description?: string;
  parameters: SCHEMA;
  execute(args: z.output<SCHEMA>, context: ToolContext): MaybePromise<unknown>;
}

export interface ToolSpec<SCHEMA extends z.ZodObject = z.ZodObject> extends ToolApiSpec<SCHEMA> {
  name: string;
}

/** Identity helper that lets TypeScript infer each toolkit API's argument types. */
export function defineToolApi<SCHEMA extends z.ZodObject>(spec: ToolApiSpec<SCHEMA>): ToolApiSpec {
  return spec;
}

export interface ToolkitSpec {
  name: string;
  description?: string;
  /** API name → API. Called as `Name.api`. */
  apis: Readonly<Record<string, ToolApiSpec>>;
}

// OpenAI's function-name rule, minus the dot that separates toolkit and API.
const namePattern = /^[A-Za-z0-9_-]{1,64}$/;

function checkName(name: string, what: string): void {
  if (!namePattern.test(name)) {
    throw new ToolDefinitionError({
      message: `${what} "${name}" must match ${namePattern.source}`,
    });
  }
}

/** Lagent's `parse_outputs`: a tool's return value as one text item. */
export function outputToText(output: unknown): string {
  if (typeof output === 'string') return output;
  // Lagent: str(None) for a tool that returns nothing.
  // Lagent: a dict as json.dumps, anything else as str().
  return isPlainObject(output) ? toPythonJson(output) : pythonStr(output);
}

class DefinedAction implements Action {
  readonly name: string;
  readonly isToolkit: boolean;
  readonly description: ToolDescription;
  readonly apis: readonly ActionApi[];
  readonly #specs: ReadonlyMap<string, ToolApiSpec>;

  constructor({
    name,
    description,
    apis,
    isToolkit,
  }: {
    name: string;
    description: string;
    apis: Record<string, ToolApiSpec>;
    isToolkit: boolean;
  }) {
    checkName(name, 'Tool name');
    for (const api of Object.keys(apis)) checkName(api, 'API name');
    this.name = name;
    this.isToolkit = isToolkit;
    this.#specs = new Map(Object.entries(apis));
    this.apis = Object.entries(apis).map(([api, spec]) => ({
      name: api,
      description: spec.description ?? description,
      inputSchema: inputJsonSchema(spec.parameters),
    }));
    const described = Object.entries(apis).map(([api, spec]) =>
      describeApi({
        name: isToolkit ? api : name,
        description: spec.description ?? (isToolkit ? '' : description),
        parameters: spec.parameters,
      }),
    );
    this.description = isToolkit
      ? { name, description, api_list: described }
      : (described[0] as ToolDescription);
  }

  async run({
    inputs,
    api = 'run',
    sessionId = DEFAULT_SESSION_ID,
    signal,
    emit,
    limits,
  }: RunActionOptions): Promise<ActionReturn> {
    const spec = this.#specs.get(api);
    if (!spec) {
      return createActionReturn({
        args: { inputs, name: api },
        type: this.name,
        errmsg: `invalid API: ${api}`,
        state: ActionStatusCode.API_ERROR,
      });
    }
    const parsed = parseToolArguments(inputs, spec.parameters, limits);
    if (!parsed.success) {
      return createActionReturn({
        // Inputs over the limits are not echoed: they may be huge, or too deep to serialise.
        args: parsed.overLimit ? { name: api } : { inputs, name: api },
        type: this.name,
        errmsg: parsed.errmsg,
        state: ActionStatusCode.ARGS_ERROR,
      });
    }
    throwIfAborted(signal, `Tool ${this.name}`);
    let output: unknown;
    try {
      output = await spec.execute(parsed.value, { sessionId, signal, emit });
    } catch (error) {
      if (signal?.aborted)
        throw new AbortedError({ message: `Tool ${this.name} was aborted`, cause: error });
      // The platform failing under the tool is not the tool's answer: let the caller (a
      // queue worker retries these) see it.
      if (PlatformError.isInstance(error)) throw error;
      return createActionReturn({
        args: parsed.given,
        type: this.name,
        errmsg: error instanceof Error ? error.message : String(error),
        state: ActionStatusCode.API_ERROR,
      });
    }
    if (isCreatedActionReturn(output)) {
      output.args ??= parsed.given;
      output.type ??= this.name;
      return output;
    }
    return createActionReturn({
      args: parsed.given,
      type: this.name,
      result: [{ type: 'text', content: outputToText(output) }],
    });
  }
}

/** Defines a single-API tool, called by its name. */
export function defineTool<SCHEMA extends z.ZodObject>(spec: ToolSpec<SCHEMA>): Action {
  return new DefinedAction({
    name: spec.name,
    description: spec.description ?? '',
    apis: { run: spec },
    isToolkit: false,
  });
}

/** Defines a toolkit: several APIs under one name, called as `Name.api`. */
export function defineToolkit(spec: ToolkitSpec): Action {
  if (Object.keys(spec.apis).length === 0) {
    throw new ToolDefinitionError({ message: `Toolkit "${spec.name}" has no APIs` });
  }
  return new DefinedAction({
    name: spec.name,
    description: spec.description ?? '',
    apis: { ...spec.apis },
    isToolkit: true,
  });
}
