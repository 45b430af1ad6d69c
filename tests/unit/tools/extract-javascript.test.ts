import { describe, expect, test } from 'vitest';
import { extractCode } from '../../../tools/index.ts';
import { extractJavaScript } from '../../../tools/javascript/extract-javascript.ts';

const fence = '```';

describe('extractJavaScript', () => {
  test('unfenced code with a template literal runs whole (Lagent would run only the literal)', () => {
    const code = 'const name = "Ada";\nconsole.log(`hello ${name}`);\nname.length';
    // The negative control: the Python extraction cuts this code down to the literal.
    expect(extractCode(code)).toBe('hello ${name}');
    expect(extractJavaScript(code)).toBe(code);
    const tagged = 'const sql = (s) => s.raw.join("?");\nsql`select ${1} from t`';
    expect(extractJavaScript(tagged)).toBe(tagged);
  });

  test('a fenced block is taken out, with js, javascript, ts or no language', () => {
    for (const info of ['js', 'javascript', 'JavaScript', 'ts', 'typescript', 'mjs', '']) {
      const text = `Here is the code:\n${fence}${info}\nconst x = \`a\${1}\`;\nx\n${fence}\nIt prints a1.`;
      expect(extractJavaScript(text), info).toBe('const x = `a${1}`;\nx\n');
    }
  });

  test('a text that starts with a fence is a block, though backticks make it valid JavaScript', () => {
    // ```js\nx\n``` parses as tagged templates; it is still a Markdown block.
    expect(extractJavaScript(`${fence}js\n1 + 1\n${fence}`)).toBe('1 + 1\n');
    expect(extractJavaScript(`Solution:\n${fence}js\n2 + 2\n${fence}`)).toBe('2 + 2\n');
  });

  test('backticks inside the code are not fences: a block ends at a fence line', () => {
    const body = 'const s = `one\ntwo`;\nconst t = `${s}!`;\nt';
    expect(extractJavaScript(`${fence}javascript\n${body}\n${fence}`)).toBe(`${body}\n`);
  });

  test('Markdown written by the code, or a "fence" in a comment, belongs to the code', () => {
    // In a template literal a fence is escaped, so its line does not start with backticks.
    const markdown = 'const md = `\n\\`\\`\\`js\nx\n\\`\\`\\`\n`;\nmd.length';
    expect(extractJavaScript(markdown)).toBe(markdown);
    const commented = `/*\n${fence}js\nexample()\n${fence}\n*/\nrun()`;
    expect(extractJavaScript(commented)).toBe(commented);
  });

  test('the first JavaScript block wins over blocks in other languages', () => {
    const text = `${fence}bash\nnpm test\n${fence}\nthen\n${fence}js\n3 * 3\n${fence}`;
    expect(extractJavaScript(text)).toBe('3 * 3\n');
    expect(extractJavaScript(`${fence}python\nprint(1)\n${fence}`)).toBe('print(1)\n');
  });

  test('a longer fence holds a shorter one; an unclosed block runs to the end', () => {
    const inner = `const doc = \`\n${fence}\nnested\n${fence}\n\`;\ndoc`;
    expect(extractJavaScript(`${fence}\`js\n${inner}\n${fence}\``)).toBe(`${inner}\n`);
    expect(extractJavaScript(`${fence}js\nlet cut = 1;\ncut + 1`)).toBe('let cut = 1;\ncut + 1');
  });

  test('the code of a JSON object, and a text that is one inline code span', () => {
    expect(extractJavaScript('{"code": "const a = `x`;\\na"}')).toBe('const a = `x`;\na');
    expect(extractJavaScript('`[1, 2].length`')).toBe('[1, 2].length');
    // A span with a substitution is a template literal, not a wrapper.
    expect(extractJavaScript('`total: ${1 + 1}`')).toBe('`total: ${1 + 1}`');
  });

  test('anything else is taken whole, syntax errors included (V8 reports them)', () => {
    expect(extractJavaScript('let a = `x`;\nfoo(')).toBe('let a = `x`;\nfoo(');
    expect(extractJavaScript('await host.add(1, 2)')).toBe('await host.add(1, 2)');
    expect(extractJavaScript('')).toBe('');
  });
});
