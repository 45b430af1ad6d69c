// The built-in actions: InvalidAction, NoAction and FinishAction (inventory 3.7).
import { describe, expect, it } from 'vitest';
import {
  ActionStatusCode,
  ActionValidCode,
  DEFAULT_INVALID_ACTION_MESSAGE,
  DEFAULT_NO_ACTION_MESSAGE,
  FinishAction,
  InvalidAction,
  NoAction,
} from '../../../../core/index.ts';

describe('InvalidAction', () => {
  it("answers with Lagent's default message, API_ERROR and valid INVALID", async () => {
    expect(DEFAULT_INVALID_ACTION_MESSAGE).toBe(
      'The action is invalid, please check the action name.',
    );
    expect(await new InvalidAction().run({ inputs: { x: 1 } })).toEqual({
      args: { text: { x: 1 } },
      url: null,
      type: 'InvalidAction',
      result: null,
      errmsg: 'The action is invalid, please check the action name.',
      state: ActionStatusCode.API_ERROR,
      thought: null,
      valid: ActionValidCode.INVALID,
    });
  });

  it('answers with a message given as its input', async () => {
    const result = await new InvalidAction().run({ inputs: 'Tool X is gone.' });

    expect(result.errmsg).toBe('Tool X is gone.');
    expect(result.args).toEqual({ text: 'Tool X is gone.' });
  });

  it('takes a custom default message', async () => {
    const result = await new InvalidAction({ errMsg: 'No such tool.' }).run({ inputs: '' });

    expect(result.errmsg).toBe('No such tool.');
    expect(result.args).toEqual({ text: '' });
  });

  it('records no input as null', async () => {
    expect((await new InvalidAction().run({ inputs: undefined })).args).toEqual({ text: null });
  });
});

describe('NoAction', () => {
  it('answers "Please follow the format" with API_ERROR and valid INVALID', async () => {
    expect(DEFAULT_NO_ACTION_MESSAGE).toBe('Please follow the format');
    expect(await new NoAction().run({ inputs: '{"name": broken' })).toEqual({
      args: { text: '{"name": broken' },
      url: null,
      type: 'NoAction',
      result: null,
      errmsg: 'Please follow the format',
      state: ActionStatusCode.API_ERROR,
      thought: null,
      valid: ActionValidCode.INVALID,
    });
  });

  it('takes a custom message', async () => {
    expect(
      (await new NoAction({ errMsg: 'Use the tool format.' }).run({ inputs: {} })).errmsg,
    ).toBe('Use the tool format.');
  });
});

describe('FinishAction', () => {
  it('answers the final response with SUCCESS and valid FINISH', async () => {
    expect(await new FinishAction().run({ inputs: 'done' })).toEqual({
      args: { text: 'done' },
      url: null,
      type: 'FinishAction',
      result: [{ type: 'text', content: 'done' }],
      errmsg: null,
      state: ActionStatusCode.SUCCESS,
      thought: null,
      valid: ActionValidCode.FINISH,
    });
  });

  it('reads the response from {response}', async () => {
    const result = await new FinishAction().run({ inputs: { response: 'the answer is 4' } });

    expect(result.result).toEqual([{ type: 'text', content: 'the answer is 4' }]);
    expect(result.args).toEqual({ text: 'the answer is 4' });
  });

  it('sends another object response as JSON text', async () => {
    const result = await new FinishAction().run({ inputs: { response: { total: 4 } } });

    expect(result.result).toEqual([{ type: 'text', content: '{"total": 4}' }]);
  });
});

describe('built-in action descriptions', () => {
  it.each([
    [new InvalidAction(), 'InvalidAction', 'err_msg'],
    [new NoAction(), 'NoAction', 'err_msg'],
    [new FinishAction(), 'FinishAction', 'response'],
  ])('describes %o as a single tool taking its raw input', (action, name, parameter) => {
    expect(action.name).toBe(name);
    expect(action.isToolkit).toBe(false);
    expect(action.description).toMatchObject({
      name,
      parameters: [{ name: parameter, type: 'STRING' }],
      required: [],
    });
    expect(action.apis).toEqual([
      {
        name: 'run',
        description: action.description.description,
        inputSchema: {
          type: 'object',
          properties: { [parameter]: { type: 'string' } },
        },
      },
    ]);
  });
});
