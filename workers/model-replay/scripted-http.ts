// HTTP pieces the scripted model servers share: JSON and SSE answers, request bodies,
// client disconnects, and the text helpers a scripted reply is cut and split with.
import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { safeParseJson } from '../../core/internal/json.ts';

export const SCRIPTED_HOST = '127.0.0.1';

/** Listens on 127.0.0.1; `close()` is idempotent and drops open connections. */
export async function listenOnLoopback(options: {
  server: Server;
  port?: number | undefined;
}): Promise<{ port: number; close: () => Promise<void> }> {
  const { server } = options;
  server.listen(options.port ?? 0, SCRIPTED_HOST);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    port,
    // Idempotent, so a test may close early and still close again in afterEach.
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

export function sendJson(options: {
  res: ServerResponse;
  status: number;
  payload: unknown;
  headers?: Record<string, string>;
}): void {
  const text = JSON.stringify(options.payload);
  options.res.writeHead(options.status, {
    ...options.headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  options.res.end(text);
}

/**
 * Writes server-sent events (each `frame` a whole event, blank line included), pausing
 * `chunkDelayMs` between them, then `tail` at once; stops quietly when the client goes away.
 */
export async function writeSse(options: {
  res: ServerResponse;
  status: number;
  frames: readonly string[];
  tail?: string;
  chunkDelayMs: number;
  signal: AbortSignal;
}): Promise<void> {
  const { res, chunkDelayMs, signal } = options;
  res.writeHead(options.status, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  try {
    for (const [i, frame] of options.frames.entries()) {
      if (i > 0 && chunkDelayMs > 0) await sleep(chunkDelayMs, undefined, { signal });
      if (signal.aborted) return;
      if (!res.write(frame)) await once(res, 'drain', { signal });
    }
    if (!signal.aborted) res.end(options.tail ?? '');
  } catch (error) {
    // The client went away mid-stream: nothing left to write to.
    if (!signal.aborted) throw error;
  }
}

/** Waits out a scripted delay; false when the client went away meanwhile. */
export async function waitOut(options: { delayMs: number | undefined; signal: AbortSignal }) {
  const { delayMs, signal } = options;
  if (delayMs === undefined || delayMs <= 0) return !signal.aborted;
  // A client that timed out has gone; stop waiting so close() is not held up.
  const waited = await sleep(delayMs, true, { signal }).catch(() => false);
  return waited && !signal.aborted;
}

/** Aborts when the connection closes before the response has been fully written. */
export function disconnectSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** The request body as JSON; undefined when it is not JSON. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const parsed = safeParseJson(Buffer.concat(chunks).toString('utf8'));
  return parsed.success ? parsed.value : undefined;
}

/** Where the first stop string starts (what a server that honours `stop` cuts at). */
export function firstStop(options: {
  content: string;
  stop: string | readonly string[] | null | undefined;
}): { at: number; stop: string } | undefined {
  const stops = typeof options.stop === 'string' ? [options.stop] : (options.stop ?? []);
  let found: { at: number; stop: string } | undefined;
  for (const stop of stops) {
    const at = stop === '' ? -1 : options.content.indexOf(stop);
    if (at !== -1 && (found === undefined || at < found.at)) found = { at, stop };
  }
  return found;
}

export function cutAtStop(options: {
  content: string;
  stop: string | readonly string[] | null | undefined;
}): string {
  return options.content.slice(0, firstStop(options)?.at ?? options.content.length);
}

export function splitEvery(options: { text: string; size: number }): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < options.text.length; i += options.size) {
    pieces.push(options.text.slice(i, i + options.size));
  }
  return pieces;
}
