import type { z } from 'zod';
import { AbortedError } from '../errors/aborted-error.ts';
import { ToolDefinitionError } from '../errors/agent-errors.ts';
import { PlatformError } from '../errors/platform-error.ts';
import { isPlainObject, toPythonJson } from '../internal/json.ts';
import { throwIfAborted } from '../internal/abort.ts';
import { pythonStr } from '../internal/python-text.ts';
import type { MaybePromise } from '../internal/maybe-promise.ts';
import type { SessionId } from '../memory/memory-manager.ts';
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
import type { SessionParameterSchemas } from './session-parameter.ts';
import {
  DEFAULT_SESSION_ID_PARAMETER,
  sessionParameterSchemas,
  withSessionId,
} from './session-parameter.ts';
import type { ArgumentLimits, ToolArgumentsResult } from './tool-arguments.ts';
import { parseToolArguments } from './tool-arguments.ts';
import { describeApi, inputJsonSchema, JSON_PARAMETER_DESCRIPTION } from './tool-description.ts';
import { parseTupleArguments, TUPLE_PARAMETER_DESCRIPTION } from './tuple-arguments.ts';

/**
 * How the model passes a tool's arguments, Lagent's action `parser`: `'json'` (JsonParser,
 * `{"a": 1}`) or `'tuple'` (TupleParser, `(1, 'x')` in parameter order).
 */
export type ArgumentFormat = 'json' | 'tuple';

export const DEFAULT_ARGUMENT_FORMAT: ArgumentFormat = 'json';

/**
 * One API. `execute` returns any JSON value (sent to the model as text: objects as JSON)
 * or an ActionReturn made with `createActionReturn` (for image items, custom errors).
 * A throw becomes an API_ERROR ActionReturn with the error's message.
 */
export interface ToolApiSpec<SCHEMA extends z.ZodObject = z.ZodObject> {
  description?: string;
  parameters: SCHEMA;
  /**
   * The fields of what `execute` returns, shown to the model as `return_data` (Lagent's
   * `@tool_api(explode_return=True)`); not checked against the output.
   */
  returns?: z.ZodObject;
  /**
   * The parameter that gets the executor call's session id, whatever the model sent (Lagent's
   * AsyncIPythonInterpreter `session_id`). It is left out of the descriptions the model sees,
   * so a model cannot pick another session. `null`: no such parameter.
   * @default DEFAULT_SESSION_ID_PARAMETER ('session_id'), when the schema has it
   */
  sessionIdParameter?: string | null;
  execute(args: z.output<SCHEMA>, context: ToolContext): MaybePromise<unknown>;
}

export interface ToolSpec<SCHEMA extends z.ZodObject = z.ZodObject> extends ToolApiSpec<SCHEMA> {
  name: string;
  /** @default DEFAULT_ARGUMENT_FORMAT ('json') */
  argumentFormat?: ArgumentFormat;
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
  /** @default DEFAULT_ARGUMENT_FORMAT ('json') */
  argumentFormat?: ArgumentFormat;
}

interface PreparedApi {
  spec: ToolApiSpec;
  session: SessionParameterSchemas;
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
  readonly argumentFormat: ArgumentFormat;
  readonly #specs: ReadonlyMap<string, PreparedApi>;

  constructor({
    name,
    description,
    apis,
    isToolkit,
    argumentFormat,
  }: {
    name: string;
    description: string;
    apis: Record<string, ToolApiSpec>;
    isToolkit: boolean;
    argumentFormat: ArgumentFormat;
  }) {
    checkName(name, 'Tool name');
    for (const api of Object.keys(apis)) checkName(api, 'API name');
    if (argumentFormat !== 'json' && argumentFormat !== 'tuple') {
      throw new ToolDefinitionError({
        message: `argumentFormat of "${name}" must be 'json' or 'tuple', got ${String(argumentFormat)}`,
      });
    }
    this.name = name;
    this.isToolkit = isToolkit;
    this.argumentFormat = argumentFormat;
    this.#specs = new Map(
      Object.entries(apis).map(([api, spec]) => [
        api,
        {
          spec,
          session: sessionParameterSchemas(
            spec.parameters,
            spec.sessionIdParameter === undefined
              ? DEFAULT_SESSION_ID_PARAMETER
              : spec.sessionIdParameter,
          ),
        },
      ]),
    );
    this.apis = [...this.#specs].map(([api, { spec, session }]) => ({
      name: api,
      description: spec.description ?? description,
      inputSchema: inputJsonSchema(session.visible),
    }));
    const described = [...this.#specs].map(([api, { spec, session }]) =>
      describeApi({
        name: isToolkit ? api : name,
        description: spec.description ?? (isToolkit ? '' : description),
        parameters: session.visible,
        returns: spec.returns,
        parameterDescription:
          argumentFormat === 'tuple' ? TUPLE_PARAMETER_DESCRIPTION : JSON_PARAMETER_DESCRIPTION,
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
    const prepared = this.#specs.get(api);
    if (!prepared) {
      return createActionReturn({
        args: { inputs, name: api },
        type: this.name,
        errmsg: `invalid API: ${api}`,
        state: ActionStatusCode.API_ERROR,
      });
    }
    const { spec } = prepared;
    const parsed = this.#parse({ inputs, prepared, sessionId, limits });
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

  #parse({
    inputs,
    prepared: { spec, session },
    sessionId,
    limits,
  }: {
    inputs: unknown;
    prepared: PreparedApi;
    sessionId: SessionId;
    limits: ArgumentLimits | undefined;
  }): ToolArgumentsResult {
    const parsed =
      this.argumentFormat === 'tuple'
        ? parseTupleArguments(inputs, session.visible, limits)
        : parseToolArguments(inputs, session.lenient, limits);
    if (!parsed.success || session.name === undefined) return parsed;
    return withSessionId({ parsed, schema: spec.parameters, name: session.name, sessionId });
  }
}

/** Defines a single-API tool, called by its name. */
export function defineTool<SCHEMA extends z.ZodObject>(spec: ToolSpec<SCHEMA>): Action {
  return new DefinedAction({
    name: spec.name,
    description: spec.description ?? '',
    apis: { run: spec },
    isToolkit: false,
    argumentFormat: spec.argumentFormat ?? DEFAULT_ARGUMENT_FORMAT,
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
    argumentFormat: spec.argumentFormat ?? DEFAULT_ARGUMENT_FORMAT,
  });
}
