import { createWriteStream } from 'node:fs';
import { basename } from 'node:path';
import { once } from 'node:events';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { connectJobs } from '../queue/job-client.ts';
import { MAX_BATCH_PROGRAMS } from '../queue/job-schema.ts';
import { HttpJobClient } from '../service/http-job-client.ts';
import {
  DEFAULT_EVAL_CONCURRENCY,
  DEFAULT_EVAL_MAX_OUTPUT_BYTES,
  DEFAULT_EVAL_PROGRAMS_PER_JOB,
  DEFAULT_EVAL_TIMEOUT_MS,
  runEval,
} from '../eval/eval-runner.ts';
import type { EvalItemResult } from '../eval/eval-runner.ts';
import { readEvalDataset } from '../eval/eval-dataset.ts';
import type { QueueFlags } from './cli-options.ts';
import {
  addQueueOptions,
  addServiceOptions,
  moduleList,
  positiveInteger,
  SERVICE_API_KEY_ENV,
  SERVICE_URL_ENV,
} from './cli-options.ts';
import { EXIT_OK } from './exit-codes.ts';
import { runJobCommand } from './job-command.ts';
import { CLI_SESSION_SCOPE, requireServingWorker } from './job-connection.ts';

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

interface EvalCommandOptions extends QueueFlags {
  out?: string;
  timeoutMs: number;
  concurrency: number;
  programsPerJob: number;
  maxOutputBytes: number;
  freshContainers?: number;
  freshPreload?: string[];
}

/** Counts so far, for the progress display. */
class Tally {
  done = 0;
  passed = 0;
  readonly startedAt = performance.now();
  readonly total: number;
  constructor(total: number) {
    this.total = total;
  }
  add(result: EvalItemResult): void {
    this.done += 1;
    if (result.passed) this.passed += 1;
  }
  get failed(): number {
    return this.done - this.passed;
  }
  get rate(): number {
    return this.done / Math.max(0.001, (performance.now() - this.startedAt) / 1000);
  }
  line(): string {
    const eta = this.rate > 0 ? Math.round((this.total - this.done) / this.rate) : 0;
    return `${this.done}/${this.total} items, ${this.rate.toFixed(1)} items/s, passed ${this.passed}, failed ${this.failed}, ETA ${eta}s`;
  }
}

/** The dataset's items, counted first (the progress needs the total; the file is read twice). */
async function countItems(path: string, signal: AbortSignal): Promise<number> {
  let count = 0;
  const items = readEvalDataset({ path, signal });
  while (!(await items.next()).done) count += 1;
  return count;
}

