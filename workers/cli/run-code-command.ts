import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describeResult, withJobs } from './submit-command.ts';

interface RunCodeCommandOptions {
  session?: string;
  jobId?: string;
  timeoutMs?: string;
  redisUrl?: string;
  queue?: string;
}

export function registerRunCodeCommand(program: Command): void {
  program
    .command('run-code')
    .description(
      'Run Python in a sandbox through the job queue, streaming its output ("-" reads stdin)',
    )
    .argument('<code>', 'the code, or - to read it from stdin')
    .option('--session <id>', 'session id (state is kept per session)')
    .option('--job-id <id>', 'submitting an id twice runs it once')
    .option('--timeout-ms <ms>', 'time the code may run')
    .option(
      '--redis-url <url>',
      'Redis (default: REDIS_URL; without one, the job runs in this process)',
    )
    .option('--queue <name>', 'queue name (default: LAGENT_QUEUE, else lagent)')
    .action(async (code: string, options: RunCodeCommandOptions) => {
      const source = code === '-' ? readFileSync(0, 'utf8') : code;
      await withJobs(options, async (jobs) => {
        const jobId = await jobs.submit({
          request: {
            kind: 'run-code',
            code: source,
            ...(options.session === undefined ? {} : { sessionId: options.session }),
            ...(options.timeoutMs === undefined ? {} : { timeoutMs: Number(options.timeoutMs) }),
          },
          ...(options.jobId === undefined ? {} : { jobId: options.jobId }),
        });
        for await (const event of jobs.events({ jobId })) {
          if (event.type === 'stdout') process.stdout.write(event.text);
          if (event.type === 'stderr') process.stderr.write(event.text);
          if (event.type === 'end') {
            const { text, ok } = describeResult(event.result);
            if (text) console.log(text);
            if (!ok) process.exitCode = 1;
          }
        }
      });
    });
}
