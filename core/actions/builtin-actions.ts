import { z } from 'zod';
import type { ActionReturn } from '../schema/action-return.ts';
import { createActionReturn } from '../schema/action-return.ts';
import { ActionStatusCode, ActionValidCode } from '../schema/status-codes.ts';
import type { Action, ActionApi, RunActionOptions, ToolDescription } from './action.ts';
import { outputToText } from './define-tool.ts';
import { inputJsonSchema } from './tool-description.ts';

export const DEFAULT_INVALID_ACTION_MESSAGE =
  'The action is invalid, please check the action name.';
export const DEFAULT_NO_ACTION_MESSAGE = 'Please follow the format';

/** Base of the built-in actions, which take their raw input as their one argument. */
abstract class RawInputAction implements Action {
  abstract readonly name: string;
  readonly isToolkit = false;
  abstract readonly parameterName: string;
  abstract readonly summary: string;

  get description(): ToolDescription {
    return {
      name: this.name,
      description: this.summary,
      parameters: [{ name: this.parameterName, type: 'STRING' }],
      required: [],
    };
  }

  get apis(): readonly ActionApi[] {
    return [
      {
        name: 'run',
        description: this.summary,
        inputSchema: inputJsonSchema(z.object({ [this.parameterName]: z.string().optional() })),
      },
    ];
  }

  abstract run(options: RunActionOptions): Promise<ActionReturn>;
}

function nonEmptyText(inputs: unknown): string | undefined {
  if (inputs === null || inputs === undefined) return undefined;
  const text = outputToText(inputs);
  return text === '' || text === '{}' ? undefined : text;
}

/** An action whose answer is always an error: the model called something it should not have. */
abstract class RefusingAction extends RawInputAction {
  readonly parameterName = 'err_msg';
  readonly errMsg: string;

  constructor(errMsg: string) {
    super();
    this.errMsg = errMsg;
  }

  /** The errmsg for these inputs. */
  protected abstract message(inputs: unknown): string;

  run({ inputs }: RunActionOptions): Promise<ActionReturn> {
    return Promise.resolve(
      createActionReturn({
        args: { text: inputs ?? null },
        type: this.name,
        errmsg: this.message(inputs),
        state: ActionStatusCode.API_ERROR,
        valid: ActionValidCode.INVALID,
      }),
    );
  }
}

/** Lagent's `InvalidAction`: answers calls to tools that do not exist. */
export class InvalidAction extends RefusingAction {
  readonly name = 'InvalidAction';
  readonly summary = 'Answers a call to an action that does not exist.';

  constructor({ errMsg = DEFAULT_INVALID_ACTION_MESSAGE }: { errMsg?: string } = {}) {
    super(errMsg);
  }

  protected message(inputs: unknown): string {
    return typeof inputs === 'string' && inputs !== '' ? inputs : this.errMsg;
  }
}

/** Lagent's `NoAction`: answers a reply that should have held a tool call and did not parse. */
export class NoAction extends RefusingAction {
  readonly name = 'NoAction';
  readonly summary = 'Answers a reply that does not follow the tool-call format.';

  constructor({ errMsg = DEFAULT_NO_ACTION_MESSAGE }: { errMsg?: string } = {}) {
    super(errMsg);
  }

  protected message(): string {
    return this.errMsg;
  }
}

/** Lagent's `FinishAction`: the model's final answer, marked `valid: FINISH`. */
export class FinishAction extends RawInputAction {
  readonly name = 'FinishAction';
  readonly parameterName = 'response';
  readonly summary = 'Gives the final response to the user.';

  run({ inputs }: RunActionOptions): Promise<ActionReturn> {
    const response =
      typeof inputs === 'object' && inputs !== null && 'response' in inputs
        ? inputs.response
        : inputs;
    const text = nonEmptyText(response) ?? '';
    return Promise.resolve(
      createActionReturn({
        args: { text },
        type: this.name,
        result: [{ type: 'text', content: text }],
        state: ActionStatusCode.SUCCESS,
        valid: ActionValidCode.FINISH,
      }),
    );
  }
}
