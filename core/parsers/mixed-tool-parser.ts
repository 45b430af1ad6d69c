import { InvalidArgumentError } from '../errors/invalid-argument-error.ts';
import type { ChatMessage } from '../llms/chat-model.ts';
import { ToolStatusCode } from '../schema/status-codes.ts';
import type { FormatResponseOptions, OutputParser } from './output-parser.ts';
import { StrParser } from './str-parser.ts';
import type { ToolFormatted, ToolParser } from './tool-parser.ts';
import { isToolFormatted } from './tool-parser.ts';

export interface MixedToolParserOptions {
  /** Names this parser's own instruction message. */
  toolType?: string | null;
  /** @default '' */
  template?: string;
  parsers: readonly ToolParser[];
  formatFields?: Readonly<Record<string, unknown>>;
}

/** Lagent's `MixedToolParser`: several tool parsers, one per tool type, tried in order. */
export class MixedToolParser implements OutputParser<ToolFormatted> {
  readonly toolType: string | null;
  readonly parsers: ReadonlyMap<string, ToolParser>;
  readonly #own: StrParser;

  constructor({
    toolType = null,
    template = '',
    parsers,
    formatFields = {},
  }: MixedToolParserOptions) {
    this.toolType = toolType;
    this.parsers = new Map(parsers.map((parser) => [parser.toolType, parser]));
    this.#own = new StrParser({ template, formatFields });
  }

  /** One system message for this parser's template, then one per sub-parser, each named. */
  formatInstruction(): ChatMessage[] {
    const instruction: ChatMessage[] = [];
    const own = this.#own.formatInstruction();
    if (own.trim()) {
      instruction.push({
        role: 'system',
        content: own,
        ...(this.toolType ? { name: this.toolType } : {}),
      });
    }
    for (const [name, parser] of this.parsers) {
      const content = parser.formatInstruction();
      if (content.trim()) instruction.push({ role: 'system', content, name });
    }
    return instruction;
  }

  /** The first sub-parser that finds its tool wins; otherwise the last result (NO_TOOL). */
  parseResponse(text: string): ToolFormatted {
    let result: ToolFormatted = {
      toolType: null,
      thought: text,
      action: null,
      status: ToolStatusCode.NO_TOOL,
    };
    for (const [name, parser] of this.parsers) {
      result = parser.parseResponse(text);
      if (result.toolType === name) break;
    }
    return result;
  }

  /** Dispatches to the sub-parser of `parsed.toolType` (with `source`, see ToolParser). */
  formatResponse(parsed: ToolFormatted, options: FormatResponseOptions = {}): string {
    if (!isToolFormatted(parsed)) {
      throw new InvalidArgumentError({
        message: 'formatResponse expects {toolType, thought, action, status}',
      });
    }
    if (parsed.action === null || parsed.action === undefined) return parsed.thought;
    const parser = parsed.toolType === null ? undefined : this.parsers.get(parsed.toolType);
    if (!parser) {
      throw new InvalidArgumentError({
        message: `No parser for tool type "${String(parsed.toolType)}"`,
      });
    }
    return parser.formatResponse(parsed, options);
  }
}
