import { expect, test } from 'vitest';
import { runDemo } from '../../../workers/cli/demo-command.ts';
import { SEED_TOOL_PARSER } from '../../../workers/model-replay/seed-recordings.ts';

test('without a model configured, the demo says it replays a recording and parses the seed reply', async () => {
  const lines: string[] = [];

  await runDemo({ write: (line) => lines.push(line), env: {} });

  const output = lines.join('\n');
  expect(lines[0]).toContain('RECORDING, not a live model');
  expect(output).toContain('model (recorded): ');
  expect(output).toContain(JSON.stringify(SEED_TOOL_PARSER.formatted, null, 2));
  expect(output).toContain('state_dict keys: ["memory"]');
});
