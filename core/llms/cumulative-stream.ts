import { ModelStatusCode } from '../schema/status-codes.ts';
import type { ChatStreamChunk, ToolCallRequest } from './chat-model.ts';
import { cutAtStopWords, stopWordPrefixLength } from './stop-words.ts';

export interface CumulativeChunksOptions {
  /** The reply's new text, piece by piece, as the server streams it. */
  pieces: AsyncIterable<string>;
  stopWords: readonly string[];
  /** Read once the pieces end: what the server said besides text. */
  finish: () => { toolCalls: ToolCallRequest[]; finishReason: string | null };
  /** Turns what the pieces throw into the error to throw (the platform's typed one). */
  toError: (error: unknown) => unknown;
}

/**
 * Lagent's stream_chat shape from a server's text pieces: cumulative `content` with each
 * step's `delta`, then one END chunk. Text that could be the start of a stop word is held
 * back until the next piece shows it is not one; at a stop word the pieces are closed
 * (which ends the request) and the reply ends with finish reason 'stop'.
 */
export async function* cumulativeChunks(
  options: CumulativeChunksOptions,
): AsyncGenerator<ChatStreamChunk> {
  const { stopWords } = options;
  let raw = '';
  let emitted = '';
  let stopped = false;
  try {
    for await (const piece of options.pieces) {
      raw += piece;
      const cut = cutAtStopWords(raw, stopWords);
      stopped = cut.length < raw.length;
      const visible = stopped
        ? cut
        : cut.slice(0, cut.length - stopWordPrefixLength(cut, stopWords));
      if (visible.length > emitted.length) {
        const delta = visible.slice(emitted.length);
        emitted = visible;
        yield {
          state: ModelStatusCode.STREAM_ING,
          content: emitted,
          delta,
          toolCalls: [],
          finishReason: null,
        };
      }
      if (stopped) break;
    }
  } catch (error) {
    throw options.toError(error);
  }
  const final = cutAtStopWords(raw, stopWords);
  const { toolCalls, finishReason } = options.finish();
  yield {
    state: ModelStatusCode.END,
    content: final,
    delta: final.slice(emitted.length),
    toolCalls,
    finishReason: stopped ? 'stop' : finishReason,
  };
}
