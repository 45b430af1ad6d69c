import { expect, test } from 'vitest';
import { runDemo } from '../../../workers/cli/demo-command.ts';
import { SEED_TOOL_PARSER } from '../../../workers/model-replay/seed-recordings.ts';

test('without a model configured, the demo replays the recording and runs its code in the sandbox', async () => {
  const lines: string[] = [];

  await runDemo({ write: (line) => lines.push(line), env: {} });

  expect(lines[0]).toContain('RECORDING, not a live model');
  expect(lines).toContain(`model (recorded): ${SEED_TOOL_PARSER.reply}\n`);
  expect(lines).toContain('sandbox (runc): 3969.0\n');
  expect(lines.at(-1)).toBe('answer: 3969.0');
});
