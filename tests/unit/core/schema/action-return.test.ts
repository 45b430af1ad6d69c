// ActionReturn (inventory 2): Lagent's defaults, format_result(), the structural check and
// validation of untrusted data.
import { describe, expect, it } from 'vitest';
import {
  ActionStatusCode,
  ActionValidCode,
  ValidationError,
  createActionReturn,
  formatResult,
  isActionReturn,
  isCreatedActionReturn,
  parseActionReturn,
} from '../../../../core/index.ts';

describe('createActionReturn', () => {
  it("fills Lagent's defaults: state SUCCESS, valid OPEN, the rest null", () => {
    const actionReturn = createActionReturn();

    expect(actionReturn).toEqual({
      args: null,
      url: null,
      type: null,
      result: null,
      errmsg: null,
      state: ActionStatusCode.SUCCESS,
      thought: null,
      valid: ActionValidCode.OPEN,
    });
    expect(actionReturn).not.toHaveProperty('toolCallId');
    expect(JSON.stringify(actionReturn)).toBe(
      '{"args":null,"url":null,"type":null,"result":null,"errmsg":null,"state":0,"thought":null,"valid":0}',
    );
  });

  it('keeps every field it is given, including valid null and a toolCallId', () => {
    expect(
      createActionReturn({
        args: { a: 1 },
        url: 'https://example.com',
        type: 'Calc',
        result: [{ type: 'text', content: '3' }],
        errmsg: 'none',
        state: ActionStatusCode.ING,
        thought: 'adding',
        valid: null,
        toolCallId: 'call_1',
      }),
    ).toEqual({
      args: { a: 1 },
      url: 'https://example.com',
      type: 'Calc',
      result: [{ type: 'text', content: '3' }],
      errmsg: 'none',
      state: 1,
      thought: 'adding',
      valid: null,
      toolCallId: 'call_1',
    });
  });

  it('marks what it makes, and only that', () => {
    const made = createActionReturn();

    expect(isCreatedActionReturn(made)).toBe(true);
    expect(isCreatedActionReturn({ ...made })).toBe(false);
    expect(isCreatedActionReturn(structuredClone(made))).toBe(false);
    expect(isCreatedActionReturn(null)).toBe(false);
  });
});

describe('formatResult', () => {
  it('writes text items as they are and other items as [type](content), one per line', () => {
    expect(
      formatResult({
        result: [
          { type: 'text', content: 'hello' },
          { type: 'image', content: '/tmp/a.png' },
        ],
      }),
    ).toBe('hello\n[image](/tmp/a.png)');
  });

  it('gives an empty string for no result', () => {
    expect(formatResult({ result: null })).toBe('');
    expect(formatResult({ result: [] })).toBe('');
  });

  it('ignores errmsg', () => {
    expect(
      formatResult(createActionReturn({ errmsg: 'boom', state: ActionStatusCode.API_ERROR })),
    ).toBe('');
  });
});

describe('isActionReturn', () => {
  it('is true for a created ActionReturn and for a structural copy of one', () => {
    const actionReturn = createActionReturn({
      args: { a: 1 },
      result: [{ type: 'text', content: '3' }],
      toolCallId: 'call_1',
    });

    expect(isActionReturn(actionReturn)).toBe(true);
    expect(isActionReturn(structuredClone(actionReturn))).toBe(true);
  });

  it('is false when a field is missing', () => {
    const { thought: _thought, ...withoutThought } = createActionReturn();

    expect(isActionReturn(withoutThought)).toBe(false);
    expect(isActionReturn({ result: [{ type: 'text', content: 'x' }] })).toBe(false);
  });

  it('is false with an extra key', () => {
    expect(isActionReturn({ ...createActionReturn(), extra: 1 })).toBe(false);
  });

  it('is false with values out of range or of the wrong type', () => {
    expect(isActionReturn({ ...createActionReturn(), state: 7 })).toBe(false);
    expect(isActionReturn({ ...createActionReturn(), valid: 9 })).toBe(false);
    expect(isActionReturn({ ...createActionReturn(), errmsg: { x: 1 } })).toBe(false);
    expect(isActionReturn({ ...createActionReturn(), result: [{ type: 'text' }] })).toBe(false);
  });

  it('is false for non-objects and arrays', () => {
    expect(isActionReturn('text')).toBe(false);
    expect(isActionReturn(null)).toBe(false);
    expect(isActionReturn([createActionReturn()])).toBe(false);
  });
});

describe('parseActionReturn', () => {
  it('fills the defaults and returns a created ActionReturn', () => {
    const parsed = parseActionReturn({ result: [{ type: 'text', content: '3' }] });

    expect(parsed).toEqual(createActionReturn({ result: [{ type: 'text', content: '3' }] }));
    expect(isCreatedActionReturn(parsed)).toBe(true);
  });

  it('reads a JSON round trip of an ActionReturn', () => {
    const original = createActionReturn({
      args: { inputs: { c: 1 }, name: 'add' },
      type: 'Calc',
      errmsg: "unknown arguments: {'c'}",
      state: ActionStatusCode.ARGS_ERROR,
      valid: ActionValidCode.INVALID,
      toolCallId: 'call_2',
    });

    expect(parseActionReturn(structuredClone(original))).toEqual(original);
  });

  it.each([
    [
      'a state that is not an ActionStatusCode',
      { state: 5 },
      'state: not an ActionStatusCode value',
    ],
    ['a valid that is not an ActionValidCode', { valid: 7 }, 'valid: not an ActionValidCode value'],
    [
      'a result item without content',
      { result: [{ type: 'text' }] },
      'result.0.content: Invalid input: expected string, received undefined',
    ],
    [
      'a non-string errmsg',
      { errmsg: 3 },
      'errmsg: Invalid input: expected string, received number',
    ],
    ['null', null, '(root): Invalid input: expected object, received null'],
  ])('rejects %s with ValidationError', (_label, value, issue) => {
    expect(() => parseActionReturn(value)).toThrow(ValidationError);
    expect(() => parseActionReturn(value)).toThrow(`Invalid ActionReturn: ${issue}`);
  });

  it('names the subject it is given', () => {
    expect(() => parseActionReturn({ state: 5 }, 'job result')).toThrow(
      expect.objectContaining({
        subject: 'job result',
        issues: ['state: not an ActionStatusCode value'],
      }),
    );
  });
});
