// The Docker sandbox's stats() under runc and gVisor: the runtime the container was made
// with, and its memory as the engine reads it, rising with what the code allocates and going
// down when the code frees it. A reading waits its turn and is not a use of the session.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SandboxClosedError } from '../../../core/index.ts';
import type { DockerSandboxProvider } from '../../../sandboxes/docker/index.ts';
import { RUNTIMES, startTestProvider } from '../../support/docker-sandbox-fixture.ts';

const MiB = 1024 * 1024;
const MEMORY_MB = 512;

describe.each(RUNTIMES)('Docker sandbox stats (%s)', (runtime) => {
  let provider: DockerSandboxProvider;
  beforeAll(async () => {
    provider = await startTestProvider({ runtime, memoryMb: MEMORY_MB });
  });
  afterAll(async () => {
    await provider?.close();
  });

  test('reports the runtime, and the memory the code holds against its limit', async () => {
    const sandbox = await provider.create({ sessionId: 'stats' });
    try {
      const idle = await sandbox.stats();
      expect(idle.runtime).toBe(runtime);
      expect(idle.memoryLimitBytes).toBe(MEMORY_MB * MiB);
      expect(idle.memoryBytes).toBeGreaterThan(0);
      expect(idle.memoryBytes).toBeLessThan(idle.memoryLimitBytes ?? 0);
      // runc counts the container's processes; under gVisor the pids cgroup holds its host threads.
      if (runtime === 'runc') expect(idle.pids).toBeGreaterThanOrEqual(1);
      else expect(idle.pids).toBeNull();

      // Asked while the allocation runs, the reading comes after it, in turn.
      const allocating = sandbox.runCode({ code: 'x = bytearray(100 * 1024 * 1024)' });
      const held = await sandbox.stats();
      expect((await allocating).error).toBeNull();
      expect(held.memoryBytes).toBeGreaterThan(100 * MiB);
      expect(held.memoryBytes).toBeGreaterThan((idle.memoryBytes ?? 0) + 90 * MiB);
      expect(held.memoryBytes).toBeLessThan(MEMORY_MB * MiB);

      const freed = await sandbox.runCode({ code: 'del x\nimport gc\ngc.collect()' });
      expect(freed.error).toBeNull();
      const after = await sandbox.stats();
      expect(after.memoryBytes).toBeLessThan((held.memoryBytes ?? 0) - 50 * MiB);
      console.log(
        `${runtime}: idle ${mib(idle.memoryBytes)}, 100 MiB held ${mib(held.memoryBytes)}, freed ${mib(after.memoryBytes)} of ${mib(after.memoryLimitBytes)}; pids ${String(after.pids)}`,
      );
    } finally {
      await sandbox.close();
    }
  });

  test('a reading is not a use, and a closed sandbox has none', async () => {
    const sandbox = await provider.create();
    const usedAt = sandbox.lastUsedAt;
    const stats = await sandbox.stats();
    expect(stats.runtime).toBe(runtime);
    expect(sandbox.lastUsedAt).toBe(usedAt);
    await sandbox.close();
    await expect(sandbox.stats()).rejects.toBeInstanceOf(SandboxClosedError);
  });
});

function mib(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? 'null' : `${(bytes / MiB).toFixed(1)} MiB`;
}
