// The failures every model client maps the same way, run against its scripted server: a
// slow server, an abort, and a server that is not there.
import { expect, it } from 'vitest';
import { AbortedError } from '../../core/errors/aborted-error.ts';
import { ModelConnectionError, ModelTimeoutError } from '../../core/errors/model-errors.ts';
import type { ChatModel } from '../../core/llms/chat-model.ts';
import { collectChunks } from './model-client-cases.ts';

/** A reply slower than any test waits: the client gives up or is aborted first. */
const NEVER_MS = 30_000;

/** A client (no retries) and the scripted server it talks to. */
export interface ScriptedModelClient {
  model: ChatModel;
  server: {
    enqueue(reply: { content: string; delayMs: number }): void;
    readonly requests: readonly unknown[];
    close(): Promise<void>;
  };
}

export type StartScriptedModelClient = (options: {
  timeoutMs?: number;
}) => Promise<ScriptedModelClient>;

async function using(
  client: ScriptedModelClient,
  body: (client: ScriptedModelClient) => Promise<void>,
): Promise<void> {
  try {
    await body(client);
  } finally {
    await client.server.close();
  }
}

const hi = [{ role: 'user', content: 'hi' }];

export function itMapsModelFailures(start: StartScriptedModelClient): void {
  it('gives ModelTimeoutError when the server is slower than timeoutMs', async () => {
    await using(await start({ timeoutMs: 200 }), async ({ model, server }) => {
      server.enqueue({ content: 'late', delayMs: NEVER_MS });

      await expect(model.chat({ messages: hi })).rejects.toBeInstanceOf(ModelTimeoutError);
    });
  });

  it('stops at an abort with AbortedError, and sends nothing for an aborted signal', async () => {
    await using(await start({}), async ({ model, server }) => {
      server.enqueue({ content: 'never sent', delayMs: NEVER_MS });
      const controller = new AbortController();

      const pending = model.chat({ messages: hi, signal: controller.signal });
      await expect.poll(() => server.requests.length).toBe(1);
      controller.abort();

      await expect(pending).rejects.toBeInstanceOf(AbortedError);
      const aborted = AbortSignal.abort();
      await expect(model.chat({ messages: hi, signal: aborted })).rejects.toBeInstanceOf(
        AbortedError,
      );
      const stream = model.streamChat?.({ messages: hi, signal: aborted });
      if (stream) await expect(collectChunks(stream)).rejects.toBeInstanceOf(AbortedError);
      expect(server.requests).toHaveLength(1);
    });
  });

  it('gives ModelConnectionError when nothing listens', async () => {
    await using(await start({}), async ({ model, server }) => {
      await server.close();

      await expect(model.chat({ messages: hi })).rejects.toBeInstanceOf(ModelConnectionError);
    });
  });
}
