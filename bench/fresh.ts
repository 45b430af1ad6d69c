// Fresh-state runs at evaluation scale, measured in one run on this machine: the project's own
// problem set (tests/fixtures/eval, hanging items left out: they cost their time limit on
// every path) run as fresh run-code jobs through Redis and a `lagent worker` process, against
// the baseline of one `python3 -c` subprocess per program on the host, at the same
// concurrency. Each fresh path runs several rounds, each between two baseline passes, and its
// ratio is the median over the rounds (the machines are shared: their speed drifts within a
// run). Beside them: a new container per program (a run-code job without a session)
// and one reused session per slot (fast, but state leaks). Then the latency of one fresh
// `print(1)`: through the queue (runc), and at the sandbox (runc and runsc).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { DEFAULT_MAX_OUTPUT_BYTES, DockerSandboxProvider } from '../sandboxes/index.ts';
import { startWorkerProcess } from '../tests/support/worker-process.ts';
import type { EvalItem } from '../workers/eval/eval-dataset.ts';
import { readEvalDataset } from '../workers/eval/eval-dataset.ts';
import {
  DEFAULT_EVAL_MAX_OUTPUT_BYTES,
  DEFAULT_EVAL_PROGRAMS_PER_JOB,
  runEval,
} from '../workers/eval/eval-runner.ts';
import { purgeQueue } from '../workers/queue/purge-queue.ts';
import { RedisJobClient } from '../workers/queue/redis-job-client.ts';
import { formatMs, sample, summarise } from './stats.ts';

const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const CONCURRENCY = Number(process.env['BENCH_FRESH_CONCURRENCY'] ?? 4);
const FRESH_CONTAINERS = Number(process.env['BENCH_FRESH_CONTAINERS'] ?? 2);
const LATENCY_ROUNDS = Number(process.env['BENCH_FRESH_ROUNDS'] ?? 100);
// Throughput rounds per fresh path, each between two baseline passes: the machines are shared,
// and their speed drifts within a run by more than the differences measured here.
const THROUGHPUT_ROUNDS = Number(process.env['BENCH_FRESH_THROUGHPUT_ROUNDS'] ?? 5);
const TIMEOUT_MS = 10_000;
const PROGRAMS_PER_JOB = Number(
  process.env['BENCH_FRESH_PROGRAMS_PER_JOB'] ?? DEFAULT_EVAL_PROGRAMS_PER_JOB,
);
const FIXTURES = join(import.meta.dirname, '../tests/fixtures/eval');

interface PathOutcome {
  perSecond: number;
  /** Items whose pass/fail differs from the dataset's `expected`. */
  wrong: string[];
}

async function problems(): Promise<EvalItem[]> {
  const items: EvalItem[] = [];
  for (const file of ['problems-humaneval.jsonl', 'problems-mbpp.jsonl']) {
    for await (const item of readEvalDataset({ path: join(FIXTURES, file) }))
      if (item.expected !== 'timeout') items.push(item);
  }
  return items;
}

/** Runs `task` over the items, `concurrency` at a time; returns items per second. */
async function throughput<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await task(items[next++] as T);
    }),
  );
  return items.length / ((performance.now() - started) / 1000);
}

