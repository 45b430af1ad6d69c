import type { Options } from 'acorn';
import { parse, tokenizer, tokTypes } from 'acorn';
import { isPlainObject, safeParseJson } from '../../core/index.ts';

// Lagent's extract_code (tools/ipython/extract-code.ts) is made for Python, where a backtick
// is never code: it takes the first `...` span it finds. In JavaScript backticks are template
// literals, so that rule ran only a literal out of the code. Here a fence is a Markdown fence:
// a line that starts with three or more backticks (in a template literal such a line would
// end the literal, so code escapes them), and unfenced code is taken whole.

/** Info strings of a fenced block that holds JavaScript (or nothing said). */
const JAVASCRIPT_FENCES = new Set([
  '',
  'js',
  'javascript',
  'mjs',
  'cjs',
  'jsx',
  'node',
  'ts',
  'typescript',
  'tsx',
]);

interface FencedBlock {
  info: string;
  code: string;
  /** Where the opening fence line starts. */
  start: number;
}

// An opening fence: up to three spaces, three or more backticks, an info string without
// backticks (CommonMark). The closing fence is as long or longer, alone on its line.
const OPENING_FENCE = /^( {0,3})(`{3,})([^`\n]*)$/gm;

function fencedBlocks(text: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  OPENING_FENCE.lastIndex = 0;
  for (let open = OPENING_FENCE.exec(text); open; open = OPENING_FENCE.exec(text)) {
    const [line, , ticks = '```', info = ''] = open;
    const bodyStart = open.index + line.length + 1;
    const closing = new RegExp(`^ {0,3}${ticks}\`*[ \\t]*$`, 'gm');
    closing.lastIndex = bodyStart;
    const close = bodyStart <= text.length ? closing.exec(text) : null;
    // A block the model never closed (its output was cut) runs to the end.
    const end = close ? close.index : text.length;
    blocks.push({
      info: info.trim().split(/\s+/)[0]?.toLowerCase() ?? '',
      code: text.slice(Math.min(bodyStart, text.length), end),
      start: open.index,
    });
    if (!close) break;
    OPENING_FENCE.lastIndex = close.index + close[0].length;
  }
  return blocks;
}

const PARSE_OPTIONS: Options = {
  ecmaVersion: 'latest',
  allowAwaitOutsideFunction: true,
  allowHashBang: true,
};

/** The source type `code` parses as, or undefined when it is not JavaScript. */
function javaScriptSourceType(code: string): 'script' | 'module' | undefined {
  for (const sourceType of ['script', 'module'] as const) {
    try {
      parse(code, { ...PARSE_OPTIONS, sourceType });
      return sourceType;
    } catch {
      // Try the other source type.
    }
  }
  return undefined;
}

/** Whether `offset` of JavaScript `code` lies in a string, a template literal or a comment. */
function insideLiteral(code: string, offset: number, sourceType: 'script' | 'module'): boolean {
  const comments: Array<[number, number]> = [];
  const options: Options = {
    ...PARSE_OPTIONS,
    sourceType,
    onComment: (_block, _text, start, end) => void comments.push([start, end]),
  };
  for (const token of tokenizer(code, options)) {
    if (token.start > offset) break;
    const literal = token.type === tokTypes.template || token.type === tokTypes.string;
    if (literal && offset < token.end) return true;
  }
  return comments.some(([start, end]) => start <= offset && offset < end);
}

/**
 * The JavaScript to run from what the model sent: the first fenced block holding JavaScript
 * (```js, ```javascript, ```ts... or no language), unless the text is JavaScript whose
 * "fence" lies inside a comment (or a literal); else the `code` of a JSON
 * object; else the inside of a text that is exactly one `inline code` span holding code;
 * else the text whole.
 */
export function extractJavaScript(text: string): string {
  const blocks = fencedBlocks(text);
  const first = blocks.find((block) => JAVASCRIPT_FENCES.has(block.info)) ?? blocks[0];
  const sourceType = javaScriptSourceType(text);
  if (first) {
    const fence = first.start + (/^ */.exec(text.slice(first.start))?.[0].length ?? 0);
    if (!sourceType || !insideLiteral(text, fence, sourceType)) return first.code;
    return text;
  }
  const json = safeParseJson(text);
  if (json.success && isPlainObject(json.value) && typeof json.value['code'] === 'string') {
    return json.value['code'];
  }
  const inline = /^\s*`([^`]+)`\s*$/.exec(text)?.[1];
  if (inline !== undefined && !inline.includes('${') && javaScriptSourceType(inline)) {
    return inline;
  }
  return text;
}
