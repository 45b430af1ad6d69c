// Host paths bound into the sandbox: read-only unless asked otherwise, writable ones seen on
// the host, and mounts that would replace the system, the driver or the runtime's own
// mounts refused before any container starts.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../../../core/index.ts';
import type { DockerSandboxProvider, SandboxMount } from '../../../sandboxes/index.ts';
import { RUNTIMES, startTestProvider } from '../../support/docker-sandbox-fixture.ts';

/** A host directory the sandbox user (uid 1000) can read, or also write. */
async function hostDir({ writable }: { writable: boolean }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lagent-mount-'));
  // mkdtemp makes it 0700 (root's); 0777 even for the read-only one, so that only the
  // read-only mount can stop a write.
  await chmod(dir, writable ? 0o777 : 0o755);
  return dir;
}

describe.each(RUNTIMES)('Docker sandbox mounts (%s)', (runtime) => {
  let provider: DockerSandboxProvider;
  let dataset: string;
  let outbox: string;
  beforeAll(async () => {
    dataset = await hostDir({ writable: true });
    outbox = await hostDir({ writable: true });
    await writeFile(join(dataset, 'numbers.csv'), '1,2,3\n', { mode: 0o644 });
    provider = await startTestProvider({
      runtime,
      mounts: [
        { source: dataset, target: '/data' },
        { source: outbox, target: '/workspace/out', readOnly: false },
      ],
    });
  });
  afterAll(async () => {
    await provider?.close();
    for (const dir of [dataset, outbox]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a mount is read-only by default: the code reads it, and a write fails in the code', async () => {
    const sandbox = await provider.create();
    try {
      const read = await sandbox.runCode({
        code: 'print(open("/data/numbers.csv").read(), end="")',
      });
      expect(read.error).toBeNull();
      expect(read.logs.stdout.join('')).toBe('1,2,3\n');
      const write = await sandbox.runCode({
        code: 'with open("/data/new.txt", "w") as f:\n    f.write("x")',
      });
      expect(write.error?.name).toBe('OSError');
      expect(write.error?.value).toContain('Read-only file system');
      await expect(readFile(join(dataset, 'new.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await sandbox.close();
    }
  });

  test('a readOnly: false mount receives what the code writes, seen on the host', async () => {
    const sandbox = await provider.create();
    try {
      const write = await sandbox.runCode({
        code: 'with open("/workspace/out/result.txt", "w") as f:\n    f.write("42")',
      });
      expect(write.error).toBeNull();
      expect(await readFile(join(outbox, 'result.txt'), 'utf8')).toBe('42');
    } finally {
      await sandbox.close();
    }
  });
});

describe('Docker sandbox mounts that are refused', () => {
  let source: string;
  let socket: Server | undefined;
  beforeAll(async () => {
    source = await hostDir({ writable: false });
    // A unix socket, as the Docker socket is: read-only would not stop a connect().
    const listening = createServer();
    socket = listening;
    await new Promise<void>((resolve) => listening.listen(join(source, 'sock'), resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => (socket ? socket.close(resolve) : resolve(undefined)));
    if (source) await rm(source, { recursive: true, force: true });
  });

  const refusals: [string, () => SandboxMount[], RegExp][] = [
    ['a relative source', () => [{ source: 'data', target: '/data' }], /absolute, normalised host/],
    ['a source with ..', () => [{ source: `${source}/../x`, target: '/data' }], /normalised host/],
    [
      'a missing source',
      () => [{ source: join(source, 'missing'), target: '/data' }],
      /does not exist/,
    ],
    ['a socket as source', () => [{ source: join(source, 'sock'), target: '/data' }], /regular/],
    ['a relative target', () => [{ source, target: 'data' }], /absolute, normalised container/],
    ['the root', () => [{ source, target: '/' }], /may not be \/ itself/],
    ['the work directory', () => [{ source, target: '/workspace' }], /\/workspace itself/],
    ['/tmp', () => [{ source, target: '/tmp' }], /\/tmp itself/],
    ['the driver', () => [{ source, target: '/opt/lagent' }], /inside \/opt/],
    ['/etc', () => [{ source, target: '/etc' }], /inside \/etc/],
    ['a library path', () => [{ source, target: '/lib64/x' }], /inside \/lib\*/],
    ['/proc', () => [{ source, target: '/proc/self' }], /inside \/proc/],
    [
      'two mounts on one target',
      () => [
        { source, target: '/data' },
        { source, target: '/data', readOnly: false },
      ],
      /same target/,
    ],
  ];

  test.each(refusals)('%s is an InvalidArgumentError at start', async (_name, mounts, message) => {
    const starting = startTestProvider({ mounts: mounts() });
    await expect(starting).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(starting).rejects.toThrow(message);
  });
});
