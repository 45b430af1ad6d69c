import type { Command } from 'commander';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../queue/redis-connection.ts';
import type { QueueFlags } from './cli-options.ts';
import { addQueueOptions } from './cli-options.ts';
import { warn } from './cli-output.ts';
import { EXIT_JOB_FAILED, EXIT_OK, EXIT_ON_SIGNAL } from './exit-codes.ts';
import { watchJob } from './follow-job.ts';
import { runJobCommand } from './job-command.ts';
import { openRedisJobs } from './job-connection.ts';
import { outputFiles } from './job-report.ts';
import { printJobResult } from './result-printer.ts';

interface ResultCommandOptions extends QueueFlags {
  wait: boolean;
  outDir?: string;
}

export function registerResultCommand(program: Command): void {
  const command = program
    .command('result')
    .description(
      'Print the result of a job (e.g. from `submit --no-wait`), following it until it ends; never cancels it',
    )
    .argument('<jobId>', 'the job')
    .option('--no-wait', 'print where the job is now, without waiting for its end')
    .option('--out-dir <dir>', 'where figures are saved (default: a new temporary directory)');
  addQueueOptions(command, { embedded: false, connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS });
  command.action((jobId: string, options: ResultCommandOptions) =>
    runJobCommand(async (interrupt) => {
      const jobs = await openRedisJobs({ flags: options, signal: interrupt.signal });
      try {
        const files = outputFiles(options.outDir);
        const info = await jobs.getJob({ jobId });
        if (info.result) {
          const ok = await printJobResult({ result: info.result, files, logsShown: false });
          return ok ? EXIT_OK : EXIT_JOB_FAILED;
        }
        if (!options.wait) {
          const where = info.workerId === null ? '' : ` on worker ${info.workerId}`;
          process.stdout.write(`job ${jobId} is ${info.state}${where}\n`);
          return EXIT_OK;
        }
        // Live output goes to stderr: stdout gets the result, the same as for an ended job.
        const outcome = await watchJob({ jobs, jobId, signal: interrupt.signal, live: 'stderr' });
        if (outcome.kind === 'interrupted') {
          const received = interrupt.received ?? 'SIGINT';
          warn(
            `stopped following job ${jobId} (${received}); it goes on: \`lagent cancel ${jobId}\` stops it`,
          );
          return EXIT_ON_SIGNAL[received];
        }
        const ok = await printJobResult({ result: outcome.result, files, logsShown: false });
        return ok ? EXIT_OK : EXIT_JOB_FAILED;
      } finally {
        await jobs.close();
      }
    }),
  );
}
