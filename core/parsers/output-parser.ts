import type { ChatMessage } from '../llms/chat-model.ts';

/**
 * Reads structure out of a model reply (`parseResponse`), renders a parsed value back
 * into reply text (`formatResponse`), and tells the model the expected format
 * (`formatInstruction`). Lagent's parser protocol.
 */
export interface OutputParser<TParsed = unknown> {
  /** Set by tool parsers; aggregators name instruction messages after it. */
  readonly toolType?: string | null;
  formatInstruction(): string | ChatMessage[];
  parseResponse(text: string): TParsed;
  formatResponse(parsed: TParsed, options?: FormatResponseOptions): string;
}

export interface FormatResponseOptions {
  /**
   * The reply text `parsed` was read from. Tool parsers write the model's own action text
   * back when that text still parses to `parsed`, so the history keeps what the model wrote
   * (`1.0`, big integers, key order, spacing) instead of a re-serialisation.
   */
  source?: string | undefined;
}
