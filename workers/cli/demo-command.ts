import type { Command } from 'commander';
import { Agent, toPythonJson, ToolParser } from '../../core/index.ts';
import { SEED_TOOL_PARSER } from '../model-replay/seed-recordings.ts';
import { modelFromEnv } from './model-from-env.ts';

const codeEnd = '\n```\n';

/**
 * The seed's ToolParser example end to end: an agent asks the model to solve a problem
 * with Python, and the parser reads the code block out of the reply.
 */
export async function runDemo({
  write = (line: string) => console.log(line),
  env = process.env,
}: {
  write?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
} = {}): Promise<void> {
  await using source = await modelFromEnv({
    recording: [{ content: SEED_TOOL_PARSER.reply + codeEnd }],
    env,
    options: { stopWords: ['<|im_end|>', codeEnd], maxNewTokens: 1024 },
  });
  write(source.notice);
  const agent = new Agent({
    llm: source.model,
    template: SEED_TOOL_PARSER.systemPrompt,
    outputFormat: new ToolParser({
      toolType: 'code interpreter',
      begin: '```python\n',
      end: codeEnd,
    }),
  });
  write(`\nuser: ${SEED_TOOL_PARSER.user}\n`);
  const reply = await agent.call(SEED_TOOL_PARSER.user);
  write(`${source.replaying ? 'model (recorded)' : 'model'}: ${String(reply.content)}\n`);
  write(`formatted by ToolParser:\n${JSON.stringify(reply.formatted, null, 2)}`);
  write(`\nstate_dict keys: ${toPythonJson(Object.keys(agent.stateDict()))}`);
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description("Run the seed's ToolParser example: a model writes Python, the parser extracts it")
    .action(async () => {
      await runDemo();
    });
}
