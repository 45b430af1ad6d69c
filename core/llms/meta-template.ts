import { InvalidArgumentError } from '../errors/invalid-argument-error.ts';

/** A role's opening text when it depends on whether the message has a `name`. */
export interface MetaTemplateBegin {
  /** `{name}` is replaced by the message's name, mapped through `name` when listed there. */
  withName?: string;
  withoutName?: string;
  /** Message names to the text put for `{name}` (InternLM2: `plugin` → `<|plugin|>`). */
  name?: Readonly<Record<string, string>>;
}

/** One role of Lagent's `meta_template` list, in TypeScript casing. */
export interface MetaTemplateRole {
  role: string;
  /** Text before the content: the same for every message, or chosen by `name`. */
  begin?: string | MetaTemplateBegin;
  /** Text after the content. */
  end?: string;
  /** Render messages of this role with that role's entry instead (one hop, as Lagent). */
  fallbackRole?: string;
  /** When the last message has this role, leave it open (no `end`) for the model to continue. */
  generate?: boolean;
}

/** Lagent's `meta_template`: how each role's messages are wrapped into one prompt. */
export type MetaTemplate = readonly MetaTemplateRole[];

/** A message as the prompt renderer reads it. */
export interface PromptMessage {
  role: string;
  content: string | null;
  name?: string;
}

const internLM2Names = Object.freeze({ interpreter: '<|interpreter|>', plugin: '<|plugin|>' });

const internLM2Role = (
  role: string,
  names: Readonly<Record<string, string>> | undefined,
): MetaTemplateRole =>
  Object.freeze({
    role,
    begin: Object.freeze({
      withName: `<|im_start|>${role} name={name}\n`,
      withoutName: `<|im_start|>${role}\n`,
      ...(names === undefined ? {} : { name: names }),
    }),
    end: '<|im_end|>\n',
  });

/**
 * Lagent's `INTERNLM2_META` (`lagent/llms/meta_template.py`). Use it with the stop words
 * `['<|im_end|>', '<|action_end|>']`.
 */
export const INTERNLM2_META: MetaTemplate = Object.freeze([
  internLM2Role('system', internLM2Names),
  internLM2Role('user', undefined),
  internLM2Role('assistant', internLM2Names),
  internLM2Role('environment', internLM2Names),
]);

/**
 * Checks what Lagent's LMTemplateParser asserts or trips over: unique roles, and fallback
 * roles that exist. Returns the roles by name.
 */
export function checkMetaTemplate(
  metaTemplate: MetaTemplate,
): ReadonlyMap<string, MetaTemplateRole> {
  const roles = new Map<string, MetaTemplateRole>();
  for (const entry of metaTemplate) {
    if (roles.has(entry.role)) {
      throw new InvalidArgumentError({
        message: `The meta template lists the role '${entry.role}' twice; roles must be unique`,
      });
    }
    roles.set(entry.role, entry);
  }
  for (const entry of metaTemplate) {
    if (entry.fallbackRole !== undefined && !roles.has(entry.fallbackRole)) {
      throw new InvalidArgumentError({
        message: `The meta template's role '${entry.role}' falls back to '${entry.fallbackRole}', which it does not list`,
      });
    }
  }
  return roles;
}

export interface RenderPromptOptions {
  /** A string is returned as it is; strings in the list are put in verbatim. */
  messages: string | readonly (PromptMessage | string)[];
  /** Without one, the contents are joined with `'\n'`. */
  metaTemplate?: MetaTemplate | undefined;
}

/**
 * Lagent's LMTemplateParser: one text-completion prompt from chat messages. With a meta
 * template each message is `begin + content + end`; when the last message is not the
 * assistant's, the assistant's `begin` follows as the generation prompt.
 */
export function renderPrompt({ messages, metaTemplate }: RenderPromptOptions): string {
  if (typeof messages === 'string') return messages;
  if (metaTemplate === undefined || metaTemplate.length === 0) {
    // Lagent means to join the contents here, but appends `item['prompt']` (absent, so '')
    // for each message; this joins the contents it meant.
    return messages
      .map((item) => (typeof item === 'string' ? item : (item.content ?? '')))
      .filter((text) => text !== '')
      .join('\n');
  }
  const roles = checkMetaTemplate(metaTemplate);
  return messages
    .map((item, index) =>
      typeof item === 'string'
        ? item
        : renderMessage({ message: item, roles, isLast: index === messages.length - 1 }),
    )
    .join('');
}

function renderMessage(options: {
  message: PromptMessage;
  roles: ReadonlyMap<string, MetaTemplateRole>;
  isLast: boolean;
}): string {
  const { message, roles, isLast } = options;
  const own = roles.get(message.role);
  if (own === undefined) {
    const known = [...roles.keys()].join(', ');
    throw new InvalidArgumentError({
      message: `The meta template has no role '${message.role}' (it has ${known})`,
    });
  }
  // checkMetaTemplate made sure a fallback role exists.
  const entry = own.fallbackRole === undefined ? own : (roles.get(own.fallbackRole) ?? own);
  const content = message.content ?? '';
  const begin = formatBegin(entry, message.name);
  if (isLast && entry.generate === true) return begin + content;
  const text = begin + content + (entry.end ?? '');
  if (!isLast || entry.role === 'assistant') return text;
  const assistant = roles.get('assistant');
  if (assistant === undefined) {
    throw new InvalidArgumentError({
      message: 'The meta template has no assistant role to open the reply with',
    });
  }
  return text + formatBegin(assistant, undefined);
}

function formatBegin(entry: MetaTemplateRole, name: string | undefined): string {
  const begin = entry.begin ?? '';
  // Lagent fails on a named message when `begin` is a plain string; the string is used.
  if (typeof begin === 'string') return begin;
  if (name === undefined) return begin.withoutName ?? '';
  const shown =
    begin.name !== undefined && Object.hasOwn(begin.name, name) ? begin.name[name] : name;
  return (begin.withName ?? '').replaceAll('{name}', shown ?? name);
}
