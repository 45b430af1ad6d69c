import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../../core/errors/invalid-argument-error.ts';
import type { MetaTemplate } from '../../../../core/llms/meta-template.ts';
import { INTERNLM2_DIALOG } from '../../../support/model-client-cases.ts';
import {
  checkMetaTemplate,
  INTERNLM2_META,
  renderPrompt,
} from '../../../../core/llms/meta-template.ts';

// Expected strings are what Lagent's LMTemplateParser returns for the same input.

const simple: MetaTemplate = [
  { role: 'user', begin: 'U:', end: '\n' },
  { role: 'assistant', begin: 'A:', end: '\n', generate: true },
];

function invalidArgument(run: () => unknown): InvalidArgumentError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('expected an InvalidArgumentError');
}

describe('INTERNLM2_META', () => {
  it("holds Lagent's four roles with InternLM2's tokens", () => {
    expect(INTERNLM2_META.map((entry) => entry.role)).toEqual([
      'system',
      'user',
      'assistant',
      'environment',
    ]);
    expect(INTERNLM2_META[3]).toEqual({
      role: 'environment',
      begin: {
        withName: '<|im_start|>environment name={name}\n',
        withoutName: '<|im_start|>environment\n',
        name: { interpreter: '<|interpreter|>', plugin: '<|plugin|>' },
      },
      end: '<|im_end|>\n',
    });
    // Lagent's user role maps no names.
    expect(INTERNLM2_META[1]?.begin).toEqual({
      withName: '<|im_start|>user name={name}\n',
      withoutName: '<|im_start|>user\n',
    });
    expect(Object.isFrozen(INTERNLM2_META)).toBe(true);
  });
});

describe('renderPrompt', () => {
  it("renders Lagent's verified InternLM2 prompt, names mapped and the reply opened", () => {
    const prompt = renderPrompt({
      metaTemplate: INTERNLM2_META,
      messages: INTERNLM2_DIALOG.messages,
    });

    expect(prompt).toBe(INTERNLM2_DIALOG.prompt);
  });

  it('puts an unmapped name as it is, and opens no reply after an assistant message', () => {
    const prompt = renderPrompt({
      metaTemplate: INTERNLM2_META,
      messages: [
        { role: 'user', content: 'hi', name: 'bob' },
        { role: 'assistant', content: 'a' },
      ],
    });

    expect(prompt).toBe(
      '<|im_start|>user name=bob\nhi<|im_end|>\n<|im_start|>assistant\na<|im_end|>\n',
    );
  });

  it("renders a fallback role with the other role's entry", () => {
    const prompt = renderPrompt({
      metaTemplate: [...INTERNLM2_META, { role: 'tool', fallbackRole: 'environment' }],
      messages: [
        { role: 'user', content: 'q' },
        { role: 'tool', content: 'r', name: 'plugin' },
      ],
    });

    expect(prompt).toBe(
      '<|im_start|>user\nq<|im_end|>\n<|im_start|>environment name=<|plugin|>\nr<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('leaves a last message of a generate role open, and opens the reply otherwise', () => {
    const partial = renderPrompt({
      metaTemplate: simple,
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'par' },
      ],
    });
    const fresh = renderPrompt({
      metaTemplate: simple,
      messages: [{ role: 'user', content: 'q' }],
    });

    expect(partial).toBe('U:q\nA:par');
    expect(fresh).toBe('U:q\nA:');
  });

  it('puts strings in verbatim and returns a string dialog as it is', () => {
    expect(
      renderPrompt({
        metaTemplate: INTERNLM2_META,
        messages: ['<s>', { role: 'user', content: 'q' }],
      }),
    ).toBe('<s><|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n');
    expect(renderPrompt({ metaTemplate: INTERNLM2_META, messages: 'raw prompt' })).toBe(
      'raw prompt',
    );
    expect(renderPrompt({ metaTemplate: INTERNLM2_META, messages: [] })).toBe('');
  });

  it('joins the non-empty contents with a newline without a meta template', () => {
    const messages = [
      { role: 'system', content: 'SYS' },
      { role: 'user', content: '' },
      'text',
      { role: 'assistant', content: null },
      { role: 'user', content: 'hi' },
    ];

    // Lagent means this; its loop appends `item['prompt']` (absent) instead of the content.
    expect(renderPrompt({ messages })).toBe('SYS\ntext\nhi');
    expect(renderPrompt({ messages, metaTemplate: [] })).toBe('SYS\ntext\nhi');
  });

  it('renders a null content as empty, and uses a plain string begin for named messages', () => {
    const prompt = renderPrompt({
      metaTemplate: [
        { role: 'user', begin: 'U:', end: '\n' },
        { role: 'assistant', begin: 'A:', end: '\n' },
      ],
      // Lagent fails on a name with a string begin; the begin is used as it is.
      messages: [{ role: 'user', content: null, name: 'x' }],
    });

    expect(prompt).toBe('U:\nA:');
  });

  it('refuses a role the template does not have, as Lagent fails on it', () => {
    const error = invalidArgument(() =>
      renderPrompt({ metaTemplate: INTERNLM2_META, messages: [{ role: 'tool', content: 'q' }] }),
    );

    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(
      "The meta template has no role 'tool' (it has system, user, assistant, environment)",
    );
  });

  it('refuses to open a reply when the template has no assistant role', () => {
    const error = invalidArgument(() =>
      renderPrompt({
        metaTemplate: [{ role: 'user', begin: 'U:', end: '\n' }],
        messages: [{ role: 'user', content: 'q' }],
      }),
    );

    expect(error.message).toContain('no assistant role');
  });
});

describe('checkMetaTemplate', () => {
  it('refuses a role listed twice and a fallback to a missing role', () => {
    expect(
      invalidArgument(() => checkMetaTemplate([{ role: 'user' }, { role: 'user' }])).message,
    ).toContain("'user' twice");
    expect(
      invalidArgument(() => checkMetaTemplate([{ role: 'tool', fallbackRole: 'environment' }]))
        .message,
    ).toContain("falls back to 'environment'");
  });

  it('returns the roles by name', () => {
    expect([...checkMetaTemplate(INTERNLM2_META).keys()]).toEqual([
      'system',
      'user',
      'assistant',
      'environment',
    ]);
  });
});
