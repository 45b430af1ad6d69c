import type { Command } from 'commander';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../queue/redis-connection.ts';
import type { QueueFlags } from './cli-options.ts';
import { addQueueOptions } from './cli-options.ts';
import { EXIT_JOB_FAILED, EXIT_OK } from './exit-codes.ts';
import { runJobCommand } from './job-command.ts';
import { openRedisJobs } from './job-connection.ts';

export function registerCancelCommand(program: Command): void {
  const command = program
    .command('cancel')
    .description('Stop a queued or running job (a running one has its kernel interrupted)')
    .argument('<jobId>', 'the job, as `lagent submit --no-wait` printed it');
  addQueueOptions(command, { embedded: false, connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS });
  command.action((jobId: string, options: QueueFlags) =>
    runJobCommand(async ({ signal }) => {
      const jobs = await openRedisJobs({ flags: options, signal });
      try {
        // Unknown ids fail here (JobNotFoundError), not as "already ended".
        const before = await jobs.getJob({ jobId });
        if (before.state !== 'ended' && (await jobs.cancel({ jobId }))) {
          const where = before.workerId === null ? '' : ` on worker ${before.workerId}`;
          process.stdout.write(`cancelled job ${jobId} (it was ${before.state}${where})\n`);
          return EXIT_OK;
        }
        const after = before.state === 'ended' ? before : await jobs.getJob({ jobId });
        process.stdout.write(
          `job ${jobId} had already ended (${after.result?.status ?? 'unknown'}): nothing to cancel\n`,
        );
        return EXIT_JOB_FAILED;
      } finally {
        await jobs.close();
      }
    }),
  );
}
