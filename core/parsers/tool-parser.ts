import { InvalidArgumentError } from '../errors/invalid-argument-error.ts';
import { DEFAULT_MAX_ARGUMENT_DEPTH } from '../actions/request-limits.ts';
import { isPlainObject, parseJson, toPythonJson } from '../internal/json.ts';
import { isNestedDeeperThan } from '../internal/json-bounds.ts';
import { jsonEqual } from '../internal/json-equal.ts';
import { pythonStr } from '../internal/python-text.ts';
import type { ToolStatusCode } from '../schema/status-codes.ts';
import { ToolStatusCode as Status } from '../schema/status-codes.ts';
import type { FormatResponseOptions } from './output-parser.ts';
import { StrParser } from './str-parser.ts';

/**
 * What a tool parser reads from a reply: Lagent's `formatted` dict, always these four keys.
 * - no `begin` tag: `{toolType: null, thought: <whole text>, action: null, status: NO_TOOL}`
 * - tag found: `thought` is the text before it (not trimmed), `action` the text up to `end`
 *   (or to the end of the reply), or what `validate` made of it; `status: VALID_TOOL`
 * - `validate` threw: `action` stays the raw text, `status: PARSING_ERROR`
 */
export interface ToolFormatted {
  toolType: string | null;
  thought: string;
  action: unknown;
  status: ToolStatusCode | null;
}

/** True when `value` has the shape tool parsers produce. */
export function isToolFormatted(value: unknown): value is ToolFormatted {
  return (
    isPlainObject(value) &&
    'toolType' in value &&
    'thought' in value &&
    'action' in value &&
    'status' in value
  );
}

export interface ToolParserOptions {
  toolType: string;
  /** Instruction text; may use `{begin}`, `{end}` and `formatFields`. @default '' */
  template?: string;
  /** @default '<tool>\n' */
  begin?: string;
  /** @default '</tool>\n' */
  end?: string;
  /** Turns the raw action text into its value; throwing marks the call PARSING_ERROR. */
  validate?: (action: string) => unknown;
  formatFields?: Readonly<Record<string, unknown>>;
}

/** Lagent's `ToolParser`: a tool call is the text between `begin` and `end`. */
export class ToolParser extends StrParser {
  readonly toolType: string;
  readonly begin: string;
  readonly end: string;
  readonly validate: ((action: string) => unknown) | undefined;

  constructor({
    toolType,
    template = '',
    begin = '<tool>\n',
    end = '</tool>\n',
    validate,
    formatFields = {},
  }: ToolParserOptions) {
    super({ template, formatFields: { begin, end, ...formatFields } });
    this.toolType = toolType;
    this.begin = begin;
    this.end = end;
    this.validate = validate;
  }

  override parseResponse(text: string): ToolFormatted {
    const split = this.#split(text);
    if (!split) return { toolType: null, thought: text, action: null, status: Status.NO_TOOL };
    const { thought, rawAction } = split;
    if (!this.validate) {
      return { toolType: this.toolType, thought, action: rawAction, status: Status.VALID_TOOL };
    }
    try {
      return {
        toolType: this.toolType,
        thought,
        action: this.validate(rawAction),
        status: Status.VALID_TOOL,
      };
    } catch {
      return { toolType: this.toolType, thought, action: rawAction, status: Status.PARSING_ERROR };
    }
  }

  /**
   * Lagent's `format_response`: `thought + begin + action + end`, a dict action as
   * json.dumps, anything else as str(). Given the reply it was read from (`source`), the
   * model's own action text is written back instead when the reply still parses to
   * `parsed`: json.dumps of the parsed value would change `1.0` to `1`, round big integers
   * and reorder numeric keys, and the history must hold what the model wrote.
   */
  override formatResponse(parsed: unknown, { source }: FormatResponseOptions = {}): string {
    if (!isToolFormatted(parsed)) {
      throw new InvalidArgumentError({
        message: 'formatResponse expects {toolType, thought, action, status}',
      });
    }
    if (parsed.action === null || parsed.action === undefined) return parsed.thought;
    if (parsed.toolType !== this.toolType) {
      throw new InvalidArgumentError({
        message: `This parser renders "${this.toolType}" calls, not "${String(parsed.toolType)}"`,
      });
    }
    const action =
      (source === undefined ? undefined : this.#sourceAction(parsed, source)) ??
      // Lagent: a dict as json.dumps, anything else as str().
      (isPlainObject(parsed.action) ? toPythonJson(parsed.action) : pythonStr(parsed.action));
    return parsed.thought + this.begin + action + this.end;
  }

  // Like Python's `thought, action, *_ = text.split(begin)`: a second begin tag ends the action.
  #split(text: string): { thought: string; rawAction: string; closed: boolean } | undefined {
    if (!text.includes(this.begin)) return undefined;
    const [thought = '', afterBegin = ''] = text.split(this.begin);
    const rawAction = this.end === '' ? afterBegin : (afterBegin.split(this.end)[0] ?? '');
    return { thought, rawAction, closed: this.end !== '' && afterBegin.includes(this.end) };
  }

  /**
   * The model's action text as it goes back before `end`. A reply the stop word cut inside
   * the end tag (`{...}\n` then the stop word ```` ```\n ````, with end `\n```\n`) already
   * holds the start of the tag: that part is not written twice.
   */
  #beforeEnd(rawAction: string, closed: boolean): string {
    if (closed) return rawAction;
    for (let length = Math.min(rawAction.length, this.end.length - 1); length > 0; length -= 1) {
      if (rawAction.endsWith(this.end.slice(0, length))) return rawAction.slice(0, -length);
    }
    return rawAction;
  }

  /** The action text of `source`, when `source` still reads as `parsed` (nothing changed it). */
  #sourceAction(parsed: ToolFormatted, source: string): string | undefined {
    const split = this.#split(source);
    if (!split || split.thought !== parsed.thought) return undefined;
    const written = this.#beforeEnd(split.rawAction, split.closed);
    if (split.rawAction === parsed.action) return written;
    const reread = this.parseResponse(source);
    return reread.toolType === this.toolType && jsonEqual(reread.action, parsed.action)
      ? written
      : undefined;
  }
}

/** Lagent's `InterpreterParser`: InternLM2's code-interpreter tags, no validation. */
export class InterpreterParser extends ToolParser {
  constructor(options: Partial<ToolParserOptions> = {}) {
    super({
      toolType: 'interpreter',
      begin: '<|action_start|><|interpreter|>\n',
      end: '<|action_end|>\n',
      ...options,
    });
  }
}

/**
 * Lagent's `default_plugin_validate`: the action must be a JSON object, braces included
 * after trimming.
 */
export function defaultPluginValidate(action: string): unknown {
  const trimmed = action.trim();
  if (!(trimmed.startsWith('{') && trimmed.endsWith('}'))) {
    throw new SyntaxError('A plugin call must be a JSON object');
  }
  const value = parseJson(trimmed);
  // Deeper than any call's arguments may be: refused here, before it is copied (recursively).
  if (isNestedDeeperThan(value, DEFAULT_MAX_ARGUMENT_DEPTH + 1))
    throw new SyntaxError('A plugin call nests too deep');
  return value;
}

/** Lagent's `PluginParser`: InternLM2's plugin tags; the action is a JSON `{name, parameters}`. */
export class PluginParser extends ToolParser {
  constructor(options: Partial<ToolParserOptions> = {}) {
    super({
      toolType: 'plugin',
      begin: '<|action_start|><|plugin|>\n',
      end: '<|action_end|>\n',
      validate: defaultPluginValidate,
      ...options,
    });
  }
}
