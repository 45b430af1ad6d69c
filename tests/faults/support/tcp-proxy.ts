// A TCP proxy on a loopback port that puts network faults between a client (a worker) and
// a server (Redis): a black hole that holds the bytes (stall), a partition that resets every
// connection (cut), and a one-off reset.
import { once } from 'node:events';
import type { Server, Socket } from 'node:net';
import { connect, createServer } from 'node:net';

export const PROXY_HOST = '127.0.0.1';
/** waitFor() gives up after this long unless told otherwise. */
export const DEFAULT_PROXY_WAIT_TIMEOUT_MS = 120_000;

/** open: bytes flow; stalled: bytes are held, nothing is closed; cut: every connection is reset. */
export type TcpProxyState = 'open' | 'stalled' | 'cut';

export interface TcpProxyOptions {
  target: { host: string; port: number };
}

export interface TcpProxy {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>`: give it to the client instead of the server's URL. */
  readonly url: string;
  readonly state: TcpProxyState;
  /** Connections open now. */
  readonly connections: number;
  /** Connections accepted since the proxy started (a reconnecting client adds one each time). */
  readonly accepted: number;
  /** Bytes held by a stall, both directions, all connections. */
  readonly heldBytes: number;
  /** Stops forwarding both ways and holds the bytes (and closes); new connections stall too. */
  stall(): void;
  /** Forwards again, delivering what was held in order; new connections are accepted again. */
  heal(): void;
  /** Resets (RST) every connection and keeps resetting new ones until heal(). */
  cut(): void;
  /** Resets (RST) the current connections once; new ones work (or stall, while stalled). */
  reset(): void;
  /** Resolves once at least this many connections are open / have been accepted. */
  waitFor(options: {
    connections?: number;
    accepted?: number;
    timeoutMs?: number;
    signal?: AbortSignal;
  }): Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const END = Symbol('end');
const RESET = Symbol('reset');
type Held = Buffer | typeof END | typeof RESET;

function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/** One direction of one connection: forwards, or holds while the proxy is stalled. */
class Flow {
  readonly #from: Socket;
  readonly #to: Socket;
  readonly #stalled: () => boolean;
  readonly #held: Held[] = [];
  #waitingForDrain = false;
  heldBytes = 0;

  constructor({ from, to, stalled }: { from: Socket; to: Socket; stalled: () => boolean }) {
    this.#from = from;
    this.#to = to;
    this.#stalled = stalled;
    from.on('data', (chunk: Buffer) => this.#push(chunk));
    from.on('end', () => this.#push(END));
    from.on('close', (hadError) => {
      // A reset on one side becomes a reset on the other, after what came before it.
      if (hadError) this.#push(RESET);
    });
  }

  #push(item: Held): void {
    if (this.#stalled() || this.#held.length > 0) {
      this.#held.push(item);
      if (Buffer.isBuffer(item)) this.heldBytes += item.length;
      return;
    }
    this.#deliver(item);
  }

  #deliver(item: Held): void {
    if (this.#to.destroyed) return;
    if (item === END) this.#to.end();
    else if (item === RESET) resetSocket(this.#to);
    else if (!this.#to.write(item) && !this.#waitingForDrain) {
      // Backpressure: read no more from this side until the other has taken what it has.
      this.#waitingForDrain = true;
      this.#from.pause();
      this.#to.once('drain', () => {
        this.#waitingForDrain = false;
        this.#from.resume();
      });
    }
  }

  flush(): void {
    while (!this.#stalled()) {
      const item = this.#held.shift();
      if (item === undefined) break;
      if (Buffer.isBuffer(item)) this.heldBytes -= item.length;
      this.#deliver(item);
    }
  }

  drop(): void {
    this.#held.length = 0;
    this.heldBytes = 0;
  }
}

class Link {
  readonly client: Socket;
  readonly upstream: Socket;
  readonly flows: readonly [Flow, Flow];

  constructor({
    client,
    target,
    stalled,
    onClosed,
  }: {
    client: Socket;
    target: { host: string; port: number };
    stalled: () => boolean;
    onClosed: (link: Link) => void;
  }) {
    this.client = client;
    this.upstream = connect({ host: target.host, port: target.port, allowHalfOpen: true });
    this.client.setNoDelay(true);
    this.upstream.setNoDelay(true);
    this.flows = [
      new Flow({ from: client, to: this.upstream, stalled }),
      new Flow({ from: this.upstream, to: client, stalled }),
    ];
    let open = 2;
    for (const socket of [client, this.upstream]) {
      // Errors show as a reset of the other side (see Flow); they must not throw here.
      socket.on('error', () => undefined);
      socket.once('close', () => {
        open -= 1;
        if (open === 0) onClosed(this);
      });
    }
  }

  get heldBytes(): number {
    return this.flows[0].heldBytes + this.flows[1].heldBytes;
  }

  flush(): void {
    for (const flow of this.flows) flow.flush();
  }

  reset(): void {
    for (const flow of this.flows) flow.drop();
    resetSocket(this.client);
    resetSocket(this.upstream);
  }
}

/** Starts a proxy to `target` on a spare loopback port. */
export async function startTcpProxy({ target }: TcpProxyOptions): Promise<TcpProxy> {
  let state: TcpProxyState = 'open';
  let accepted = 0;
  const links = new Set<Link>();
  const watchers = new Set<() => void>();
  const notify = () => {
    for (const watcher of watchers) watcher();
  };
  const stalled = () => state === 'stalled';

  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    accepted += 1;
    if (state === 'cut') {
      client.on('error', () => undefined);
      resetSocket(client);
      notify();
      return;
    }
    links.add(
      new Link({
        client,
        target,
        stalled,
        onClosed: (link) => {
          links.delete(link);
          notify();
        },
      }),
    );
    notify();
  });
  server.listen(0, PROXY_HOST);
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const port = address.port;

  const resetAll = () => {
    for (const link of links) link.reset();
    links.clear();
    notify();
  };
  const close = async () => {
    state = 'cut';
    resetAll();
    if (server.listening) {
      server.close();
      await once(server, 'close');
    }
  };

  return {
    host: PROXY_HOST,
    port,
    url: `redis://${PROXY_HOST}:${port}`,
    get state() {
      return state;
    },
    get connections() {
      return links.size;
    },
    get accepted() {
      return accepted;
    },
    get heldBytes() {
      let total = 0;
      for (const link of links) total += link.heldBytes;
      return total;
    },
    stall: () => {
      state = 'stalled';
    },
    heal: () => {
      state = 'open';
      for (const link of links) link.flush();
    },
    cut: () => {
      state = 'cut';
      resetAll();
    },
    reset: resetAll,
    waitFor: ({
      connections,
      accepted: acceptedAtLeast,
      timeoutMs = DEFAULT_PROXY_WAIT_TIMEOUT_MS,
      signal,
    }) =>
      new Promise<void>((resolve, reject) => {
        const met = () =>
          (connections === undefined || links.size >= connections) &&
          (acceptedAtLeast === undefined || accepted >= acceptedAtLeast);
        const finish = (error?: Error) => {
          watchers.delete(check);
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve();
        };
        const check = () => {
          if (met()) finish();
        };
        const onAbort = () => finish(new Error('waitFor aborted', { cause: signal?.reason }));
        const timer = setTimeout(
          () =>
            finish(
              new Error(
                `proxy: still ${links.size} connections, ${accepted} accepted after ${timeoutMs} ms`,
              ),
            ),
          timeoutMs,
        );
        watchers.add(check);
        signal?.addEventListener('abort', onAbort, { once: true });
        if (signal?.aborted) onAbort();
        else check();
      }),
    close,
    [Symbol.asyncDispose]: close,
  };
}
