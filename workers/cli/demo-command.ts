import type { Command } from 'commander';
import { contentToText } from '../../core/index.ts';
import { DockerSandboxProvider } from '../../sandboxes/docker/index.ts';
import { CODE_END, Coder } from '../agents/coder.ts';
import { SEED_TOOL_PARSER } from '../model-replay/seed-recordings.ts';
import { modelFromEnv } from './model-from-env.ts';

/**
 * The seed's code-interpreter agent end to end: the model writes Python, the ToolParser
 * reads it, and the code runs in a hardened Docker sandbox whose output goes back to the
 * model. A recording holds one model turn, so offline the demo stops after running it.
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
  await using sandboxes = await DockerSandboxProvider.start({ poolSize: 1, runtime });
  const coder = new Coder({
    llm: source.model,
    sandboxes,
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
  try {
    write(`\nuser: ${SEED_TOOL_PARSER.user}\n`);
    const answer = await coder.call(SEED_TOOL_PARSER.user);
    write(`answer: ${contentToText(answer.content)}`);
  } finally {
    await coder.executor.dispose();
  }
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      "Run the seed's code-interpreter agent: the model writes Python, a Docker sandbox runs it",
    )
    .option('--runtime <runtime>', 'container runtime: runc or runsc (gVisor)', 'runc')
    .action(async ({ runtime }: { runtime: string }) => {
      await runDemo({ runtime: runtime === 'runsc' ? 'runsc' : 'runc' });
    });
}
