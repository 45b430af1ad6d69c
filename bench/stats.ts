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
