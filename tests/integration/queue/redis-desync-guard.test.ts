// A connection whose replies and commands no longer line up: ioredis alone kills the
// process (a TypeError in its data listener); with the guard the connection is reset and
// serves again.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { expect, test } from 'vitest';
import type { Redis } from 'ioredis';
import { createRedis } from '../../../workers/queue/redis-keys.ts';
import { redisUrl, requireRedis } from '../../support/services.ts';

/** Sends GET of a missing key (a nil reply) and drops its entry from the queue. */
const OUT_OF_STEP = `
  const pending = redis.get('lagent-desync-missing-' + Math.random());
  pending.catch(() => undefined);
  redis.commandQueue.shift();
`;

/** The same, in this process (ioredis keeps its command queue on the client). */
function putOutOfStep(redis: Redis): void {
  redis.get(`lagent-desync-missing-${randomUUID()}`).catch(() => undefined);
  (redis as unknown as { commandQueue: { shift(): unknown } }).commandQueue.shift();
}

test('without the guard, a reply with no command waiting kills the process', async () => {
  await requireRedis();
  const script = `
    import { Redis } from 'ioredis';
    const redis = new Redis(${JSON.stringify(redisUrl().href)});
    redis.on('error', () => undefined);
    await redis.ping();
    ${OUT_OF_STEP}
    setTimeout(() => process.exit(0), 30_000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'ignore', 'pipe'],
    cwd: process.cwd(),
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code).not.toBe(0);
  expect(stderr).toMatch(/TypeError/);
});

test('with the guard, the connection is reset, reconnects and serves again', async () => {
  await requireRedis();
  const redis = createRedis(redisUrl().href);
  const errors: string[] = [];
  redis.on('error', (error: Error) => errors.push(error.message));
  try {
    const key = `lagent-desync-${randomUUID()}`;
    await redis.set(key, 'kept', 'EX', 60);
    // (events.once would reject on the 'error' event the guard emits.)
    const reconnected = new Promise<void>((resolve) => redis.once('ready', () => resolve()));
    putOutOfStep(redis);
    await reconnected;
    expect(errors.some((message) => message.includes('no command waiting'))).toBe(true);
    expect(await redis.get(key)).toBe('kept');
  } finally {
    redis.disconnect();
  }
});
