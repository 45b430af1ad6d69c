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
  formatResponse(parsed: TParsed): string;
}
