import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  ToolParser,
  ToolStatusCode,
  isToolFormatted,
} from '../../../../core/index.ts';
import { parseJson } from '../../../../core/internal/json.ts';

const parser = new ToolParser({ toolType: 'tool' });

describe('ToolParser.parseResponse', () => {
  it('has the default tags <tool>\\n and </tool>\\n', () => {
    expect(parser.begin).toBe('<tool>\n');
    expect(parser.end).toBe('</tool>\n');
    expect(parser.validate).toBeUndefined();
  });

  it('returns NO_TOOL with the whole text as thought when there is no begin tag', () => {
    const text = 'Just an answer.\n</tool>\n';
    expect(parser.parseResponse(text)).toStrictEqual({
      toolType: null,
      thought: text,
      action: null,
      status: ToolStatusCode.NO_TOOL,
    });
  });

  it('reads thought and action when both tags are present', () => {
    expect(parser.parseResponse('Let me run it.<tool>\nrun(1)</tool>\n')).toStrictEqual({
      toolType: 'tool',
      thought: 'Let me run it.',
      action: 'run(1)',
      status: ToolStatusCode.VALID_TOOL,
    });
  });

  it('takes the action to the end of the text when the end tag is missing', () => {
    expect(parser.parseResponse('Thinking.<tool>\nrun(1)\nrun(2)')).toStrictEqual({
      toolType: 'tool',
      thought: 'Thinking.',
      action: 'run(1)\nrun(2)',
      status: ToolStatusCode.VALID_TOOL,
    });
  });

  it('does not trim the thought', () => {
    expect(parser.parseResponse('  spaced \n\n<tool>\nx').thought).toBe('  spaced \n\n');
  });

  it('gives an empty thought when the reply starts with the begin tag', () => {
    expect(parser.parseResponse('<tool>\nx</tool>\n')).toStrictEqual({
      toolType: 'tool',
      thought: '',
      action: 'x',
      status: ToolStatusCode.VALID_TOOL,
    });
  });

  it('drops the text after the end tag', () => {
    expect(parser.parseResponse('A<tool>\nx</tool>\nthen more text')).toStrictEqual({
      toolType: 'tool',
      thought: 'A',
      action: 'x',
      status: ToolStatusCode.VALID_TOOL,
    });
  });

  it('ends the action at a second begin tag (Python split(begin)[1])', () => {
    expect(parser.parseResponse('A<tool>\nfirst<tool>\nsecond</tool>\n').action).toBe('first');
    expect(parser.parseResponse('A<tool>\nx</tool>\nB<tool>\ny</tool>\n')).toStrictEqual({
      toolType: 'tool',
      thought: 'A',
      action: 'x',
      status: ToolStatusCode.VALID_TOOL,
    });
  });

  it('gives an empty action when the end tag follows the begin tag', () => {
    expect(parser.parseResponse('A<tool>\n</tool>\n').action).toBe('');
  });

  it('replaces the action by what validate returns', () => {
    const validating = new ToolParser({
      toolType: 'calc',
      validate: (action) => ({ expression: action.trim(), length: action.length }),
    });
    expect(validating.parseResponse('Compute.<tool>\n 1+1 </tool>\n')).toStrictEqual({
      toolType: 'calc',
      thought: 'Compute.',
      action: { expression: '1+1', length: 5 },
      status: ToolStatusCode.VALID_TOOL,
    });
  });

  it('keeps the raw action and reports PARSING_ERROR when validate throws', () => {
    const validating = new ToolParser({
      toolType: 'json',
      validate: (action) => parseJson(action),
    });
    expect(validating.parseResponse('Call.<tool>\n{not json}</tool>\n')).toStrictEqual({
      toolType: 'json',
      thought: 'Call.',
      action: '{not json}',
      status: ToolStatusCode.PARSING_ERROR,
    });
  });

  it('does not call validate when there is no begin tag', () => {
    let calls = 0;
    const validating = new ToolParser({
      toolType: 'json',
      validate: (action) => {
        calls += 1;
        return action;
      },
    });
    expect(validating.parseResponse('no tool here').status).toBe(ToolStatusCode.NO_TOOL);
    expect(calls).toBe(0);
  });

  it('produces values isToolFormatted accepts', () => {
    expect(isToolFormatted(parser.parseResponse('plain'))).toBe(true);
    expect(isToolFormatted(parser.parseResponse('a<tool>\nb'))).toBe(true);
    expect(isToolFormatted({ toolType: 'x', thought: '', action: null })).toBe(false);
    expect(isToolFormatted('text')).toBe(false);
  });

  it("reads the seed's code-interpreter reply that stopped at the end tag", () => {
    const codeParser = new ToolParser({
      toolType: 'code interpreter',
      begin: '```python\n',
      end: '\n```\n',
    });
    const thought =
      '首先,我们需要找出63的所有正因数和负因数。63的正因数可以通过分解63的质因数来找出,即\\(63 = 3^2 \\times 7\\)。因此,63的正因数包括1, 3, 7, 9, 21, 和 63。对于负因数,我们只需将上述正因数乘以-1。\n\n接下来,我们需要找出与63的正因数相乘的结果为63的数,以及与63的负因数相乘的结果为63的数。这可以通过将63除以每个正因数和负因数来实现。\n\n最后,我们将找到的两个数相乘得到最终答案。\n\n下面是Python代码实现:\n\n';
    const action =
      'def find_numbers():\n    # 正因数\n    positive_factors = [1, 3, 7, 9, 21, 63]\n    # 负因数\n    negative_factors = [-1, -3, -7, -9, -21, -63]\n    \n    # 找到与正因数相乘的结果为63的数\n    positive_numbers = [63 / factor for factor in positive_factors]\n    # 找到与负因数相乘的结果为63的数\n    negative_numbers = [-63 / factor for factor in negative_factors]\n    \n    # 计算两个数的乘积\n    product = positive_numbers[0] * negative_numbers[0]\n    \n    return product\n\nresult = find_numbers()\nprint(result)';
    const content = `${thought}\`\`\`python\n${action}`;

    expect(codeParser.parseResponse(content)).toStrictEqual({
      toolType: 'code interpreter',
      thought,
      action,
      status: ToolStatusCode.VALID_TOOL,
    });
    expect(codeParser.formatResponse(codeParser.parseResponse(content))).toBe(
      `${content}\n\`\`\`\n`,
    );
  });
});

