import type { ServerResponse } from 'node:http';
import { once } from 'node:events';

// Server-Sent Events written by hand on the raw response: the format is four lines, and a
// stream needs what no plugin gives together (numbered ids for Last-Event-ID resume,
// back-pressure, heartbeats, and ending every open stream when the service stops).

/** A comment line this often keeps proxies and clients from dropping an idle stream. */
export const DEFAULT_SSE_HEARTBEAT_MS = 15_000;
/** What a client waits before reconnecting, told in the stream (`retry:`). */
export const DEFAULT_SSE_RETRY_MS = 1_000;

export interface SseStream {
  /** Writes one event; resolves once the socket has taken it (back-pressure). */
  send(event: { id: number; type: string; data: unknown }): Promise<void>;
  /** Ends the stream; safe to call twice. */
  end(): void;
  /** Aborted when the client goes away or the stream is ended. */
  readonly signal: AbortSignal;
}

export function openSseStream({
  response,
  heartbeatMs = DEFAULT_SSE_HEARTBEAT_MS,
  retryMs = DEFAULT_SSE_RETRY_MS,
}: {
  response: ServerResponse;
  heartbeatMs?: number;
  retryMs?: number;
}): SseStream {
  const closed = new AbortController();
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  response.write(`retry: ${retryMs}\n\n`);
  const heartbeat = setInterval(() => {
    if (!response.writableEnded) response.write(': keep-alive\n\n');
  }, heartbeatMs);
  heartbeat.unref();
  const end = () => {
    clearInterval(heartbeat);
    if (!response.writableEnded) response.end();
    closed.abort(new Error('the event stream ended'));
  };
  response.once('close', end);
  return {
    signal: closed.signal,
    end,
    async send({ id, type, data }) {
      if (response.writableEnded || closed.signal.aborted) return;
      // JSON has no raw newlines, so the data always fits on one `data:` line.
      const flushed = response.write(
        `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`,
      );
      if (!flushed) {
        await Promise.race([
          once(response, 'drain'),
          once(closed.signal, 'abort').catch(() => undefined),
        ]);
      }
    },
  };
}

/**
 * The id of the last event a reconnecting client saw (`Last-Event-ID`): events are
 * numbered from 0 in the order the job reported them. -1 when the client saw none.
 */
export function parseLastEventId(value: string | string[] | undefined): number | null {
  if (value === undefined) return -1;
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text === '') return -1;
  if (!/^\d{1,9}$/.test(text)) return null;
  return Number(text);
}

/** The service's open event streams, so a stop can let them finish, then end the rest. */
export class OpenStreams {
  readonly #streams = new Set<SseStream>();
  #emptied = Promise.withResolvers<void>();

  get size(): number {
    return this.#streams.size;
  }

  add(stream: SseStream): void {
    this.#streams.add(stream);
  }

  delete(stream: SseStream): void {
    this.#streams.delete(stream);
    if (this.#streams.size === 0) {
      this.#emptied.resolve();
      this.#emptied = Promise.withResolvers<void>();
    }
  }

  /** Waits up to `graceMs` for every stream to end on its own, then ends those left. */
  async drain(graceMs: number): Promise<void> {
    if (this.#streams.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.#emptied.promise,
        new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(timer);
    }
    for (const stream of [...this.#streams]) stream.end();
  }
}

/**
 * Answers with a feed: a stream that never ends on its own (the workers' samples, a
 * tenant's job changes). `subscribe` gets a `send` and answers its unsubscribe; events go
 * out in order, and a slow client holds back only its own stream. Resolves when the client
 * leaves or `closed` aborts (the service is stopping).
 */
export async function serveFeed({
  response,
  streams,
  closed,
  subscribe,
}: {
  response: ServerResponse;
  streams: OpenStreams;
  closed: AbortSignal;
  subscribe: (send: (type: string, data: unknown) => void) => () => void;
}): Promise<void> {
  const stream = openSseStream({ response });
  streams.add(stream);
  let id = 0;
  let sending = Promise.resolve();
  const send = (type: string, data: unknown) => {
    const event = { id: id++, type, data };
    sending = sending.then(() => stream.send(event));
  };
  const unsubscribe = subscribe(send);
  const done = AbortSignal.any([stream.signal, closed]);
  if (!done.aborted) {
    await new Promise((resolve) => done.addEventListener('abort', resolve, { once: true }));
  }
  unsubscribe();
  streams.delete(stream);
  stream.end();
}
