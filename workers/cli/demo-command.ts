import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { Option } from 'commander';
import { pino } from 'pino';
import { contentToText } from '../../core/index.ts';
import { CODE_END, Coder } from '../agents/coder.ts';
import { SEED_TOOL_PARSER } from '../model-replay/seed-recordings.ts';
import type { JobBackend } from '../queue/job-backend.ts';
import { EmbeddedJobBackend } from '../queue/embedded-job-backend.ts';
import { RedisJobClient } from '../queue/redis-job-client.ts';
import { createQueueExecutor } from '../queue/remote-action.ts';
import { purgeQueue } from '../queue/purge-queue.ts';
import { ToolWorker } from '../queue/tool-worker.ts';
import { createWorkerRunner } from '../queue/worker-runner.ts';
import { modelFromEnv } from './model-from-env.ts';

/**
 * The seed's code-interpreter agent end to end: the model writes Python, the ToolParser
 * reads it, the call becomes a job on the queue (BullMQ on Redis when REDIS_URL is set,
 * else the embedded backend), a worker runs it in a hardened Docker sandbox, and the
 * ActionReturn goes back into the agent's memory. A recording holds one model turn, so
 * offline the demo stops after running that turn's code.
 */
export async function runDemo({
  write = (line: string) => console.log(line),
  env = process.env,
  runtime = 'runc',
}: {
  write?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  runtime?: 'runc' | 'runsc';
} = {}): Promise<void> {
  await using source = await modelFromEnv({
    recording: [{ content: SEED_TOOL_PARSER.reply + CODE_END }],
    env,
    options: { stopWords: [CODE_END, '<|im_end|>'], maxNewTokens: 1024 },
  });
  write(source.notice);
  const runner = await createWorkerRunner({
    sandbox: { poolSize: 1, runtime },
    tools: ['ipython'],
  });
  const redisUrl = env['REDIS_URL'];
  let jobs: JobBackend;
  let worker: ToolWorker | undefined;
  if (redisUrl) {
    // A private queue, with a worker in this process; `lagent worker` runs the same elsewhere.
    const queueName = `demo-${randomUUID().slice(0, 8)}`;
    worker = await ToolWorker.start({
      runner,
      redisUrl,
      queueName,
      logger: pino({ level: 'silent' }),
    });
    jobs = await RedisJobClient.connect({ redisUrl, queueName });
    write(
      `Tool calls go through BullMQ on ${redisUrl} (queue ${queueName}) to worker ${worker.id}.`,
    );
  } else {
    jobs = new EmbeddedJobBackend({ runner });
    write('No REDIS_URL: tool calls run on the embedded queue in this process.');
  }
  try {
    const coder = new Coder({
      llm: source.model,
      executor: await createQueueExecutor({ client: jobs, tools: ['IPythonInteractive'] }),
      systemPrompt: SEED_TOOL_PARSER.systemPrompt,
      maxTurn: source.replaying ? 1 : 3,
    });
    // Print each model turn and each sandbox result as it happens.
    coder.agent.registerHook({
      afterAgent: (_agent, message) =>
        void write(
          `${source.replaying ? 'model (recorded)' : 'model'}: ${contentToText(message.content)}\n`,
        ),
    });
    coder.executor.registerHook({
      afterAction: (_executor, message) =>
        void write(`sandbox (${runtime}): ${contentToText(message.content)}\n`),
    });
    write(`\nuser: ${SEED_TOOL_PARSER.user}\n`);
    const answer = await coder.call(SEED_TOOL_PARSER.user);
    write(`answer: ${contentToText(answer.content)}`);
  } finally {
    await jobs.close();
    await worker?.close();
    // The demo's private queue is not needed after it.
    if (worker && redisUrl) await purgeQueue({ redisUrl, queueName: worker.queueName });
  }
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      "Run the seed's code-interpreter agent: the model writes Python, a queued job runs it in a Docker sandbox",
    )
    .addOption(
      new Option('--runtime <runtime>', 'container runtime (runsc: gVisor)')
        .choices(['runc', 'runsc'])
        .default('runc'),
    )
    .action(async ({ runtime }: { runtime: 'runc' | 'runsc' }) => {
      await runDemo({ runtime });
    });
}
