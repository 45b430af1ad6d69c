import { describe, expect, it } from 'vitest';
import type { ChatStreamChunk } from '../../../../core/llms/chat-model.ts';
import { cumulativeChunks } from '../../../../core/llms/cumulative-stream.ts';
import { ModelStatusCode } from '../../../../core/schema/status-codes.ts';

/** Yields `texts` one by one, as a server's stream would. */
async function* streamOf(texts: readonly string[], onClose = () => {}): AsyncGenerator<string> {
  try {
    for (const text of texts) yield await Promise.resolve(text);
  } finally {
    onClose();
  }
}

async function collect(stream: AsyncIterable<ChatStreamChunk>): Promise<ChatStreamChunk[]> {
  const chunks: ChatStreamChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('cumulativeChunks', () => {
  it("ends with the source's tool calls and finish reason when no stop word comes", async () => {
    const toolCalls = [{ id: 'c1', name: 'f', parameters: {} }];

    const chunks = await collect(
      cumulativeChunks({
        pieces: streamOf(['a', '', 'b']),
        stopWords: [],
        finish: () => ({ toolCalls, finishReason: 'tool_calls' }),
        toError: (error) => error,
      }),
    );

    expect(chunks.map((chunk) => [chunk.state, chunk.content, chunk.delta])).toEqual([
      [ModelStatusCode.STREAM_ING, 'a', 'a'],
      [ModelStatusCode.STREAM_ING, 'ab', 'b'],
      [ModelStatusCode.END, 'ab', ''],
    ]);
    expect(chunks.at(-1)).toMatchObject({ toolCalls, finishReason: 'tool_calls' });
  });

  it('releases held-back text that was no stop word at the end, and closes the source at one', async () => {
    let closed = false;
    const pieces = streamOf(['x <|im', '_end|> y', 'never read'], () => {
      closed = true;
    });
    const common = {
      stopWords: ['<|im_end|>'],
      finish: () => ({ toolCalls: [], finishReason: 'length' }),
      toError: (error: unknown) => error,
    };

    const stopped = await collect(cumulativeChunks({ pieces, ...common }));
    const held = await collect(cumulativeChunks({ pieces: streamOf(['ends with <']), ...common }));

    expect(stopped.map((chunk) => chunk.content)).toEqual(['x ', 'x ']);
    expect(stopped.at(-1)?.finishReason).toBe('stop');
    expect(closed).toBe(true);
    expect(held.map((chunk) => [chunk.content, chunk.delta])).toEqual([
      ['ends with ', 'ends with '],
      ['ends with <', '<'],
    ]);
    expect(held.at(-1)?.finishReason).toBe('length');
  });

  it('throws what toError makes of a failing source, after the chunks that came', async () => {
    async function* failing(): AsyncGenerator<string> {
      yield await Promise.resolve('partial');
      throw new Error('connection reset');
    }
    const contents: string[] = [];

    const run = async () => {
      const chunks = cumulativeChunks({
        pieces: failing(),
        stopWords: [],
        finish: () => ({ toolCalls: [], finishReason: null }),
        toError: (error) => new Error(`mapped: ${(error as Error).message}`),
      });
      for await (const chunk of chunks) contents.push(chunk.content);
    };

    await expect(run()).rejects.toThrow('mapped: connection reset');
    expect(contents).toEqual(['partial']);
  });
});
