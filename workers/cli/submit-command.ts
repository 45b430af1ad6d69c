import type { Command } from 'commander';
import { formatResult, parseJson } from '../../core/index.ts';
import type { JobBackend } from '../queue/job-backend.ts';
import type { JobResult } from '../queue/job-schema.ts';
import { connectJobs } from '../queue/job-client.ts';

interface SubmitCommandOptions {
  tool: string;
  args: string;
  session?: string;
  jobId?: string;
  wait: boolean;
  timeoutMs?: string;
  redisUrl?: string;
  queue?: string;
}

/** Prints a job's result for a person, and says whether it was a success. */
export function describeResult(result: JobResult): { text: string; ok: boolean } {
  if (result.actionReturn) {
    const ok = result.status === 'completed' && result.actionReturn.errmsg === null;
    return {
      text: ok ? formatResult(result.actionReturn) : (result.actionReturn.errmsg ?? result.status),
      ok,
    };
  }
  const execution = result.execution;
  const value = execution?.results.find((item) => item.isMainResult)?.text;
  if (execution?.error)
    return {
      text: `${execution.error.name}: ${execution.error.value}\n${execution.error.traceback}`.trim(),
      ok: false,
    };
  return { text: value ?? '', ok: result.status === 'completed' };
}

export async function withJobs<T>(
  options: { redisUrl?: string | undefined; queue?: string | undefined },
  use: (jobs: JobBackend) => Promise<T>,
): Promise<T> {
  const jobs = await connectJobs({
    ...(options.redisUrl === undefined ? {} : { redisUrl: options.redisUrl }),
    ...(options.queue === undefined ? {} : { queueName: options.queue }),
    sessionScope: 'cli',
  });
  try {
    return await use(jobs);
  } finally {
    await jobs.close();
  }
}

export function registerSubmitCommand(program: Command): void {
  program
    .command('submit')
    .description('Submit a tool call as a job (to Redis when REDIS_URL is set, else run it here)')
    .requiredOption('--tool <name>', "tool name, e.g. IPythonInteractive or 'Tool.api'")
    .option('--args <json>', "the call's arguments, as JSON", '{}')
    .option('--session <id>', 'session id (state is kept per session)')
    .option('--job-id <id>', 'submitting an id twice runs it once')
    .option('--no-wait', 'print the job id and return')
    .option('--timeout-ms <ms>', 'time the call may run')
    .option(
      '--redis-url <url>',
      'Redis (default: REDIS_URL; without one, the job runs in this process)',
    )
    .option('--queue <name>', 'queue name (default: LAGENT_QUEUE, else lagent)')
    .action(async (options: SubmitCommandOptions) => {
      await withJobs(options, async (jobs) => {
        const jobId = await jobs.submit({
          request: {
            kind: 'tool-call',
            call: { name: options.tool, parameters: parseJson(options.args) as never },
            ...(options.session === undefined ? {} : { sessionId: options.session }),
            ...(options.timeoutMs === undefined ? {} : { timeoutMs: Number(options.timeoutMs) }),
          },
          ...(options.jobId === undefined ? {} : { jobId: options.jobId }),
        });
        if (!options.wait) {
          console.log(jobId);
          return;
        }
        const { text, ok } = describeResult(await jobs.wait({ jobId }));
        console.log(text);
        if (!ok) process.exitCode = 1;
      });
    });
}
