import type { Command } from 'commander';
import type { JsonValue } from '../../core/index.ts';
import {
  InvalidArgumentError,
  isPlainObject,
  NoWorkerError,
  safeParseJson,
} from '../../core/index.ts';
import { DEFAULT_JOB_DEADLINE_MS, DEFAULT_WAIT_TIMEOUT_MS } from '../queue/job-backend.ts';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../queue/redis-connection.ts';
import type { QueueFlags } from './cli-options.ts';
import {
  addQueueOptions,
  addServiceOptions,
  positiveInteger,
  SERVICE_URL_ENV,
} from './cli-options.ts';
import { warn } from './cli-output.ts';
import { EXIT_OK } from './exit-codes.ts';
import { runJob } from './follow-job.ts';
import { runJobCommand } from './job-command.ts';
import { openJobs, servingWorkers } from './job-connection.ts';
import { outputFiles, reportRunOutcome } from './job-report.ts';

interface SubmitCommandOptions extends QueueFlags {
  tool: string;
  args: string;
  session?: string;
  jobId?: string;
  wait: boolean;
  timeoutMs?: number;
  outDir?: string;
}

/** The call's arguments: a JSON object, or an error that names the flag. */
export function parseArgsOption(text: string): Record<string, JsonValue> {
  const parsed = safeParseJson(text);
  if (!parsed.success)
    throw new InvalidArgumentError({
      message: `--args is not valid JSON: ${parsed.error.message}`,
    });
  if (!isPlainObject(parsed.value))
    throw new InvalidArgumentError({
      message: `--args must be a JSON object of the tool's arguments, e.g. '{"command": "print(1)"}'`,
    });
  return parsed.value as Record<string, JsonValue>;
}

export function registerSubmitCommand(program: Command): void {
  const command = program
    .command('submit')
    .description('Submit a tool call as a job (to Redis when REDIS_URL is set, else run it here)')
    .requiredOption('--tool <name>', "tool name, e.g. IPythonInteractive or 'Tool.api'")
    .option('--args <json>', "the call's arguments, as a JSON object", '{}')
    .option('--session <id>', 'session id (state is kept per session)')
    .option('--job-id <id>', 'submitting an id twice runs it once')
    .option(
      '--no-wait',
      'print the job id and return (needs Redis or a service); `lagent result <id>` reads it from Redis',
    )
    .option('--timeout-ms <ms>', "time the call may run (default: the worker's)", positiveInteger)
    .option('--out-dir <dir>', 'where figures are saved (default: a new temporary directory)');
  addQueueOptions(command, { embedded: true, connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS });
  addServiceOptions(command);
  command.action((options: SubmitCommandOptions) =>
    runJobCommand(async (interrupt) => {
      const parameters = parseArgsOption(options.args);
      // Checked before connecting: the embedded backend would start sandboxes first.
      const remote =
        options.url || process.env[SERVICE_URL_ENV] || options.redisUrl || process.env['REDIS_URL'];
      if (!options.wait && !remote) {
        throw new InvalidArgumentError({
          message:
            '--no-wait needs Redis (REDIS_URL or --redis-url) or a service (LAGENT_URL or --url): without them the job runs in this process, which ends now',
        });
      }
      const { signal } = interrupt;
      const jobs = await openJobs({ flags: options, signal });
      try {
        const status = jobs.mode === 'redis' ? await jobs.queueStatus() : undefined;
        if (status && servingWorkers(status).length === 0) {
          const noWorker = new NoWorkerError({ queue: status.queue });
          if (options.wait) throw noWorker;
          // Queued anyway: a worker started before its deadline runs it.
          warn(
            `${noWorker.message}; the job waits for one for up to ${DEFAULT_JOB_DEADLINE_MS / 60_000} minutes`,
          );
        }
        const jobId = await jobs.submit({
          request: {
            kind: 'tool-call',
            call: { name: options.tool, parameters },
            ...(options.session === undefined ? {} : { sessionId: options.session }),
            ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
          },
          ...(options.jobId === undefined ? {} : { jobId: options.jobId }),
          signal,
        });
        if (!options.wait) {
          process.stdout.write(`${jobId}\n`);
          return EXIT_OK;
        }
        // A tool's answer holds its output: it is printed once, when the call ends.
        const outcome = await runJob({
          jobs,
          jobId,
          signal,
          live: 'none',
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