function subprocessBaseline(items: readonly EvalItem[]): Promise<PathOutcome> {
  const wrong: string[] = [];
  return throughput(
    items,
    CONCURRENCY,
    (item) =>
      new Promise<void>((resolve) => {
        execFile(
          '/usr/bin/python3',
          ['-c', item.program],
          { timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
          (error) => {
            if ((error === null) !== (item.expected === 'passed')) wrong.push(item.id);
            resolve();
          },
        );
      }),
  ).then((perSecond) => ({ perSecond, wrong }));
}

async function freshThroughQueue(
  jobs: RedisJobClient,
  items: readonly EvalItem[],
  programsPerJob: number,
  maxOutputBytes = DEFAULT_EVAL_MAX_OUTPUT_BYTES,
): Promise<PathOutcome> {
  const wrong: string[] = [];
  const summary = await runEval({
    jobs,
    items,
    timeoutMs: TIMEOUT_MS,
    concurrency: CONCURRENCY,
    programsPerJob,
    maxOutputBytes,
    onResult: (result) => {
      if (result.passed !== (result.expected === 'passed')) wrong.push(result.id);
    },
  });
  return { perSecond: summary.total / (summary.elapsedMs / 1000), wrong };
}

async function runCodePath(
  jobs: RedisJobClient,
  items: readonly EvalItem[],
  session: (slot: number) => string | undefined,
): Promise<PathOutcome> {
  const wrong: string[] = [];
  let slots = 0;
  const perSecond = await throughput(items, CONCURRENCY, async (item) => {
    const sessionId = session(slots++ % CONCURRENCY);
    const jobId = await jobs.submit({
      request: {
        kind: 'run-code',
        code: item.program,
        timeoutMs: TIMEOUT_MS,
        ...(sessionId === undefined ? {} : { sessionId }),
      },
    });
    const result = await jobs.wait({ jobId });
    const passed = result.status === 'completed' && result.execution?.error === null;
    if (passed !== (item.expected === 'passed')) wrong.push(item.id);
  });
  return { perSecond, wrong };
}

/**
 * The fresh path's throughput against the baseline's, measured in turns: baseline, fresh,
 * baseline, fresh, ..., baseline. Each fresh pass is set against the mean of the two baseline
 * passes around it; the ratio printed is the median of the rounds, with their range.
 */
async function paired(
  items: readonly EvalItem[],
  fresh: () => Promise<PathOutcome>,
): Promise<{ outcome: PathOutcome; baseline: number; ratios: number[]; baselineWrong: string[] }> {
  let before = await subprocessBaseline(items);
  const baselineWrong = new Set(before.wrong);
  const wrong = new Set<string>();
  const rates: number[] = [];
  const baselines: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < THROUGHPUT_ROUNDS; round += 1) {
    const outcome = await fresh();
    const after = await subprocessBaseline(items);
    for (const id of outcome.wrong) wrong.add(id);
    for (const id of after.wrong) baselineWrong.add(id);
    const baseline = (before.perSecond + after.perSecond) / 2;
    rates.push(outcome.perSecond);
    baselines.push(baseline);
    ratios.push(outcome.perSecond / baseline);
    before = after;
  }
  return {
    outcome: { perSecond: median(rates), wrong: [...wrong] },
    baseline: median(baselines),
    ratios,
    baselineWrong: [...baselineWrong],
  };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
};

const pairedLine = (label: string, result: Awaited<ReturnType<typeof paired>>) => {
  const ratio = median(result.ratios);
  const range = `${Math.min(...result.ratios).toFixed(2)}-${Math.max(...result.ratios).toFixed(2)}x`;
  return `  ${label.padEnd(62)} ${result.outcome.perSecond.toFixed(1).padStart(7)} programs/s  ${ratio.toFixed(2).padStart(5)}x  (rounds ${range}; python3 -c ${result.baseline.toFixed(1)}/s)  ${outcomeText(result.outcome)}${result.baselineWrong.length === 0 ? '' : `; python3 -c WRONG: ${result.baselineWrong.join(', ')}`}`;
};

const outcomeText = (outcome: PathOutcome) =>
  outcome.wrong.length === 0 ? 'all outcomes as expected' : `WRONG: ${outcome.wrong.join(', ')}`;

const describe = (label: string, outcome: PathOutcome, baseline: number) =>
  `  ${label.padEnd(62)} ${outcome.perSecond.toFixed(1).padStart(7)} programs/s  ${(outcome.perSecond / baseline).toFixed(2).padStart(5)}x  ${outcomeText(outcome)}`;

async function sandboxLatency(runtime: 'runc' | 'runsc'): Promise<number[]> {
  const provider = await DockerSandboxProvider.start({
    runtime,
    namePrefix: `bench-fresh-${runtime}`,
    poolSize: 0,
    handleExitSignals: false,
    freshContainers: FRESH_CONTAINERS,
  });
  try {
    await provider.warmUpFresh();
    return await sample({
      iterations: LATENCY_ROUNDS,
      warmup: 5,
      operation: async () => {
        const execution = await provider.runFresh({ code: 'print(1)' });
        if (execution.logs.stdout.join('') !== '1\n') throw new Error('print(1) did not print 1');
      },
    });
  } finally {
    await provider.close();
  }
}

async function queueLatency(jobs: RedisJobClient, pauseMs: number): Promise<number[]> {
  const samples: number[] = [];
  for (let round = -5; round < LATENCY_ROUNDS; round += 1) {
    // The pause lets the last run's sweep finish: the latency of a run on an idle worker.
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    const started = performance.now();
    const result = await jobs.wait({
      jobId: await jobs.submit({ request: { kind: 'run-code', code: 'print(1)', fresh: true } }),
    });
    if (result.execution?.logs.stdout.join('') !== '1\n')
      throw new Error('print(1) did not print 1');
    if (round >= 0) samples.push(performance.now() - started);
  }
  return samples;
}

