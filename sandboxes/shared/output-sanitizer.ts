/* eslint-disable no-control-regex -- matching control characters is the point */
// Output from a sandbox is the attacker's. Before any of it reaches a log, a terminal or a
// model: terminal escape sequences (colours, cursor moves, titles, OSC 52 clipboard writes)
// are removed, and every other character that acts on the display without being seen is
// shown as a visible escape, so nothing can hide, reorder or overwrite what was printed.

// CSI, OSC ended by BEL or ST, and other two-byte ESC sequences. An OSC needs its
// terminator (else it would swallow the rest of the text): alone, `ESC ]` goes as a
// two-byte sequence and what follows stays visible.
const escapeSequence =
  /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_])/g;

// Shown as `\uXXXX` (`\u{XXXXX}` past U+FFFF):
// - C0 controls but tab and newline (a lone carriage return too: it overwrites a line), DEL,
//   C1 controls;
// - bidirectional controls: U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069;
// - zero-width and invisible characters: U+200B-U+200D, U+2060-U+2064, U+FEFF, and the tag
//   characters U+E0000-U+E007F (invisible on screen, read by models: "ASCII smuggling");
// - U+2028/U+2029 line and paragraph separators, and unpaired surrogates.
const invisible =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|\udb40[\udc00-\udc7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

// Every character either pattern above can start with: text without any of them (most
// output) is returned after one scan instead of three replace passes.
const suspect =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]/;

function visibleEscape(match: string): string {
  const codePoint = match.codePointAt(0) ?? 0;
  const hex = codePoint.toString(16);
  return codePoint > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, '0')}`;
}

/**
 * Makes sandbox output safe to show: removes ANSI escape sequences, turns CRLF into LF, and
 * shows every other control, bidirectional, zero-width or invisible character as a visible
 * escape such as `\u202e` or `\u0007`. Newlines and tabs are kept as they are.
 */
export function sanitizeText(text: string): string {
  if (!suspect.test(text)) return text;
  return text.replace(escapeSequence, '').replace(/\r\n/g, '\n').replace(invisible, visibleEscape);
}
