import { expect, test } from 'vitest';
import { runDemo } from '../../../workers/cli/demo-command.ts';
import { SEED_TOOL_PARSER } from '../../../workers/model-replay/seed-recordings.ts';
import { requireRedis } from '../../support/services.ts';

test('offline, without Redis: the recording, the embedded queue, and the code run in the sandbox', async () => {
  const lines: string[] = [];

  await runDemo({ write: (line) => lines.push(line), env: {} });

  expect(lines[0]).toContain('RECORDING, not a live model');
  expect(lines[1]).toBe('No REDIS_URL: tool calls run on the embedded queue in this process.');
  expect(lines).toContain(`model (recorded): ${SEED_TOOL_PARSER.reply}\n`);
  expect(lines).toContain('sandbox (runc): 3969.0\n');
  expect(lines.at(-1)).toBe('answer: 3969.0');
});

test('with REDIS_URL: the same run goes through BullMQ to a worker', async () => {
  await requireRedis();
  const lines: string[] = [];

  await runDemo({
    write: (line) => lines.push(line),
    env: { REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379' },
  });

  expect(lines[1]).toMatch(/^Tool calls go through BullMQ on redis:\/\/.* to worker /);
  expect(lines).toContain('sandbox (runc): 3969.0\n');
  expect(lines.at(-1)).toBe('answer: 3969.0');
});
