// The provider: the warm pool and its refill, the session cap, idle reclaim, listing, and
// containers that never outlive their owner (stdin hang-up, exit signals, orphan sweep).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseJson, SandboxClosedError, SandboxLimitError } from '../../../core/index.ts';
import type { DockerSandboxProvider } from '../../../sandboxes/docker/index.ts';
import {
  OWNER_LABEL,
  removeOrphans,
  SANDBOX_LABEL,
  sandboxImageTag,
} from '../../../sandboxes/docker/index.ts';
import { RUNTIMES, startTestProvider } from '../../support/docker-sandbox-fixture.ts';

const docker = new Dockerode();
const fixture = join(import.meta.dirname, '..', '..', 'fixtures', 'sandbox-owner.ts');

async function containersNamed(prefix: string): Promise<string[]> {
  const containers = await docker.listContainers({ all: true, filters: { name: [prefix] } });
  return containers.map((info) => (info.Names[0] ?? '').replace(/^\//, ''));
}

/** Starts the owner fixture and resolves with its process and its session's container. */
async function startOwner({
  prefix,
  runtime,
  signals,
}: {
  prefix: string;
  runtime: string;
  signals: boolean;
}) {
  const child = spawn(process.execPath, [fixture, prefix, runtime, signals ? 'yes' : 'no'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('\n')) resolve(output.split('\n')[0] ?? '');
    });
    child.once('exit', (code) => reject(new Error(`owner exited early with ${code}`)));
  });
  const { container } = parseJson(line) as { container: string };
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  return { child, container, exited };
}

describe.each(RUNTIMES)('Docker sandbox provider (%s)', (runtime) => {
  let provider: DockerSandboxProvider;
  beforeAll(async () => {
    provider = await startTestProvider({
      runtime,
      poolSize: 2,
      maxSessions: 2,
    });
    await provider.warmUp();
  });
  afterAll(async () => {
    await provider?.close();
  });

  test('sessions come from the warm pool, which refills in the background', async () => {
    expect(provider.pooled).toBe(2);
    const sandbox = await provider.create({ sessionId: 'pooled' });
    try {
      expect(provider.pooled).toBe(1);
      await expect.poll(() => provider.pooled, { timeout: 60_000, interval: 100 }).toBe(2);
      expect(provider.list()).toEqual([
        { id: sandbox.id, sessionId: 'pooled', createdAt: sandbox.createdAt, busy: false },
      ]);
      const info = await docker.getContainer(sandbox.containerName ?? '').inspect();
      expect(info.Config.Labels[SANDBOX_LABEL]).toBe('1');
      expect(info.Config.Labels[OWNER_LABEL]).toBe(provider.owner);
      expect(info.HostConfig.Runtime).toBe(runtime);
    } finally {
      await sandbox.close();
    }
    expect(provider.list()).toEqual([]);
  });

  test('a session past maxSessions is a SandboxLimitError; closing one frees its slot', async () => {
    const first = await provider.create();
    const second = await provider.create();
    try {
      await expect(provider.create()).rejects.toBeInstanceOf(SandboxLimitError);
      await first.close();
      const third = await provider.create();
      await third.close();
    } finally {
      await first.close();
      await second.close();
    }
  });

  test('an idle session is reclaimed after its TTL and then refuses work', async () => {
    const idleProvider = await startTestProvider({ runtime, idleTimeoutMs: 1_500 });
    const sandbox = await idleProvider.create();
    try {
      await sandbox.runCode({ code: 'x = 1' });
      await expect.poll(() => sandbox.closed, { timeout: 10_000, interval: 100 }).toBe(true);
      await expect(sandbox.runCode({ code: 'x' })).rejects.toBeInstanceOf(SandboxClosedError);
      await expect
        .poll(() => containersNamed(sandbox.containerName ?? 'none'), { timeout: 10_000 })
        .toEqual([]);
    } finally {
      await sandbox.close();
      await idleProvider.close();
    }
  });

  test('the containers of a killed owner stop and are removed by themselves', async () => {
    const prefix = `owner-${randomUUID().slice(0, 8)}`;
    const owner = await startOwner({ prefix, runtime, signals: false });
    expect(await containersNamed(owner.container)).toEqual([owner.container]);
    owner.child.kill('SIGKILL');
    await owner.exited;
    // The owner's attach stream closed: each driver sees EOF, exits, and AutoRemove cleans up.
    await expect
      .poll(() => containersNamed(prefix), { timeout: 30_000, interval: 250 })
      .toEqual([]);
  });

  test('SIGTERM closes every sandbox of the owner, then the signal ends it', async () => {
    const prefix = `owner-${randomUUID().slice(0, 8)}`;
    const owner = await startOwner({ prefix, runtime, signals: true });
    owner.child.kill('SIGTERM');
    expect(await owner.exited).toBe('SIGTERM');
    expect(await containersNamed(prefix)).toEqual([]);
  });

  test('a running provider sweeps the orphans of its prefix every orphanSweepIntervalMs', async () => {
    const prefix = `sweep-${randomUUID().slice(0, 8)}`;
    const name = `${prefix}-orphan`;
    const sweeper = await startTestProvider({
      runtime,
      namePrefix: prefix,
      orphanSweepIntervalMs: 250,
    });
    try {
      // An owner on this host that has exited: its pid is free now.
      const owner = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
      await new Promise((resolve) => owner.once('exit', resolve));
      // Left after the provider started (and test providers skip the start-up sweep).
      await docker.createContainer({
        name,
        Image: sandboxImageTag(),
        Labels: { [SANDBOX_LABEL]: '1', [OWNER_LABEL]: `${hostname()}/${owner.pid ?? 0}/gone` },
        HostConfig: { Runtime: runtime },
      });
      await expect
        .poll(() => containersNamed(name), { timeout: 60_000, interval: 250 })
        .toEqual([]);
    } finally {
      await docker
        .getContainer(name)
        .remove({ force: true })
        .catch(() => undefined);
      await sweeper.close();
    }
  });

  test('an orphan that was never attached is removed by the sweep at start-up', async () => {
    // Swept by prefix, so a concurrent provider's own start-up sweep cannot take it first.
    const name = `orphan-${randomUUID().slice(0, 8)}`;
    // A container left by a dead process on this host (pid 2^22 - 1 is never a live one here).
    await docker.createContainer({
      name,
      Image: sandboxImageTag(),
      Labels: {
        [SANDBOX_LABEL]: '1',
        [OWNER_LABEL]: `${hostname()}/4194303/dead`,
      },
      HostConfig: { Runtime: runtime },
    });
    try {
      expect(await removeOrphans({ docker, namePrefix: 'orphan' })).toContain(name);
      expect(await containersNamed(name)).toEqual([]);
    } finally {
      await docker
        .getContainer(name)
        .remove({ force: true })
        .catch(() => undefined);
    }
  });
});
