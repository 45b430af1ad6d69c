// The fault-injection harness itself: its Redis servers, its proxy, its run counter and the
// worker-process helper do what the queue scenarios will rely on.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { sandboxImageTag } from '../../sandboxes/index.ts';
import { connectJobs } from '../../workers/index.ts';
import { requireDocker } from '../support/services.ts';
import { startWorkerProcess } from '../support/worker-process.ts';
import { startRedisServer } from './support/redis-server.ts';
import { startRunCounter } from './support/run-counter.ts';
import { startTcpProxy } from './support/tcp-proxy.ts';

const run = promisify(execFile);
/** expect.poll deadlines: generous, the machine is shared and often loaded. */
const POLL = { timeout: 60_000, interval: 20 };

type Defer = (dispose: () => unknown) => void;

/** Runs `body`, then disposes what it registered, last first, whether it passed or not. */
async function withCleanup(body: (defer: Defer) => Promise<void>): Promise<void> {
  const disposers: (() => unknown)[] = [];
  try {
    await body((dispose) => disposers.push(dispose));
  } finally {
    for (const dispose of disposers.reverse()) {
      await Promise.resolve()
        .then(dispose)
        .catch(() => undefined);
    }
  }
}

/** The next `name` event (events.once would reject on the 'error' a reset brings first). */
const nextEvent = (emitter: Redis, name: string) =>
  new Promise<void>((resolve) => emitter.once(name, () => resolve()));

/** An ioredis client as BullMQ would make it; its errors are collected, not thrown. */
function redisClient(defer: Defer, url: string, options: RedisOptions = {}) {
  const client = new Redis(url, { maxRetriesPerRequest: null, ...options });
  const errors: Error[] = [];
  client.on('error', (error: Error) => errors.push(error));
  defer(() => client.disconnect());
  return { client, errors };
}

describe('redis-server', () => {
  it('starts on a spare port with the limits asked for, and flushAll() empties it', () =>
    withCleanup(async (defer) => {
      const server = await startRedisServer({ maxmemoryMb: 16, maxmemoryPolicy: 'noeviction' });
      defer(() => server.stop());
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
      expect(await server.command('CONFIG', 'GET', 'maxmemory')).toEqual([
        'maxmemory',
        String(16 * 1024 * 1024),
      ]);
      expect(await server.command('CONFIG', 'GET', 'appendonly')).toEqual(['appendonly', 'no']);
      await server.command('SET', 'k', 'v');
      await server.command('SET', 'other', 'v');
      await server.flushAll();
      expect(await server.command('DBSIZE')).toBe(0);
    }));

  it('loses everything on a restart without its data, on the same port', () =>
    withCleanup(async (defer) => {
      const server = await startRedisServer();
      defer(() => server.stop());
      const { port } = server;
      const pid = server.pid;
      await server.command('SET', 'k', 'v');
      await server.restart({ keepData: false });
      expect(server.port).toBe(port);
      expect(server.pid).not.toBe(pid);
      expect(await server.command('GET', 'k')).toBeNull();
    }));

  it('with persistence keeps every acknowledged write across a crash and a shutdown', () =>
    withCleanup(async (defer) => {
      const server = await startRedisServer({ persistence: true });
      defer(() => server.stop());
      expect(await server.command('CONFIG', 'GET', 'appendfsync')).toEqual([
        'appendfsync',
        'always',
      ]);
      await server.command('SET', 'k', 'v');
      await server.restart({ mode: 'crash' });
      expect(await server.command('GET', 'k')).toBe('v');
      await server.command('SET', 'k2', 'v2');
      await server.restart({ mode: 'shutdown', keepData: true });
      expect(await server.command('MGET', 'k', 'k2')).toEqual(['v', 'v2']);
      // A flush is a write like any other: it survives a restart too.
      await server.flushAll();
      await server.restart();
      expect(await server.command('DBSIZE')).toBe(0);
      await server.command('SET', 'k', 'v');
      await server.restart({ keepData: false });
      expect(await server.command('GET', 'k')).toBeNull();
    }));

  it('a client through the proxy gets back to its data after halt() and start()', () =>
    withCleanup(async (defer) => {
      const server = await startRedisServer({ persistence: true });
      defer(() => server.stop());
      const proxy = await startTcpProxy({ target: server });
      defer(() => proxy.close());
      const { client } = redisClient(defer, proxy.url);
      await client.set('k', 'v');
      const closed = nextEvent(client, 'close');
      await server.halt();
      await closed;
      expect(server.running).toBe(false);
      await server.start();
      expect(await client.get('k')).toBe('v');
    }));
});

