// The services the integration tests run against, as `.ci/run` starts them. These fail (never
// skip) when a service is missing, with a message saying how to start it.
import { expect, test } from 'vitest';
import { dockerGet, requireDocker, requireRedis } from '../support/services.ts';

test('Redis answers PING', async () => {
  expect(await requireRedis()).toBe('+PONG');
});

test('the Docker engine answers and offers the gVisor runtime', async () => {
  await requireDocker();
  const info = (await dockerGet('/info')) as { Runtimes?: Record<string, unknown> };
  expect(Object.keys(info.Runtimes ?? {})).toEqual(expect.arrayContaining(['runc', 'runsc']));
});