export function registerEvalCommand(program: Command): void {
  const command = program
    .command('eval')
    .description(
      'Run a HumanEval- or MBPP-format JSONL dataset, each program on fresh state, and print pass@1',
    )
    .argument('<dataset>', 'JSONL: one problem a line')
    .option('--out <file>', 'per-item results as JSONL (default: <dataset name>.results.jsonl)')
    .option(
      '--timeout-ms <ms>',
      `time each program may run (default ${DEFAULT_EVAL_TIMEOUT_MS})`,
      positiveInteger,
      DEFAULT_EVAL_TIMEOUT_MS,
    )
    .option(
      '--concurrency <n>',
      `jobs in flight at once (default ${DEFAULT_EVAL_CONCURRENCY})`,
      positiveInteger,
      DEFAULT_EVAL_CONCURRENCY,
    )
    .option(
      '--programs-per-job <n>',
      `programs one job carries, 1 to ${MAX_BATCH_PROGRAMS} (default ${DEFAULT_EVAL_PROGRAMS_PER_JOB}; 1: a run-code job each)`,
      positiveInteger,
      DEFAULT_EVAL_PROGRAMS_PER_JOB,
    )
    .option(
      '--max-output-bytes <n>',
      `output (stdout and stderr) each program keeps; the rest is dropped (default ${DEFAULT_EVAL_MAX_OUTPUT_BYTES}; never more than the worker's own limit)`,
      positiveInteger,
      DEFAULT_EVAL_MAX_OUTPUT_BYTES,
    )
    .option(
      '--fresh-containers <n>',
      'without Redis or a service: fork-server containers of this process (the workers own theirs otherwise)',
      positiveInteger,
    )
    .option(
      '--fresh-preload <modules>',
      "without Redis or a service: modules those containers import once, comma-separated ('' for none)",
      moduleList,
    );
  addQueueOptions(command, { embedded: true, connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS });
  addServiceOptions(command);
  command.action((dataset: string, options: EvalCommandOptions) =>
    runJobCommand(async ({ signal }) => {
      const total = await countItems(dataset, signal);
      const url = options.url ?? process.env[SERVICE_URL_ENV];
      const jobs = await connectJobs({
        sessionScope: CLI_SESSION_SCOPE,
        signal,
        ...(url ? { url, apiKey: options.apiKey ?? process.env[SERVICE_API_KEY_ENV] } : {}),
        ...(options.redisUrl === undefined ? {} : { redisUrl: options.redisUrl }),
        ...(options.queue === undefined ? {} : { queueName: options.queue }),
        ...(options.connectTimeoutMs === undefined
          ? {}
          : { connectTimeoutMs: options.connectTimeoutMs }),
        // Embedded: jobs run here, as many at once as the fork-server containers serve.
        concurrency: options.freshContainers ?? options.concurrency,
        runner: {
          tools: [],
          sandbox: {
            poolSize: 0,
            ...(options.freshContainers === undefined
              ? {}
              : { freshContainers: options.freshContainers }),
            ...(options.freshPreload === undefined ? {} : { freshPreload: options.freshPreload }),
          },
        },
      });
      const outPath = options.out ?? `${basename(dataset).replace(/\.jsonl?$/, '')}.results.jsonl`;
      const out = createWriteStream(outPath);
      const tally = new Tally(total);
      const bar = process.stderr.isTTY
        ? new cliProgress.SingleBar(
            {
              format:
                'eval {bar} {value}/{total} | {rate} items/s | passed {passed} failed {failed} | ETA {eta}s',
              stream: process.stderr,
              hideCursor: true,
            },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      // Off a terminal: a plain line about every 5% (and the last one).
      const every = Math.max(1, Math.ceil(total / 20));
      bar?.start(total, 0, { rate: '0.0', passed: 0, failed: 0 });
      try {
        await requireServingWorker(jobs);
        // Through a service: one batch, so its dashboard shows the run's progress and pass rate.
        const batchId =
          jobs instanceof HttpJobClient
            ? await jobs.openBatch({ name: basename(dataset), total, signal })
            : undefined;
        if (batchId !== undefined) process.stderr.write(`[eval] batch ${batchId} on ${url}\n`);
        const summary = await runEval({
          jobs,
          ...(batchId === undefined ? {} : { batchId }),
          items: readEvalDataset({ path: dataset, signal }),
          timeoutMs: options.timeoutMs,
          concurrency: options.concurrency,
          programsPerJob: options.programsPerJob,
          maxOutputBytes: options.maxOutputBytes,
          signal,
          onResult: async (result) => {
            tally.add(result);
            if (!out.write(`${JSON.stringify(result)}\n`)) await once(out, 'drain');
            if (bar) {
              bar.update(tally.done, {
                rate: tally.rate.toFixed(1),
                passed: tally.passed,
                failed: tally.failed,
              });
            } else if (tally.done % every === 0 || tally.done === total) {
              process.stderr.write(`[eval] ${tally.line()}\n`);
            }
          },
        });
        bar?.stop();
        process.stdout.write(
          `pass@1: ${summary.passAt1.toFixed(4)} (${summary.passed}/${summary.total} passed, ${summary.failed} failed) in ${(summary.elapsedMs / 1000).toFixed(1)} s; results in ${outPath}\n`,
        );
        return EXIT_OK;
      } finally {
        bar?.stop();
        out.end();
        await once(out, 'close').catch(() => undefined);
        await jobs.close();
      }
    }),
  );
}
