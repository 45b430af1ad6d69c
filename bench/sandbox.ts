// The Docker sandbox, measured in one run under runc and runsc:
// - print(1) round trips through this API, beside the kernel's own floor (a minimal client
//   on its ZeroMQ sockets inside the container), Python's jupyter_client in the same
//   container (the baseline), and one `docker exec python3 -c` per call; interleaved in
//   rounds so that a noisy machine affects all alike;
// - time to a ready session from the warm pool and with no pool;
// - memory of an idle session; executions per second with 8 sessions busy.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Dockerode from 'dockerode';
import { parseJson } from '../core/index.ts';
import type { ContainerRuntime } from '../sandboxes/docker/index.ts';
import { DockerSandboxProvider } from '../sandboxes/docker/index.ts';
import type { LatencySummary } from './stats.ts';
import { formatMs, sample, summarise } from './stats.ts';

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 6);
const perRound = Number(process.env['BENCH_PER_ROUND'] ?? 50);
const docker = new Dockerode();

interface InContainerClients {
  run(mode: 'floor' | 'jupyter_client', count: number): Promise<number[]>;
  close(): void;
}

/** Starts bench/python/kernel_clients.py inside `container` and talks to it over exec stdio. */
async function startClients(container: string): Promise<InContainerClients> {
  const source = await readFile(join(import.meta.dirname, 'python', 'kernel_clients.py'), 'utf8');
  const exec = await docker.getContainer(container).exec({
    Cmd: ['python3', '-c', source],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: true });
  const stdout = new PassThrough();
  docker.modem.demuxStream(stream, stdout, new PassThrough().resume());
  const lines: string[] = [];
  let waiting: ((line: string) => void) | undefined;
  let buffered = '';
  stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    for (let index = buffered.indexOf('\n'); index !== -1; index = buffered.indexOf('\n')) {
      const line = buffered.slice(0, index);
      buffered = buffered.slice(index + 1);
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve(line);
      } else lines.push(line);
    }
  });
  const nextLine = () =>
    new Promise<string>((resolve) =>
      lines.length > 0 ? resolve(lines.shift() ?? '') : (waiting = resolve),
    );
  await nextLine(); // {"ready": true}
  return {
    async run(mode, count) {
      stream.write(`${mode} ${count}\n`);
      return (parseJson(await nextLine()) as { samples_ms: number[] }).samples_ms;
    },
    close: () => stream.destroy(),
  };
}

/** One `docker exec python3 -c 'print(1)'`, timed from the host until its output has ended. */
async function dockerExecOnce(container: string): Promise<void> {
  const exec = await docker
    .getContainer(container)
    .exec({ Cmd: ['python3', '-c', 'print(1)'], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve).on('close', resolve).on('error', reject);
    stream.resume();
  });
}

async function idleMemoryMb(container: string): Promise<number> {
  const stats = (await docker.getContainer(container).stats({ stream: false })) as {
    memory_stats: { usage?: number; stats?: { cache?: number; total_inactive_file?: number } };
  };
  const { usage = 0, stats: detail = {} } = stats.memory_stats;
  return (usage - (detail.total_inactive_file ?? detail.cache ?? 0)) / 2 ** 20;
}

function line(label: string, summary: LatencySummary): string {
  return `  ${label.padEnd(34)} p50 ${formatMs(summary.p50Ms).padStart(10)}  p99 ${formatMs(summary.p99Ms).padStart(10)}  (n=${summary.count})`;
}

