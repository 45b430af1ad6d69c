import { describe, expect, test } from 'vitest';
import { sanitizeText } from '../../../sandboxes/shared/output-sanitizer.ts';

describe('sanitizeText', () => {
  test('bidirectional controls are shown as visible escapes', () => {
    const hidden =
      'a\u202ab\u202bc\u202cd\u202de\u202ef\u2066g\u2067h\u2068i\u2069j\u200ek\u200fl\u061cm';
    expect(sanitizeText(hidden)).toBe(
      'a\\u202ab\\u202bc\\u202cd\\u202de\\u202ef\\u2066g\\u2067h\\u2068i\\u2069j\\u200ek\\u200fl\\u061cm',
    );
    // The classic trick: a filename that reads as "exe.txt" but is "txt.exe".
    expect(sanitizeText('invoice\u202etxt.exe')).toBe('invoice\\u202etxt.exe');
  });

  test('zero-width and invisible characters, tag characters and separators are shown', () => {
    expect(sanitizeText('a\u200bb\u200cc\u200dd\u2060e\ufefff')).toBe(
      'a\\u200bb\\u200cc\\u200dd\\u2060e\\ufefff',
    );
    // "hi" written in Unicode tag characters: invisible on screen, read by a model.
    expect(sanitizeText('ok\u{e0068}\u{e0069}')).toBe('ok\\u{e0068}\\u{e0069}');
    expect(sanitizeText('a\u2028b\u2029c')).toBe('a\\u2028b\\u2029c');
    expect(sanitizeText('lone \ud800 and \udc00')).toBe('lone \\ud800 and \\udc00');
  });

  test('control characters are shown as escapes; newlines and tabs are kept; CRLF becomes LF', () => {
    expect(sanitizeText('bell\u0007 nul\u0000 del\u007f c1\u009b')).toBe(
      'bell\\u0007 nul\\u0000 del\\u007f c1\\u009b',
    );
    expect(sanitizeText('a\tb\nc\r\nd')).toBe('a\tb\nc\nd');
    // A lone carriage return would overwrite the line on a terminal.
    expect(sanitizeText('secret\rshown')).toBe('secret\\u000dshown');
  });

  test('ANSI escape sequences are removed; an unterminated OSC hides nothing', () => {
    expect(
      sanitizeText('\u001b[31mred\u001b[0m \u001b]0;title\u0007plain \u001b]52;c;eA==\u001b\\x'),
    ).toBe('red plain x');
    // Only the introducer goes; the rest stays visible.
    expect(sanitizeText('\u001b]0;rest of the output')).toBe('0;rest of the output');
  });

  test('ordinary text, emoji and other scripts pass unchanged', () => {
    const text = 'héllo wörld 😀 👩‍💻 مرحبا 你好\n\tend';
    // The zero-width joiner inside the emoji sequence is shown too: it cannot be told apart.
    expect(sanitizeText(text)).toBe('héllo wörld 😀 👩\\u200d💻 مرحبا 你好\n\tend');
  });

  // The quick check that lets plain text through must still catch one of each kind, alone in
  // a long plain text.
  test.each([
    '\u0000',
    '\u0007',
    '\u000b',
    '\u001b[1m',
    '\r',
    '\u007f',
    '\u0085',
    '\u061c',
    '\u200b',
    '\u200e',
    '\u2028',
    '\u2029',
    '\u202a',
    '\u202e',
    '\u2060',
    '\u2066',
    '\ufeff',
    '\udb40\udc41',
    '\ud800',
    '\udc00',
  ])('%j in long plain text is still caught', (suspect) => {
    const text = `${'plain text '.repeat(200)}${suspect} and more`;
    const shown = sanitizeText(text);
    expect(shown).not.toBe(text);
    expect(shown.startsWith('plain text ')).toBe(true);
    expect(shown.endsWith(' and more')).toBe(true);
  });

  test('plain text comes back as it is', () => {
    const text = 'line one\n\tline two 😀 done\n'.repeat(1000);
    expect(sanitizeText(text)).toBe(text);
  });
});
