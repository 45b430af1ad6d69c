import type { Command } from 'commander';
import { Argument, Option } from 'commander';
import { contentToText } from '../../core/index.ts';
import { CODE_END, Coder } from '../agents/coder.ts';
import { SEED_TOOL_PARSER } from '../model-replay/seed-recordings.ts';
import { createQueueExecutor } from '../queue/remote-action.ts';
import { createWorkerRunner } from '../queue/worker-runner.ts';
import { runDataVisualizerDemo } from './data-visualizer-demo.ts';
import { startDemoQueue } from './demo-queue.ts';
import { modelFromEnv } from './model-from-env.ts';

export const DEMOS = ['coder', 'data-visualizer'] as const;
export type DemoName = (typeof DEMOS)[number];

export interface DemoOptions {
  write?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  runtime?: 'runc' | 'runsc';
}

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
}: DemoOptions = {}): Promise<void> {
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
  await using queue = await startDemoQueue({ runner, env, write });
  const coder = new Coder({
    llm: source.model,
    executor: await createQueueExecutor({ client: queue.jobs, tools: ['IPythonInteractive'] }),
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
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      "Run one of the seed's examples end to end: its tool calls go through the queue to Docker sandboxes",
    )
    .addArgument(
      new Argument(
        '[example]',
        'coder: the code-interpreter agent; data-visualizer: a researcher with a web browser and a charter with a code interpreter',
      )
        .choices(DEMOS)
        .default('coder'),
    )
    .addOption(
      new Option('--runtime <runtime>', 'container runtime (runsc: gVisor)')
        .choices(['runc', 'runsc'])
        .default('runc'),
    )
    .action(async (example: DemoName, { runtime }: { runtime: 'runc' | 'runsc' }) => {
      if (example === 'data-visualizer') await runDataVisualizerDemo({ runtime });
      else await runDemo({ runtime });
    });
}
