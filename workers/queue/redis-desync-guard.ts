import dataHandlerModule from 'ioredis/built/DataHandler.js';

// ioredis matches each reply to the oldest command waiting for one. When a reply arrives
// and no command waits (the connection's replies and commands no longer line up: seen here
// after a partition healed, and reported upstream as "Command queue state error"), ioredis
// emits an error and hands its callers `null`; some of them then read `null.command` and
// the TypeError, thrown inside the socket's data listener, kills the process. A worker must
// survive that, so the one method that finds the queue empty is wrapped:
// - it answers with a command that swallows the stray reply (no caller dereferences null);
// - it resets the connection, since nothing read from it can be trusted any more. ioredis
//   reconnects by itself; the commands that were in flight fail or are sent again.
// Written by hand because no option of ioredis does this; the test in
// tests/integration/queue/redis-desync-guard.test.ts puts a real connection out of step.

interface CommandItem {
  command: {
    name: string;
    args: unknown[];
    resolve: (value: unknown) => void;
    reject: (error: Error) => void;
  };
}

interface HandlerSelf {
  redis: {
    commandQueue: { length: number };
    stream?: { destroy(error?: Error): void };
    emit(event: string, ...args: unknown[]): boolean;
    listenerCount(event: string): number;
  };
}

type ShiftCommand = (this: HandlerSelf, reply: unknown) => CommandItem | null;

const marker = Symbol.for('lagent-ts.redis-desync-guard');

/** A command that takes the stray reply and drops it. */
function sink(): CommandItem {
  return {
    command: {
      name: 'lagent-stray-reply',
      args: [],
      resolve: () => undefined,
      reject: () => undefined,
    },
  };
}

/** Installs the guard once per process (every ioredis client, BullMQ's included). */
export function installRedisDesyncGuard(): void {
  // A CommonJS module: its class is `default` of the exports, or the exports themselves.
  const exported = dataHandlerModule as unknown as {
    prototype?: object;
    default?: { prototype?: object };
  };
  const prototype = (exported.default?.prototype ?? exported.prototype) as
    Record<PropertyKey, unknown> | undefined;
  if (!prototype) return;
  if (prototype[marker] || typeof prototype['shiftCommand'] !== 'function') return;
  const original = prototype['shiftCommand'] as ShiftCommand;
  const guarded: ShiftCommand = function (this: HandlerSelf, reply: unknown) {
    if (this.redis.commandQueue.length > 0) return original.call(this, reply);
    const error = new Error(
      'A Redis reply came with no command waiting for it: the connection is reset to get back in step',
    );
    if (this.redis.listenerCount('error') > 0) this.redis.emit('error', error);
    this.redis.stream?.destroy(error);
    return sink();
  };
  prototype['shiftCommand'] = guarded;
  prototype[marker] = true;
}