const latencyLine = (label: string, samples: number[]) => {
  const { p50Ms, p99Ms, count } = summarise(samples);
  return `  ${label.padEnd(52)} p50 ${formatMs(p50Ms).padStart(12)}  p99 ${formatMs(p99Ms).padStart(12)}  (n=${count})`;
};

async function withWorker<T>(
  preload: string | undefined,
  body: (jobs: RedisJobClient) => Promise<T>,
): Promise<T> {
  const queueName = `bench-fresh-${randomUUID().slice(0, 8)}`;
  const worker = await startWorkerProcess({
    queueName,
    namePrefix: queueName,
    concurrency: CONCURRENCY,
    extraArgs: [
      '--fresh-containers',
      String(FRESH_CONTAINERS),
      '--pool-size',
      '2',
      ...(preload === undefined ? [] : ['--fresh-preload', preload]),
    ],
  });
  const jobs = await RedisJobClient.connect({ redisUrl, queueName });
  try {
    return await body(jobs);
  } finally {
    await jobs.close();
    // SIGTERM first: the worker removes its containers as it stops.
    const exited = once(worker.child, 'exit');
    worker.child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    await worker.stop();
    await purgeQueue({ redisUrl, queueName }).catch(() => undefined);
  }
}

export async function benchFresh(): Promise<void> {
  const items = await problems();
  console.log(
    `\nFresh-state runs: ${items.length} programs of the project's problem set, concurrency ${CONCURRENCY} (subprocesses; jobs in flight), ${FRESH_CONTAINERS} fork-server containers per worker (runc: at most ${FRESH_CONTAINERS} programs run at once), one worker process`,
  );
  await subprocessBaseline(items.slice(0, 8)); // the host's page cache
  const baseline = await subprocessBaseline(items);
  console.log(
    describe('python3 -c per program on the host (baseline)', baseline, baseline.perSecond),
  );
  for (const [label, preload] of [
    ['default preload (numpy, pandas, matplotlib)', undefined],
    ['nothing preloaded', ''],
  ] as const) {
    await withWorker(preload, async (jobs) => {
      await freshThroughQueue(jobs, items.slice(0, 8), 1); // the worker's containers
      for (const programsPerJob of [1, PROGRAMS_PER_JOB]) {
        const result = await paired(items, () => freshThroughQueue(jobs, items, programsPerJob));
        const shape =
          programsPerJob === 1
            ? 'a run-code job each'
            : `${programsPerJob} programs a run-batch job`;
        console.log(pairedLine(`fresh, ${shape}, ${label}`, result));
      }
      if (preload === '') {
        // lagent eval keeps DEFAULT_EVAL_MAX_OUTPUT_BYTES of each program's output; two of
        // the programs print 2 MB. Here each keeps the worker's whole limit instead.
        const whole = await paired(items, () =>
          freshThroughQueue(jobs, items, PROGRAMS_PER_JOB, DEFAULT_MAX_OUTPUT_BYTES),
        );
        console.log(
          pairedLine(
            `fresh, ${PROGRAMS_PER_JOB} a job, ${label}, ${DEFAULT_MAX_OUTPUT_BYTES} B output kept`,
            whole,
          ),
        );
      }
      if (preload === undefined) {
        const reused = await runCodePath(jobs, items, (slot) => `bench-reuse-${slot}`);
        console.log(
          describe('a reused session per slot (state leaks)', reused, baseline.perSecond),
        );
        const perContainer = await runCodePath(jobs, items.slice(0, 24), () => undefined);
        console.log(
          describe('a new container per program (24 of them)', perContainer, baseline.perSecond),
        );
      }
      console.log(`One fresh print(1) through the queue (runc), ${label}:`);
      console.log(latencyLine('one after another', await queueLatency(jobs, 0)));
      console.log(latencyLine('on an idle worker (200 ms apart)', await queueLatency(jobs, 200)));
    });
  }
  console.log('One fresh print(1) at the sandbox (runFresh), one after another:');
  console.log(latencyLine('runc', await sandboxLatency('runc')));
  console.log(latencyLine('runsc', await sandboxLatency('runsc')));
}
