// The model's tool-call text written back as it wrote it (decision 2026-12-04-number-fidelity):
// Lagent re-renders a parsed call with json.dumps, which keeps `1.0` and big ints since
// Python's json does; JavaScript's numbers would not, so the text itself is kept.
import { describe, expect, it } from 'vitest';
import {
  InternLMToolAggregator,
  ToolParser,
  parseJson,
  InterpreterParser,
  MixedToolParser,
  PluginParser,
  createAgentMessage,
} from '../../../../core/index.ts';
import type { ToolFormatted } from '../../../../core/index.ts';

const begin = '<|action_start|><|plugin|>\n';
const end = '<|action_end|>\n';
// What the model wrote, in json.dumps's own spacing.
const call =
  '{"name": "Calc.add", "parameters": {"x": 1.0, "big": 12345678901234567890, "2": "k", "1": "j"}}';
const reply = `I will add.${begin}${call}${end}`;
// Lagent: parser.format_response(parser.parse_response(reply)), as printed by CPython.
const lagentRendering = `I will add.${begin}{"name": "Calc.add", "parameters": {"x": 1.0, "big": 12345678901234567890, "2": "k", "1": "j"}}${end}`;

describe('ToolParser.formatResponse with the source reply', () => {
  it("writes the model's own action text back: Lagent's bytes for json.dumps-spaced calls", () => {
    const parser = new PluginParser();
    const parsed = parser.parseResponse(reply);

    expect(parser.formatResponse(parsed, { source: reply })).toBe(lagentRendering);
    // Without the source the parsed value is all there is: JavaScript has lost 1.0, the
    // big int's digits and the key order.
    expect(parser.formatResponse(parsed)).toBe(
      `I will add.${begin}{"name": "Calc.add", "parameters": {"1": "j", "2": "k", "x": 1, "big": 1.2345678901234567e+19}}${end}`,
    );
  });

  it('keeps compact or oddly spaced calls as written (Lagent would respace them)', () => {
    const parser = new PluginParser();
    const compact = `${begin}{"name":"Calc.add","parameters":{"x":1.0}}\n${end}`;

    // Lagent: '<|action_start|><|plugin|>\n{"name": "Calc.add", "parameters": {"x": 1.0}}<|action_end|>\n'
    expect(parser.formatResponse(parser.parseResponse(compact), { source: compact })).toBe(compact);
  });

  it('re-renders the call when it no longer matches the reply (a hook changed it)', () => {
    const parser = new PluginParser();
    const parsed = parser.parseResponse(reply);
    const changed: ToolFormatted = {
      ...parsed,
      action: { name: 'Calc.add', parameters: { x: 2 } },
    };

    expect(parser.formatResponse(changed, { source: reply })).toBe(
      `I will add.${begin}{"name": "Calc.add", "parameters": {"x": 2}}${end}`,
    );
    expect(parser.formatResponse({ ...parsed, thought: 'Other.' }, { source: reply })).toMatch(
      /^Other\./,
    );
    // A source without the call (another reply) changes nothing.
    expect(parser.formatResponse(parsed, { source: 'no call here' })).toBe(
      parser.formatResponse(parsed),
    );
  });

  it('passes the source through MixedToolParser to the sub-parser', () => {
    const parser = new MixedToolParser({
      parsers: [new PluginParser(), new InterpreterParser()],
    });

    expect(parser.formatResponse(parser.parseResponse(reply), { source: reply })).toBe(
      lagentRendering,
    );
  });
});

describe('InternLMToolAggregator', () => {
  it("shows the model its own call, 1.0 and big ints included, as Lagent's history does", () => {
    const parser = new PluginParser();
    const chat = new InternLMToolAggregator().aggregate({
      messages: [
        createAgentMessage({ content: 'add' }),
        createAgentMessage({
          sender: 'internlm',
          content: reply,
          formatted: parser.parseResponse(reply),
        }),
        createAgentMessage({ sender: 'ActionExecutor', content: '{"sum": 3.0}' }),
      ],
      name: 'internlm',
      parser,
    });

    expect(chat).toStrictEqual([
      { role: 'user', content: 'add' },
      { role: 'assistant', content: lagentRendering },
      { role: 'environment', content: '{"sum": 3.0}', name: 'plugin' },
    ]);
  });

  it('a reply the stop word cut inside the end tag gets the tag once, as the model wrote it', () => {
    // The seed's researcher: end '\n```\n', the stop word '```\n' cuts the reply after '}\n'.
    const parser = new ToolParser({
      toolType: 'browser',
      begin: '```json\n',
      end: '\n```\n',
      validate: (text) => parseJson(text.replace(/`+$/, '')),
    });
    const cut = 'Searching.\n```json\n{"name": "S.search", "parameters": {"q": 1.0}}\n';
    expect(parser.formatResponse(parser.parseResponse(cut), { source: cut })).toBe(
      'Searching.\n```json\n{"name": "S.search", "parameters": {"q": 1.0}}\n```\n',
    );
    // With the whole tag in the reply, the action's own last newline is the model's: kept.
    const closed = 'Code:\n```json\n{"name": "S.search", "parameters": {}}\n\n```\n';
    expect(parser.formatResponse(parser.parseResponse(closed), { source: closed })).toBe(closed);
  });
});
