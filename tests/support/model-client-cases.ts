// Cases every model client must handle the same way, whatever its server's wire format.
import type { ChatStreamChunk } from '../../core/llms/chat-model.ts';
import { ModelStatusCode } from '../../core/schema/status-codes.ts';

export async function collectChunks(
  stream: AsyncIterable<ChatStreamChunk>,
): Promise<ChatStreamChunk[]> {
  const chunks: ChatStreamChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const streaming = (content: string, delta: string): ChatStreamChunk => ({
  state: ModelStatusCode.STREAM_ING,
  content,
  delta,
  toolCalls: [],
  finishReason: null,
});

/**
 * A server that streams past a stop word in 4-character pieces ('Hi <', 'b> t', 'here',
 * ' <|i', ...): a possible stop word start is held back, the stream stops at the stop word.
 */
export const STOP_WORD_STREAM = Object.freeze({
  stopWords: ['<|im_end|>'],
  reply: { content: 'Hi <b> there <|im_end|> junk', chunkChars: 4, honourStop: false },
  chunks: [
    streaming('Hi ', 'Hi '),
    streaming('Hi <b> t', '<b> t'),
    streaming('Hi <b> there', 'here'),
    streaming('Hi <b> there ', ' '),
    {
      state: ModelStatusCode.END,
      content: 'Hi <b> there ',
      delta: '',
      toolCalls: [],
      finishReason: 'stop',
    },
  ] satisfies ChatStreamChunk[],
});

/** Lagent's verified INTERNLM2_META rendering (names mapped, the reply opened). */
export const INTERNLM2_DIALOG = Object.freeze({
  messages: [
    { role: 'system', content: 'SYS' },
    { role: 'system', content: 'plug', name: 'plugin' },
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: 'a' },
    { role: 'environment', content: 'env', name: 'interpreter' },
  ],
  prompt:
    '<|im_start|>system\nSYS<|im_end|>\n<|im_start|>system name=<|plugin|>\nplug<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\na<|im_end|>\n<|im_start|>environment name=<|interpreter|>\nenv<|im_end|>\n<|im_start|>assistant\n',
});
