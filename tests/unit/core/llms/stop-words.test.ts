import { describe, expect, it } from 'vitest';
import { cutAtStopWords, stopWordPrefixLength } from '../../../../core/llms/stop-words.ts';

describe('cutAtStopWords', () => {
  it('cuts at the earliest occurrence of any stop word', () => {
    const text = 'answer<|action_end|>more<|im_end|>rest';

    expect(cutAtStopWords(text, ['<|im_end|>', '<|action_end|>'])).toBe('answer');
    expect(cutAtStopWords(text, ['<|im_end|>'])).toBe('answer<|action_end|>more');
  });

  it('cuts at the first occurrence of a repeated stop word', () => {
    expect(cutAtStopWords('a.b.c', ['.'])).toBe('a');
  });

  it('leaves text without stop words unchanged, and ignores an empty stop word', () => {
    expect(cutAtStopWords('plain text', ['<|im_end|>'])).toBe('plain text');
    expect(cutAtStopWords('plain text', [])).toBe('plain text');
    expect(cutAtStopWords('plain text', ['', 'text'])).toBe('plain ');
  });

  it('returns an empty string when the text starts with a stop word', () => {
    expect(cutAtStopWords('<|im_end|>after', ['<|im_end|>'])).toBe('');
  });
});

describe('stopWordPrefixLength', () => {
  it('measures the tail that could start a stop word', () => {
    expect(stopWordPrefixLength('Hello <|im', ['<|im_end|>'])).toBe(4);
    expect(stopWordPrefixLength('Hello <', ['<|im_end|>'])).toBe(1);
    expect(stopWordPrefixLength('Hello <|im_end|', ['<|im_end|>'])).toBe(9);
  });

  it('takes the longest over several stop words', () => {
    expect(stopWordPrefixLength('x <|act', ['<|im_end|>', '<|action_end|>'])).toBe(5);
  });

  it('is 0 when no tail matches, for a complete stop word, and for empty stop words', () => {
    expect(stopWordPrefixLength('Hello', ['<|im_end|>'])).toBe(0);
    expect(stopWordPrefixLength('x<|im_end|>', ['<|im_end|>'])).toBe(0);
    expect(stopWordPrefixLength('abc', [''])).toBe(0);
    expect(stopWordPrefixLength('', ['<|im_end|>'])).toBe(0);
  });
});
