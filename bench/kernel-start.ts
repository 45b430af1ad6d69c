// Kernel start, restart and a session's first call, under runc and runsc in one run:
// - a restart (Sandbox.restart) and a kernel death (the call that died is answered once the
//   fresh kernel is ready; then the next call): kernels forked from the driver, which has
//   imported ipykernel once (the default), against kernels spawned as new interpreters
//   (`kernelStart: 'spawn'`, the baseline), interleaved so load affects both alike;
// - a new session's first call: from the warm pool, and with no pool, where the container's
//   start and the driver's imports are paid; the spawned-kernel restart shows what the
//   imports alone cost.
import type { ContainerRuntime, DockerSandbox, KernelStart } from '../sandboxes/docker/index.ts';
import { DockerSandboxProvider } from '../sandboxes/docker/index.ts';
import type { LatencySummary } from './stats.ts';
import { formatMs, summarise } from './stats.ts';

const rounds = Number(process.env['BENCH_KERNEL_ROUNDS'] ?? 6);

function line(label: string, summary: LatencySummary): string {
  return `  ${label.padEnd(44)} p50 ${formatMs(summary.p50Ms).padStart(12)}  p99 ${formatMs(summary.p99Ms).padStart(12)}  (n=${summary.count})`;
}

async function timed(operation: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await operation();
  return performance.now() - start;
}

async function expectOk(session: DockerSandbox, code: string): Promise<void> {
  const execution = await session.runCode({ code, timeoutMs: 120_000 });
  if (execution.error)
    throw new Error(`${code}: ${execution.error.name}: ${execution.error.value}`);
}

/** A new session and its first call, timed; the session is closed after, untimed. */
async function firstCall(create: () => Promise<DockerSandbox>): Promise<number> {
  const start = performance.now();
  const session = await create();
  try {
    await expectOk(session, '1 + 1');
    return performance.now() - start;
  } finally {
    await session.close();
  }
}

async function startProvider(
  runtime: ContainerRuntime,
  kernelStart: KernelStart,
  poolSize: number,
): Promise<DockerSandboxProvider> {
  return DockerSandboxProvider.start({
    runtime,
    poolSize,
    namePrefix: `bench-kernel-${runtime}-${kernelStart}`,
    handleExitSignals: false,
    kernelStart,
  });
}

async function benchRuntime(runtime: ContainerRuntime): Promise<void> {
  console.log(`\nKernel start, runtime ${runtime}`);
  const modes: KernelStart[] = ['fork', 'spawn'];
  const providers = {
    fork: await startProvider(runtime, 'fork', 0),
    spawn: await startProvider(runtime, 'spawn', 0),
  };
  const restarts: Record<KernelStart, number[]> = { fork: [], spawn: [] };
  const deaths: Record<KernelStart, number[]> = { fork: [], spawn: [] };
  const afterDeath: Record<KernelStart, number[]> = { fork: [], spawn: [] };
  const cold: Record<KernelStart, number[]> = { fork: [], spawn: [] };
  try {
    const sessions = {
      fork: await providers.fork.create(),
      spawn: await providers.spawn.create(),
    };
    for (let round = 0; round < rounds; round += 1) {
      for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
        const session = sessions[mode];
        await expectOk(session, 'x = 1');
        restarts[mode].push(await timed(() => session.restart()));
        await expectOk(session, 'assert "x" not in globals()');
        deaths[mode].push(
          await timed(async () => {
            const died = await session.runCode({ code: 'import os; os._exit(3)' });
            if (died.error?.name !== 'KernelDied') throw new Error('the kernel did not die');
          }),
        );
        afterDeath[mode].push(await timed(() => expectOk(session, '1 + 1')));
      }
    }
    await Promise.all(modes.map((mode) => sessions[mode].close()));
    // A new session's first call with no pool: container, interpreter, imports, kernel.
    for (let round = 0; round < Math.max(2, rounds / 2); round += 1) {
      for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
        cold[mode].push(await firstCall(() => providers[mode].create()));
      }
    }
  } finally {
    await Promise.all(modes.map((mode) => providers[mode].close()));
  }
  // And from a warm pool (forked kernels): the start is paid before the session asks.
  const pooled: number[] = [];
  const pool = await startProvider(runtime, 'fork', 1);
  try {
    for (let round = 0; round < rounds; round += 1) {
      await pool.warmUp();
      pooled.push(await firstCall(() => pool.create()));
    }
  } finally {
    await pool.close();
  }
  const ratio = (label: string, baseline: number[], measured: number[]) => {
    const b = summarise(baseline).p50Ms;
    const m = summarise(measured).p50Ms;
    console.log(`  ${label}: spawned / forked p50 = ${(b / m).toFixed(2)}x`);
  };
  for (const mode of modes) {
    console.log(line(`restart, kernel ${mode}ed`, summarise(restarts[mode])));
    console.log(line(`death answered (fresh kernel ready), ${mode}ed`, summarise(deaths[mode])));
    console.log(line(`then the next call, ${mode}ed`, summarise(afterDeath[mode])));
  }
  ratio('restart', restarts.spawn, restarts.fork);
  ratio('death to answered', deaths.spawn, deaths.fork);
  for (const mode of modes) {
    console.log(line(`first call, new session, no pool, ${mode}ed`, summarise(cold[mode])));
  }
  console.log(line('first call, new session from the warm pool', summarise(pooled)));
  const coldFork = summarise(cold.fork).p50Ms;
  const restartFork = summarise(restarts.fork).p50Ms;
  const imports = summarise(restarts.spawn).p50Ms - restartFork;
  console.log(
    `  where a cold session's time goes (p50): kernel from the preloaded driver ${formatMs(restartFork)}, ipykernel's imports ~${formatMs(imports)}, container and interpreter start ~${formatMs(coldFork - restartFork - imports)}`,
  );
  console.log(`  no pool / warm pool p50 = ${(coldFork / summarise(pooled).p50Ms).toFixed(1)}x`);
}

export async function benchKernelStart(): Promise<void> {
  for (const runtime of ['runc', 'runsc'] as const) await benchRuntime(runtime);
}
