import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';

// Option parsers: commander puts the flag and the value in front of their messages, so a bad
// number is refused before anything connects, naming the flag.

/** An integer of at least `min`. */
export function integerAtLeast(min: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (value.trim() === '' || !Number.isSafeInteger(number) || number < min)
      throw new InvalidArgumentError(`expected an integer of at least ${min}`);
    return number;
  };
}

export const positiveInteger = integerAtLeast(1);
export const nonNegativeInteger = integerAtLeast(0);

/** A comma-separated list of module names ('' is none). */
export function moduleList(value: string): string[] {
  return value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

/** A finite number of at least 0 (fractions allowed: `--cpus 0.5`). */
export function nonNegativeNumber(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0)
    throw new InvalidArgumentError('expected a number of at least 0');
  return number;
}

/** Where a command finds the queue. */
export interface QueueFlags {
  /** A `lagent serve` service: jobs go to it over HTTP instead of to Redis. */
  url?: string;
  apiKey?: string;
  redisUrl?: string;
  queue?: string;
  connectTimeoutMs?: number;
}

/**
 * --redis-url, --queue and --connect-timeout-ms. `embedded` says what happens without a
 * Redis URL: the job runs in this process, or Redis on localhost is assumed.
 */
export function addQueueOptions(
  command: Command,
  { embedded, connectTimeoutMs }: { embedded: boolean; connectTimeoutMs: number },
): Command {
  return command
    .option(
      '--redis-url <url>',
      embedded
        ? 'Redis (default: REDIS_URL; without one, the job runs in this process)'
        : 'Redis (default: REDIS_URL, else redis://127.0.0.1:6379)',
    )
    .option('--queue <name>', 'queue name (default: LAGENT_QUEUE, else lagent)')
    .option(
      '--connect-timeout-ms <ms>',
      `give up when Redis does not answer within this long (default ${connectTimeoutMs})`,
      positiveInteger,
    );
}

/** Env vars for a service the job commands can submit to instead of Redis. */
export const SERVICE_URL_ENV = 'LAGENT_URL';
export const SERVICE_API_KEY_ENV = 'LAGENT_API_KEY';

/** --url and --api-key: submit through a `lagent serve` service instead of Redis. */
export function addServiceOptions(command: Command): Command {
  return command
    .option(
      '--url <url>',
      `a lagent serve service to submit to over HTTP (default: ${SERVICE_URL_ENV}); then Redis options do not apply`,
    )
    .option(
      '--api-key <key>',
      `its API key (default: ${SERVICE_API_KEY_ENV}; prefer the env var: arguments show in ps)`,
    );
}
