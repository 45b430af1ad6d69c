// Small timing helpers shared by the benchmarks.

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

export function summarise(samplesMs: readonly number[]): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return { count: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), meanMs: total / sorted.length };
}

/** Runs `operation` `warmup` times untimed, then `iterations` times timed; returns milliseconds. */
export async function sample({
  operation,
  iterations,
  warmup = Math.ceil(iterations / 10),
}: {
  operation: () => Promise<unknown>;
  iterations: number;
  warmup?: number;
}): Promise<number[]> {
  for (let index = 0; index < warmup; index += 1) await operation();
  const samples: number[] = [];
  for (let index = 0; index < iterations; index += 1) {
    const start = performance.now();
    await operation();
    samples.push(performance.now() - start);
  }
  return samples;
}

export const formatMs = (value: number): string => `${value.toFixed(3)} ms`;

/**
 * Times several ways of doing the same thing, one call of each per round, their order rotated
 * every round so load and drift touch every path alike (after `warmup` untimed calls of each).
 * Returns the milliseconds of each path.
 */
export async function sampleInterleaved<NAME extends string>({
  paths,
  rounds,
  warmup = 10,
}: {
  paths: Record<NAME, () => Promise<unknown>>;
  rounds: number;
  warmup?: number;
}): Promise<Record<NAME, number[]>> {
  const order = Object.keys(paths) as NAME[];
  const samples = Object.fromEntries(order.map((name) => [name, [] as number[]])) as Record<
    NAME,
    number[]
  >;
  for (const name of order) for (let i = 0; i < warmup; i += 1) await paths[name]();
  for (let round = 0; round < rounds; round += 1) {
    const shift = round % order.length;
    for (const name of [...order.slice(shift), ...order.slice(0, shift)]) {
      const start = performance.now();
      await paths[name]();
      samples[name].push(performance.now() - start);
    }
  }
  return samples;
}
