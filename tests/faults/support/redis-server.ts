// Real redis-server processes for fault tests: each on its own loopback port and temp dir,
// restartable on that same port (clients and proxies keep their address), with or without
// an append-only file.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';

export const REDIS_HOST = '127.0.0.1';
/** The binary; REDIS_SERVER_BIN overrides it. */
export const REDIS_SERVER_BINARY = process.env['REDIS_SERVER_BIN'] ?? 'redis-server';
/** Generous: loading an append-only file on a loaded 2-core machine can take a while. */
export const DEFAULT_REDIS_READY_TIMEOUT_MS = 60_000;
/** A fresh port is tried this often when another process took the one we picked. */
export const PORT_ATTEMPTS = 5;
const LOG_FILE = 'redis.log';

/** How the server goes down: SIGKILL (a crash) or SHUTDOWN NOSAVE (a clean stop, no RDB). */
export type RedisStopMode = 'crash' | 'shutdown';

export interface RedisServerOptions {
  /** appendonly yes + appendfsync always: every acknowledged write survives a restart. @default false */
  persistence?: boolean;
  maxmemoryMb?: number;
  /** @default Redis's own (noeviction) */
  maxmemoryPolicy?: string;
  /** @default DEFAULT_REDIS_READY_TIMEOUT_MS */
  readyTimeoutMs?: number;
}

export interface RedisServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** The server's temp dir: data files and the log. */
  readonly dir: string;
  readonly logFile: string;
  /** The redis-server process id, while it runs. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Runs one command through a fresh short-lived connection. */
  command(...args: (string | number | Buffer)[]): Promise<unknown>;
  flushAll(): Promise<void>;
  /** Takes the server down; `start()` brings it back. */
  halt(options?: { mode?: RedisStopMode }): Promise<void>;
  /** Starts it again on the same port and waits until it answers. keepData false deletes the data files first. */
  start(options?: { keepData?: boolean }): Promise<void>;
  /** halt() then start(). @default keepData true, mode 'crash' */
  restart(options?: { keepData?: boolean; mode?: RedisStopMode }): Promise<void>;
  /** The server's log so far (for failure messages). */
  log(): Promise<string>;
  /** Kills the server and removes its temp dir. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

// A test process that dies abruptly must not leave servers behind.
const liveServers = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveServers) child.kill('SIGKILL');
});

const isAlive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** A port that was free a moment ago (another process may take it before we bind it). */
export async function sparePort(): Promise<number> {
  const server = createServer();
  server.listen(0, REDIS_HOST);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** One raw PING: the first reply line ('+PONG', '-LOADING ...'), or undefined if unreachable. */
async function ping(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: REDIS_HOST, port });
    let reply = '';
    const done = (value: string | undefined) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(5_000, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      const end = reply.indexOf('\r\n');
      if (end !== -1) done(reply.slice(0, end));
    });
    socket.once('end', () => done(undefined));
  });
}

async function runCommand(port: number, args: (string | number | Buffer)[]): Promise<unknown> {
  const [name, ...rest] = args;
  if (name === undefined) throw new Error('command() needs a command name');
  const client = new Redis({
    host: REDIS_HOST,
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // Failures reach the caller through the command's promise.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(String(name), ...rest);
  } finally {
    client.disconnect();
  }
}

function serverArgs(
  port: number,
  dir: string,
  { persistence = false, maxmemoryMb, maxmemoryPolicy }: RedisServerOptions,
): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    REDIS_HOST,
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--logfile',
    '',
    '--save',
    '',
    '--appendonly',
    persistence ? 'yes' : 'no',
    '--appendfsync',
    'always',
    // DEBUG SLEEP / DEBUG SEGFAULT make Redis slow or crash on cue.
    '--enable-debug-command',
    'local',
    ...(maxmemoryMb === undefined ? [] : ['--maxmemory', `${maxmemoryMb}mb`]),
    ...(maxmemoryPolicy === undefined ? [] : ['--maxmemory-policy', maxmemoryPolicy]),
  ];
}

type LaunchOutcome = { kind: 'ready'; child: ChildProcess } | { kind: 'port-taken' };

