import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, StrParser } from '../../../../core/index.ts';

describe('StrParser', () => {
  it('fills the template fields', () => {
    const parser = new StrParser({
      template: 'Answer in {language}, in at most {words} words. Again: {language}.',
      formatFields: { language: 'English', words: 50 },
    });
    expect(parser.formatInstruction()).toBe(
      'Answer in English, in at most 50 words. Again: English.',
    );
  });

  it('keeps the template and fields', () => {
    const parser = new StrParser({ template: 'T {a}', formatFields: { a: 1 } });
    expect(parser.template).toBe('T {a}');
    expect(parser.formatFields).toEqual({ a: 1 });
  });

  it('reads {{ and }} as literal braces', () => {
    const parser = new StrParser({
      template: 'Reply as {{"answer": {type}}} and never {{this}}',
      formatFields: { type: 'str' },
    });
    expect(parser.formatInstruction()).toBe('Reply as {"answer": str} and never {this}');
  });

  it('accepts fields the template does not use', () => {
    expect(
      new StrParser({ template: 'Hi', formatFields: { unused: 'x' } }).formatInstruction(),
    ).toBe('Hi');
  });

  it('defaults to an empty template', () => {
    expect(new StrParser().formatInstruction()).toBe('');
  });

  it('throws InvalidArgumentError naming the missing field at construction', () => {
    expect(
      () => new StrParser({ template: '{present} and {absent}', formatFields: { present: 1 } }),
    ).toThrow(InvalidArgumentError);
    expect(
      () => new StrParser({ template: '{present} and {absent}', formatFields: { present: 1 } }),
    ).toThrow(/missing absent/);
  });

  it('does not take a literal {{field}} as a field', () => {
    expect(new StrParser({ template: '{{field}}' }).formatInstruction()).toBe('{field}');
  });

  it('returns the reply unchanged from parseResponse', () => {
    const parser = new StrParser({ template: 'x' });
    const reply = '  any reply\n<tool>\n{"a": 1}\n';
    expect(parser.parseResponse(reply)).toBe(reply);
    expect(parser.parseResponse('')).toBe('');
  });
});
