// Neighbours, under runc and runsc: how much a sandbox whose call left threads and processes
// spinning slows another session. Neighbour A's call starts three Python threads and two
// processes that spin after it returns; session B then times a CPU-bound snippet, in pairs:
// once with A paused (`docker pause`: the idle baseline) and once with A spinning, the order
// alternating, so that the machine's other load, which drifts, affects both halves alike.
// The ratio is the median of the pairs' ratios. Run for each CPU quota in
// BENCH_NEIGHBOUR_CPUS (`cpus`; 0 = no quota), by default none, one core and the default
// quota, so the default is shown beside the alternatives.
import type Dockerode from 'dockerode';
import type { ContainerRuntime, DockerSandbox } from '../sandboxes/docker/index.ts';
import { DEFAULT_SANDBOX_LIMITS, DockerSandboxProvider } from '../sandboxes/docker/index.ts';
import { formatMs, summarise } from './stats.ts';

const pairs = Number(process.env['BENCH_NEIGHBOUR_PAIRS'] ?? 20);
const quotas = [
  ...new Set(
    (process.env['BENCH_NEIGHBOUR_CPUS'] ?? `0,1,${DEFAULT_SANDBOX_LIMITS.cpus}`)
      .split(',')
      .map(Number),
  ),
];
// About 0.3 s of one core.
const work = 'sum(i * i for i in range(10_000_000))';
const spin = [
  'import multiprocessing, threading',
  'def spin():',
  '    while True:',
  '        pass',
  'for _ in range(3):',
  '    threading.Thread(target=spin, daemon=True).start()',
  'for _ in range(2):',
  '    multiprocessing.Process(target=spin).start()',
].join('\n');

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function timeCall(session: DockerSandbox): Promise<number> {
  const start = performance.now();
  const execution = await session.runCode({ code: work, timeoutMs: 120_000 });
  if (execution.error) throw new Error(`the snippet failed: ${execution.error.value}`);
  return performance.now() - start;
}

async function throttledPeriods(container: Dockerode.Container): Promise<number> {
  const stats = (await container.stats({ stream: false })) as {
    cpu_stats?: { throttling_data?: { throttled_periods?: number } };
  };
  return stats.cpu_stats?.throttling_data?.throttled_periods ?? 0;
}

async function benchQuota(runtime: ContainerRuntime, cpus: number): Promise<number> {
  const provider = await DockerSandboxProvider.start({
    runtime,
    cpus,
    poolSize: 0,
    namePrefix: `bench-neighbours-${runtime}`,
    handleExitSignals: false,
  });
  try {
    const [measured, neighbour] = await Promise.all([provider.create(), provider.create()]);
    const container = provider.docker.getContainer(neighbour.containerName ?? '');
    for (let index = 0; index < 3; index += 1) await timeCall(measured); // warm-up
    await neighbour.runCode({ code: spin, timeoutMs: 60_000 });
    const before = await throttledPeriods(container);
    const idle: number[] = [];
    const busy: number[] = [];
    const ratios: number[] = [];
    const timeIdle = async () => {
      await container.pause();
      try {
        return await timeCall(measured);
      } finally {
        await container.unpause();
      }
    };
    const timeBusy = async () => {
      await pause(300); // the spinners are running again
      return timeCall(measured);
    };
    for (let pair = 0; pair < pairs; pair += 1) {
      const first = pair % 2 === 0;
      const idleMs = first ? await timeIdle() : 0;
      const busyMs = await timeBusy();
      const pairIdleMs = first ? idleMs : await timeIdle();
      idle.push(pairIdleMs);
      busy.push(busyMs);
      ratios.push(busyMs / pairIdleMs);
    }
    const throttled = (await throttledPeriods(container)) - before;
    const ratio = summarise(ratios).p50Ms;
    const label = cpus === 0 ? 'no CPU quota' : `cpus ${cpus}`;
    console.log(
      `  ${label.padEnd(14)} neighbour paused p50 ${formatMs(summarise(idle).p50Ms).padStart(12)}  neighbour spinning p50 ${formatMs(summarise(busy).p50Ms).padStart(12)}  ratio ${ratio.toFixed(2)}x  (median of ${pairs} pairs; neighbour throttled in ${throttled} periods)`,
    );
    return ratio;
  } finally {
    await provider.close();
  }
}

export async function benchNeighbours(): Promise<void> {
  const runtimes = (process.env['BENCH_RUNTIMES'] ?? 'runc,runsc').split(',') as ContainerRuntime[];
  for (const runtime of runtimes) {
    console.log(`\nNeighbours, runtime ${runtime}: a CPU-bound call beside a spinning sandbox`);
    for (const cpus of quotas) {
      const ratio = await benchQuota(runtime, cpus);
      if (cpus === DEFAULT_SANDBOX_LIMITS.cpus)
        console.log(
          `  target (default quota): no more than 1.5x slower: ${ratio <= 1.5 ? 'met' : 'MISSED'}`,
        );
    }
  }
}
