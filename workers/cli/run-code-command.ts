import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_WAIT_TIMEOUT_MS } from '../queue/job-backend.ts';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../queue/redis-connection.ts';
import type { QueueFlags } from './cli-options.ts';
import { addQueueOptions, addServiceOptions, positiveInteger } from './cli-options.ts';
import { runJob } from './follow-job.ts';
import { runJobCommand } from './job-command.ts';
import { openJobs, requireServingWorker } from './job-connection.ts';
import { outputFiles, reportRunOutcome } from './job-report.ts';

interface RunCodeCommandOptions extends QueueFlags {
  session?: string;
  jobId?: string;
  timeoutMs?: number;
  outDir?: string;
  fresh?: boolean;
}

export function registerRunCodeCommand(program: Command): void {
  const command = program
    .command('run-code')
    .description(
      'Run Python in a sandbox through the job queue, streaming its output ("-" reads stdin)',
    )
    .argument('<code>', 'the code, or - to read it from stdin')
    .option('--session <id>', 'session id (state is kept per session)')
    .option('--fresh', 'run on fresh state: a new interpreter process, no session')
    .option('--job-id <id>', 'submitting an id twice runs it once')
    .option('--timeout-ms <ms>', "time the code may run (default: the worker's)", positiveInteger)
    .option(
      '--out-dir <dir>',
      'where figures and other rich output are saved (default: a new temporary directory)',
    );
  addQueueOptions(command, { embedded: true, connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS });
  addServiceOptions(command);
  command.action((code: string, options: RunCodeCommandOptions) =>
    runJobCommand(async (interrupt) => {
      const source = code === '-' ? readFileSync(0, 'utf8') : code;
      const { signal } = interrupt;
      const jobs = await openJobs({ flags: options, signal });
      try {
        await requireServingWorker(jobs);
        const jobId = await jobs.submit({
          request: {
            kind: 'run-code',
            code: source,
            ...(options.session === undefined ? {} : { sessionId: options.session }),
            ...(options.fresh === true ? { fresh: true } : {}),
            ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
          },
          ...(options.jobId === undefined ? {} : { jobId: options.jobId }),
          signal,
        });
        const outcome = await runJob({
          jobs,
          jobId,
          signal,
          live: 'stdio',
          // Time in the queue on top of the code's own limit.
          waitTimeoutMs: (options.timeoutMs ?? 0) + DEFAULT_WAIT_TIMEOUT_MS,
        });
        return await reportRunOutcome({
          jobs,
          jobId,
          outcome,
          interrupt,
          files: outputFiles(options.outDir),
        });
      } finally {
        await jobs.close();
      }
    }),
  );
}
