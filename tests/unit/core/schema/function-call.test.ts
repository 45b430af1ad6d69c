// FunctionCall (inventory 1): the `{name, parameters}` shape the ActionExecutor routes.
import { describe, expect, it } from 'vitest';
import { FunctionCallSchema, isFunctionCall } from '../../../../core/index.ts';

describe('isFunctionCall', () => {
  it.each([
    ['object parameters', { name: 'Calc.add', parameters: { a: 1 } }],
    ['JSON text parameters', { name: 'Calc.add', parameters: '{"a": 1}' }],
    ['a native call id', { id: 'call_1', name: 'Calc__add', parameters: {} }],
  ])('accepts %s', (_label, value) => {
    expect(isFunctionCall(value)).toBe(true);
  });

  it.each([
    ['no parameters', { name: 'Calc.add' }],
    ['no name', { parameters: {} }],
    ['a numeric name', { name: 1, parameters: {} }],
    ['list parameters', { name: 'A', parameters: [1] }],
    ['a numeric id', { id: 1, name: 'A', parameters: {} }],
    ['a string', 'Calc.add'],
    ['null', null],
  ])('rejects %s', (_label, value) => {
    expect(isFunctionCall(value)).toBe(false);
  });

  it('parses to name, parameters and id only', () => {
    expect(
      FunctionCallSchema.parse({ id: 'c', name: 'A', parameters: { x: 1 }, extra: true }),
    ).toEqual({ id: 'c', name: 'A', parameters: { x: 1 } });
  });
});