describe('ToolParser.formatResponse', () => {
  it('returns the thought alone when the action is null', () => {
    expect(
      parser.formatResponse({
        toolType: null,
        thought: 'Final answer.',
        action: null,
        status: ToolStatusCode.NO_TOOL,
      }),
    ).toBe('Final answer.');
  });

  it('does not check the tool type when the action is null', () => {
    expect(
      parser.formatResponse({ toolType: 'other', thought: 'T', action: null, status: null }),
    ).toBe('T');
  });

  it('wraps a string action in the tags', () => {
    expect(
      parser.formatResponse({
        toolType: 'tool',
        thought: 'Run.',
        action: 'run(1)',
        status: ToolStatusCode.VALID_TOOL,
      }),
    ).toBe('Run.<tool>\nrun(1)</tool>\n');
  });

  it('renders an object action like json.dumps(ensure_ascii=False)', () => {
    expect(
      parser.formatResponse({
        toolType: 'tool',
        thought: '',
        action: { a: 1, b: [1, 2], c: { d: '天气' }, e: null, f: true },
        status: ToolStatusCode.VALID_TOOL,
      }),
    ).toBe('<tool>\n{"a": 1, "b": [1, 2], "c": {"d": "天气"}, "e": null, "f": true}</tool>\n');
  });

  it('round-trips a reply that has both tags', () => {
    const text = 'Let me see.<tool>\nlook()</tool>\n';
    expect(parser.formatResponse(parser.parseResponse(text))).toBe(text);
  });

  it('throws InvalidArgumentError for another tool type', () => {
    expect(() =>
      parser.formatResponse({
        toolType: 'plugin',
        thought: 'T',
        action: 'x',
        status: ToolStatusCode.VALID_TOOL,
      }),
    ).toThrow(InvalidArgumentError);
  });

  it('throws InvalidArgumentError for a value without the four keys', () => {
    expect(() => parser.formatResponse({ thought: 'T', action: 'x' })).toThrow(
      InvalidArgumentError,
    );
    expect(() => parser.formatResponse('text')).toThrow(InvalidArgumentError);
  });
});

describe('ToolParser.formatInstruction', () => {
  it('fills {begin} and {end} from the tags', () => {
    const withTemplate = new ToolParser({
      toolType: 'code',
      template: 'Write code between {begin} and {end}.',
      begin: '<code>',
      end: '</code>',
    });
    expect(withTemplate.formatInstruction()).toBe('Write code between <code> and </code>.');
  });

  it('fills other format fields', () => {
    const withTemplate = new ToolParser({
      toolType: 'code',
      template: 'Use {language}: {begin}...{end}',
      formatFields: { language: 'Python' },
    });
    expect(withTemplate.formatInstruction()).toBe('Use Python: <tool>\n...</tool>\n');
  });

  it('is empty without a template', () => {
    expect(parser.formatInstruction()).toBe('');
  });

  it('throws InvalidArgumentError when a template field is not given', () => {
    expect(() => new ToolParser({ toolType: 'code', template: 'Use {language}' })).toThrow(
      InvalidArgumentError,
    );
  });
});