describe('tcp-proxy', () => {
  it('forwards commands both ways', () =>
    withCleanup(async (defer) => {
      const server = await startRedisServer();
      defer(() => server.stop());
      const proxy = await startTcpProxy({ target: server });
      defer(() => proxy.close());
      expect(proxy.url).toBe(`redis://127.0.0.1:${proxy.port}`);
      const { client } = redisClient(defer, proxy.url);
      await client.set('k', 'v'.repeat(1_000_000));
      expect((await client.get('k'))?.length).toBe(1_000_000);
      expect(proxy.connections).toBe(1);
    }));

  it('stall() holds a command until heal(), then delivers it in order', () =>
    withCleanup(async (defer) => {
      const server = await startRedisServer();
      defer(() => server.stop());
      const proxy = await startTcpProxy({ target: server });
      defer(() => proxy.close());
      const { client } = redisClient(defer, proxy.url);
      await client.ping();

      proxy.stall();
      let repliedAt: number | undefined;
      const replies = Promise.all([client.incr('counter'), client.incr('counter')]).then(
        (values) => {
          repliedAt = performance.now();
          return values;
        },
      );
      // The commands reached the proxy, which holds them...
      await expect.poll(() => proxy.heldBytes, POLL).toBeGreaterThan(0);
      // ...a new connection is accepted and held as well...
      const { client: late } = redisClient(defer, proxy.url);
      await proxy.waitFor({ connections: 2 });
      // ...and while Redis answers many round trips of its own, it never sees them.
      for (let round = 0; round < 20; round += 1) {
        expect(await server.command('GET', 'counter')).toBeNull();
      }
      expect(repliedAt).toBeUndefined();
      expect(client.status).toBe('ready');
      expect(late.status).not.toBe('ready');

      const healedAt = performance.now();
      proxy.heal();
      expect(await replies).toEqual([1, 2]);
      expect(repliedAt).toBeGreaterThanOrEqual(healedAt);
      expect(await late.incr('counter')).toBe(3);
      expect(proxy.heldBytes).toBe(0);
    }));

  it('cut() resets the connection and refuses new ones until heal()', () =>
    withCleanup(async (defer) => {
      const server = await startRedisServer();
      defer(() => server.stop());
      const proxy = await startTcpProxy({ target: server });
      defer(() => proxy.close());
      const { client, errors } = redisClient(defer, proxy.url);
      await client.set('k', 'v');

      const closed = nextEvent(client, 'close');
      const reconnecting = nextEvent(client, 'reconnecting');
      const accepted = proxy.accepted;
      proxy.cut();
      await closed;
      await reconnecting;
      // A reconnect attempt gets in and is reset at once.
      await proxy.waitFor({ accepted: accepted + 1 });
      expect(proxy.connections).toBe(0);
      expect(client.status).not.toBe('ready');
      // Queued while the client is disconnected (maxRetriesPerRequest: null), sent after heal().
      const pending = client.get('k');
      const ready = nextEvent(client, 'ready');
      proxy.heal();
      await ready;
      expect(await pending).toBe('v');
      expect(errors.some((error) => /ECONNRESET/.test(error.message))).toBe(true);
    }));

  it('reset() resets the current connections once; the client reconnects by itself', () =>
    withCleanup(async (defer) => {
      const server = await startRedisServer();
      defer(() => server.stop());
      const proxy = await startTcpProxy({ target: server });
      defer(() => proxy.close());
      const { client } = redisClient(defer, proxy.url);
      await client.set('k', 'v');
      const closed = nextEvent(client, 'close');
      const ready = nextEvent(client, 'ready');
      proxy.reset();
      await closed;
      await ready;
      expect(proxy.state).toBe('open');
      expect(await client.get('k')).toBe('v');
      expect(proxy.connections).toBe(1);
    }));
});

describe('run-counter', () => {
  it('counts starts of the code from inside a sandbox container (uid 1000)', () =>
    withCleanup(async (defer) => {
      await requireDocker();
      const counter = await startRunCounter();
      defer(() => counter.close());
      expect(counter.workerArgs).toEqual(['--mount', `${counter.hostDir}:/mnt/runs:rw`]);
      const runInSandbox = (code: string) =>
        run('docker', [
          'run',
          '--rm',
          '--network',
          'none',
          '--user',
          '1000:1000',
          '--mount',
          `type=bind,source=${counter.hostDir},target=/mnt/runs`,
          '--entrypoint',
          'python3',
          sandboxImageTag(),
          '-c',
          code,
        ]);
      const first = await runInSandbox(counter.code('job-a', 'print(6 * 7)'));
      expect(first.stdout).toBe('42\n');
      await runInSandbox(counter.code('job-a', 'raise SystemExit(0)'));
      await runInSandbox(counter.code('job-b'));
      expect(await counter.count('job-a')).toBe(2);
      expect(await counter.count('never')).toBe(0);
      expect(await counter.counts()).toEqual({ 'job-a': 2, 'job-b': 1 });
      expect(() => counter.code('../escape', '')).toThrow(/run tag/);
    }));
});

describe('worker-process', () => {
  it('runs a worker against a Redis of its own through the proxy, and reports its logs', () =>
    withCleanup(async (defer) => {
      await requireDocker();
      const server = await startRedisServer();
      defer(() => server.stop());
      const proxy = await startTcpProxy({ target: server });
      defer(() => proxy.close());
      const queueName = `faults-${randomUUID().slice(0, 8)}`;
      const worker = await startWorkerProcess({
        queueName,
        namePrefix: queueName,
        redisUrl: proxy.url,
        env: { LAGENT_QUEUE: 'not-this-one' },
        extraArgs: ['--tools', 'none', '--pool-size', '0'],
      });
      defer(() => worker.stop());
      const started = await worker.waitForLog('worker started');
      expect(started['queue']).toBe(queueName);
      expect(
        await server.command('SISMEMBER', `lagent:${queueName}:workers`, worker.workerId),
      ).toBe(1);

      const mark = worker.logs.length;
      proxy.cut();
      const error = await worker.waitForLog(
        (record) => record.msg === 'queue error' && /ECONNRESET/.test(String(record['error'])),
        { after: mark },
      );
      expect(error.level).toBe(50);
      proxy.heal();
      // Back in business: a job submitted straight to Redis is run by this worker.
      const jobs = await connectJobs({ redisUrl: server.url, queueName });
      defer(() => jobs.close());
      const jobId = await jobs.submit({
        request: { kind: 'tool-call', call: { name: 'Echo', parameters: { text: 'back' } } },
      });
      const result = await jobs.wait({ jobId });
      expect(result).toMatchObject({ status: 'completed', workerId: worker.workerId });
    }));
});