async function benchRuntime(runtime: ContainerRuntime): Promise<void> {
  console.log(`\nDocker sandbox, runtime ${runtime}`);
  const provider = await DockerSandboxProvider.start({
    runtime,
    poolSize: 1,
    namePrefix: `bench-${runtime}`,
    handleExitSignals: false,
  });
  try {
    // Round trips, interleaved.
    const sandbox = await provider.create();
    const name = sandbox.containerName ?? '';
    const clients = await startClients(name);
    for (let index = 0; index < 20; index += 1) await sandbox.runCode({ code: 'print(1)' });
    const api: number[] = [];
    const floor: number[] = [];
    const baseline: number[] = [];
    const execs: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      api.push(
        ...(await sample({
          iterations: perRound,
          warmup: 2,
          operation: () => sandbox.runCode({ code: 'print(1)' }),
        })),
      );
      floor.push(...(await clients.run('floor', perRound)));
      baseline.push(...(await clients.run('jupyter_client', perRound)));
      execs.push(
        ...(await sample({ iterations: 3, warmup: 0, operation: () => dockerExecOnce(name) })),
      );
    }
    clients.close();
    const apiSummary = summarise(api);
    const floorSummary = summarise(floor);
    const baselineSummary = summarise(baseline);
    console.log('print(1) round trip');
    console.log(line('this API (host -> driver -> kernel)', apiSummary));
    console.log(line('kernel floor (ZeroMQ, in container)', floorSummary));
    console.log(line('jupyter_client (in container)', baselineSummary));
    console.log(line('docker exec python3 -c per call', summarise(execs)));
    console.log(
      `  API / jupyter_client p50: ${(apiSummary.p50Ms / baselineSummary.p50Ms).toFixed(2)}x;  API - floor p50: ${formatMs(apiSummary.p50Ms - floorSummary.p50Ms)}`,
    );

    // Memory of an idle session (a fresh one, after it settles).
    const idle = await provider.create();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const idleMb = await idleMemoryMb(idle.containerName ?? '');
    console.log(`idle session memory: ${idleMb.toFixed(1)} MB`);
    await idle.close();
    await sandbox.close();

    // Ready session: from the warm pool, then with no pool.
    const pooled: number[] = [];
    for (let index = 0; index < 12; index += 1) {
      await provider.warmUp();
      const start = performance.now();
      const session = await provider.create();
      pooled.push(performance.now() - start);
      await session.close();
    }
    const pooledSummary = summarise(pooled);
    console.log(line('ready session from the warm pool', pooledSummary));
    const cold = await DockerSandboxProvider.start({
      runtime,
      poolSize: 0,
      namePrefix: `bench-cold-${runtime}`,
      handleExitSignals: false,
    });
    const unpooled: number[] = [];
    for (let index = 0; index < 4; index += 1) {
      const start = performance.now();
      const session = await cold.create();
      unpooled.push(performance.now() - start);
      await session.close();
    }
    console.log(line('ready session with no pool', summarise(unpooled)));

    // Throughput with 8 sessions busy at once.
    const sessions = await Promise.all(Array.from({ length: 8 }, () => cold.create()));
    const durationMs = 8_000;
    const until = performance.now() + durationMs;
    const counts = await Promise.all(
      sessions.map(async (session) => {
        let count = 0;
        while (performance.now() < until) {
          await session.runCode({ code: 'print(1)' });
          count += 1;
        }
        return count;
      }),
    );
    const total = counts.reduce((sum, count) => sum + count, 0);
    console.log(
      `executions per second, 8 sessions busy: ${(total / (durationMs / 1000)).toFixed(0)} (${total} in ${durationMs / 1000} s)`,
    );
    await cold.close();
    if (runtime === 'runc') {
      const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
      console.log('targets (runc):');
      console.log(
        `  p50 no slower than jupyter_client: ${verdict(apiSummary.p50Ms <= baselineSummary.p50Ms)}`,
      );
      console.log(
        `  p50 within 1 ms of the kernel floor: ${verdict(apiSummary.p50Ms - floorSummary.p50Ms <= 1)}`,
      );
      console.log(`  pooled session under 50 ms at p50: ${verdict(pooledSummary.p50Ms < 50)}`);
      console.log(`  idle session under 100 MB: ${verdict(idleMb < 100)}`);
    }
  } finally {
    await provider.close();
  }
}

export async function benchSandbox(): Promise<void> {
  const runtimes = (process.env['BENCH_RUNTIMES'] ?? 'runc,runsc').split(',') as ContainerRuntime[];
  for (const runtime of runtimes) await benchRuntime(runtime);
}
