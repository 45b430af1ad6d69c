// The sandbox reaches its kernel only through the engine's API (attach streams), never a
// published port or a shared socket file, so it works against a remote engine. Here the
// engine is reached over TCP, as DOCKER_HOST=tcp://... would, through a TCP relay to it.
import { createConnection, createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { executionText } from '../../../core/index.ts';
import type { DockerSandboxProvider } from '../../../sandboxes/docker/index.ts';
import { startTestProvider } from '../../support/docker-sandbox-fixture.ts';

let relay: Server;
let provider: DockerSandboxProvider;
let connections = 0;

beforeAll(async () => {
  relay = createServer((client) => {
    connections += 1;
    const engine = createConnection({ path: '/var/run/docker.sock' });
    client.pipe(engine).pipe(client);
    const close = () => {
      client.destroy();
      engine.destroy();
    };
    client.on('error', close).on('close', close);
    engine.on('error', close).on('close', close);
  });
  relay.listen(0, '127.0.0.1');
  await new Promise((resolve) => relay.once('listening', resolve));
  const { port } = relay.address() as AddressInfo;
  provider = await startTestProvider({
    docker: new Dockerode({ host: '127.0.0.1', port, protocol: 'http' }),
  });
});

afterAll(async () => {
  await provider?.close();
  relay?.close();
});

test('a session over a TCP engine connection: state, deadlines, files and OOM events', async () => {
  const sandbox = await provider.create();
  try {
    await sandbox.runCode({ code: 'total = 40' });
    expect(executionText(await sandbox.runCode({ code: 'total + 2' }))).toBe('42');
    const slow = await sandbox.runCode({ code: 'import time\ntime.sleep(30)', timeoutMs: 500 });
    expect(slow.timedOut).toBe('interrupted');
    await sandbox.writeFile({ path: 'note.txt', data: 'over tcp' });
    expect(Buffer.from(await sandbox.readFile({ path: 'note.txt' })).toString()).toBe('over tcp');
    const hog = await sandbox.runCode({
      code: 'blocks = [bytearray(64 * 2**20) for _ in range(64)]',
    });
    expect(hog.error?.name).toBe('OutOfMemoryError');
    expect(connections).toBeGreaterThan(0);
  } finally {
    await sandbox.close();
  }
});