/** Spawns redis-server and waits until this very process answers PING. */
async function launch({
  port,
  dir,
  options,
}: {
  port: number;
  dir: string;
  options: RedisServerOptions;
}): Promise<LaunchOutcome> {
  const log = await open(join(dir, LOG_FILE), 'a');
  let child: ChildProcess;
  try {
    child = spawn(REDIS_SERVER_BINARY, serverArgs(port, dir, options), {
      stdio: ['ignore', log.fd, log.fd],
    });
  } finally {
    await log.close();
  }
  liveServers.add(child);
  let exited = false;
  let spawnError: unknown;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      liveServers.delete(child);
      resolve();
    });
    child.once('error', (error) => {
      spawnError = error;
      resolve();
    });
  });
  const deadline = Date.now() + (options.readyTimeoutMs ?? DEFAULT_REDIS_READY_TIMEOUT_MS);
  const logText = () => readFile(join(dir, LOG_FILE), 'utf8').catch(() => '');
  for (let attempt = 0; ; attempt += 1) {
    if (spawnError !== undefined)
      throw new Error(`could not start ${REDIS_SERVER_BINARY}`, { cause: spawnError });
    if (exited) {
      const text = await logText();
      // Someone took the port between our check and Redis's bind.
      if (text.includes('Address already in use')) return { kind: 'port-taken' };
      throw new Error(`redis-server exited before it was ready (port ${port}):\n${text}`);
    }
    const reply = await ping(port);
    // PONG from our child, not from whoever else may listen there.
    if (reply === '+PONG' && !exited) return { kind: 'ready', child };
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exit;
      throw new Error(`redis-server on port ${port} not ready in time:\n${await logText()}`);
    }
    // Waiting for the server to come up (or to fail): the loop ends on whichever happens.
    await Promise.race([exit, delay(Math.min(20 * 2 ** attempt, 250))]);
  }
}

/** Starts redis-server (not daemonized) on a spare loopback port, in its own temp dir. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'lagent-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  try {
    for (let attempt = 1; child === undefined; attempt += 1) {
      port = await sparePort();
      const outcome = await launch({ port, dir, options });
      if (outcome.kind === 'ready') child = outcome.child;
      else if (attempt >= PORT_ATTEMPTS) throw new Error('no free port for redis-server');
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  const logFile = join(dir, LOG_FILE);
  const halt = async ({ mode = 'crash' }: { mode?: RedisStopMode } = {}) => {
    const current = child;
    if (current === undefined) return;
    const exited = !isAlive(current);
    const exit = exited ? Promise.resolve() : once(current, 'exit');
    if (mode === 'shutdown' && !exited) {
      // The server closes our connection as it goes: that rejection is the expected answer.
      await runCommand(port, ['SHUTDOWN', 'NOSAVE']).catch(() => undefined);
    } else {
      current.kill('SIGKILL');
    }
    await exit;
    child = undefined;
  };
  const start = async ({ keepData = true }: { keepData?: boolean } = {}) => {
    if (child !== undefined && isAlive(child))
      throw new Error('redis-server is running; halt() it first');
    child = undefined;
    if (!keepData) {
      for (const entry of await readdir(dir)) {
        if (entry !== LOG_FILE) await rm(join(dir, entry), { recursive: true, force: true });
      }
    }
    // Our own server just left the port; a stranger may still grab it in between.
    for (let attempt = 1; child === undefined; attempt += 1) {
      const outcome = await launch({ port, dir, options });
      if (outcome.kind === 'ready') child = outcome.child;
      else if (attempt >= PORT_ATTEMPTS)
        throw new Error(`port ${port} was taken while redis-server was down`);
      else await delay(200 * attempt);
    }
  };
  const stop = async () => {
    await halt({ mode: 'crash' });
    await rm(dir, { recursive: true, force: true });
  };

  return {
    host: REDIS_HOST,
    port,
    url: `redis://${REDIS_HOST}:${port}`,
    dir,
    logFile,
    get pid() {
      return child !== undefined && isAlive(child) ? child.pid : undefined;
    },
    get running() {
      return child !== undefined && isAlive(child);
    },
    command: (...args) => runCommand(port, args),
    flushAll: async () => {
      await runCommand(port, ['FLUSHALL']);
    },
    halt,
    start,
    restart: async ({ keepData = true, mode = 'crash' } = {}) => {
      await halt({ mode });
      await start({ keepData });
    },
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
