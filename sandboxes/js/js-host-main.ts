// The JS host: a child process (started with an empty environment, so it holds no secrets)
// that owns a piscina pool of isolate threads. A V8 abort or native crash in there ends this
// process only; the parent sees it exit and starts another.
import { BroadcastChannel, MessageChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { extname } from 'node:path';
import { Piscina } from 'piscina';
import { parseJson } from '../../core/internal/json.ts';
import type {
  AbortFlag,
  ControlMessage,
  HostReply,
  HostRequest,
  JsHostConfig,
  RunOutcome,
  SessionCommand,
  SessionReply,
} from './js-host-protocol.ts';
import { HostRequestSchema, JsHostConfigSchema } from './js-host-protocol.ts';

const config: JsHostConfig = {
  ...JsHostConfigSchema.parse(parseJson(process.argv[2] ?? '{}')),
  channel: `lagent-js-control-${String(process.pid)}`,
};

const pool = new Piscina({
  // The same extension as this file: .ts from source, .js once compiled.
  filename: new URL(`./js-pool-thread${extname(import.meta.url)}`, import.meta.url).href,
  minThreads: config.threads,
  maxThreads: config.threads,
  // Threads hold sessions between tasks: they must never be reaped as idle.
  idleTimeout: Number.POSITIVE_INFINITY,
  // A task mostly waits for its isolate (which runs on isolated-vm's own threads).
  concurrentTasksPerWorker: 16,
  // 'sync' parks an idle thread in Atomics.wait, so its event loop would not run: session
  // ports, aborts and host-call replies would wait for the next task.
  atomics: 'async',
  workerData: config,
});

const control = new BroadcastChannel(config.channel ?? '');
// A reply to a parent that has gone (it exited while a call was ending) has nobody to reach:
// dropped, where an unhandled channel error would print a crash on the parent's stderr.
const send = (message: HostReply): void => {
  if (process.connected) process.send?.(message, undefined, {}, () => undefined);
};

interface SessionLink {
  port: MessagePort;
  pending: Map<number, (reply: SessionReply) => void>;
}
const sessions = new Map<string, SessionLink>();
/** The abort flags of the runs in flight, by request id. */
const abortFlags = new Map<number, AbortFlag>();

control.onmessage = (event: unknown) => {
  const message = (event as { data: ControlMessage }).data;
  if (message.type === 'host-call') send(message);
};

function command(link: SessionLink, message: SessionCommand): Promise<SessionReply> {
  return new Promise((resolve) => {
    link.pending.set(message.execId, resolve);
    link.port.postMessage(message);
  });
}

async function openSession(sessionId: string): Promise<void> {
  if (sessions.has(sessionId)) throw new Error(`session ${sessionId} is already open`);
  const { port1, port2 } = new MessageChannel();
  const link: SessionLink = { port: port1, pending: new Map() };
  port1.on('message', (reply: SessionReply) => {
    const resolve = link.pending.get(reply.execId);
    link.pending.delete(reply.execId);
    resolve?.(reply);
  });
  port1.on('close', () => {
    sessions.delete(sessionId);
    for (const resolve of link.pending.values()) {
      resolve({ execId: -1, ok: false, message: 'the session thread went away', gone: true });
    }
  });
  sessions.set(sessionId, link);
  await pool.run({ port: port2 }, { name: 'openSession', transferList: [port2] });
}

function sessionOf(sessionId: string): SessionLink {
  const link = sessions.get(sessionId);
  if (!link) throw new Error(`no open session ${sessionId}`);
  return link;
}

async function handle(
  request: Exclude<HostRequest, { type: 'abort' | 'host-reply' }>,
): Promise<RunOutcome | undefined> {
  switch (request.type) {
    case 'run': {
      const link = request.sessionId === undefined ? undefined : sessionOf(request.sessionId);
      // Shared with the thread: an abort that comes before the thread has the run stops it
      // from starting at all (the thread is told of aborts on a broadcast channel).
      const abort: AbortFlag = new Int32Array(new SharedArrayBuffer(4));
      abortFlags.set(request.id, abort);
      const task = {
        execId: request.id,
        code: request.code,
        timeoutMs: request.timeoutMs,
        envs: request.envs,
        abort,
      };
      try {
        if (!link) return (await pool.run(task, { name: 'runFresh' })) as RunOutcome;
        const reply = await command(link, { type: 'run', ...task });
        if (reply.ok) return reply.execution;
        // The session's thread went away while it had the run: the code may have run.
        if (reply.gone) return lostSession(reply.message);
        throw new Error(reply.message);
      } finally {
        abortFlags.delete(request.id);
      }
    }
    case 'open':
      await openSession(request.sessionId);
      return undefined;
    case 'close': {
      const link = sessions.get(request.sessionId);
      if (link) {
        await command(link, { type: 'close', execId: request.id });
        sessions.delete(request.sessionId);
      }
      return undefined;
    }
    case 'restart':
    case 'set-envs': {
      const reply = await command(sessionOf(request.sessionId), {
        ...(request.type === 'restart'
          ? { type: 'restart' as const }
          : { type: 'set-envs' as const, envs: request.envs }),
        execId: request.id,
      });
      if (!reply.ok) throw new Error(reply.message);
      return undefined;
    }
  }
}

function lostSession(reason: string): RunOutcome {
  return {
    results: [],
    logs: { stdout: [], stderr: [] },
    error: {
      name: 'SandboxCrashed',
      value: `the JavaScript session's thread went away while this code ran (${reason}); its state is lost and a fresh session is opened for the next call`,
      traceback: '',
    },
    executionCount: null,
    stateLost: true,
    sessionLost: true,
  };
}

process.on('message', (raw: unknown) => {
  const parsed = HostRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const id = (raw as { id?: unknown } | null)?.id;
    if (typeof id === 'number') {
      send({ type: 'reply', id, ok: false, message: `invalid request: ${parsed.error.message}` });
    }
    return;
  }
  const request = parsed.data;
  if (request.type === 'abort') {
    const flag = abortFlags.get(request.id);
    if (flag) Atomics.store(flag, 0, 1);
    control.postMessage({ type: 'abort', execId: request.id } satisfies ControlMessage);
    return;
  }
  if (request.type === 'host-reply') {
    control.postMessage(request satisfies ControlMessage);
    return;
  }
  handle(request).then(
    (execution) =>
      send({ type: 'reply', id: request.id, ok: true, ...(execution ? { execution } : {}) }),
    (error: unknown) =>
      send({
        type: 'reply',
        id: request.id,
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      }),
  );
});

// The parent going away (even by SIGKILL) closes the IPC channel: nothing is left running.
process.on('disconnect', () => {
  void pool.destroy().finally(() => process.exit(0));
});

send({ type: 'ready' });
