// Agents keep their code; only the executor changes: the seed's Coder with its tool calls
// running as jobs, on Redis workers and on the embedded backend.
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { CODE_END, Coder } from '../../../workers/agents/coder.ts';
import { SEED_TOOL_PARSER } from '../../../workers/model-replay/seed-recordings.ts';
import { createQueueExecutor } from '../../../workers/queue/remote-action.ts';
import type { TestJobs } from '../../support/job-backend-fixture.ts';
import { BACKENDS, startTestJobs } from '../../support/job-backend-fixture.ts';
import { test } from '../../support/model-server-fixture.ts';

describe.each(BACKENDS)('queue executor (%s)', (mode) => {
  let setup: TestJobs;
  beforeAll(async () => {
    setup = await startTestJobs({ mode });
  });
  afterAll(async () => {
    await setup?.close();
  });

  test('the Coder solves the seed problem with its code run as jobs', async ({
    server,
    createModel,
  }) => {
    server.enqueue(
      { content: `${SEED_TOOL_PARSER.reply}${CODE_END}` },
      { content: 'The product is 3969.' },
    );
    const executor = await createQueueExecutor({
      client: setup.jobs,
      tools: ['IPythonInteractive'],
    });
    const coder = new Coder({ llm: createModel({ stopWords: [CODE_END] }), executor });

    const answer = await coder.call(SEED_TOOL_PARSER.user, { sessionId: 9 });

    expect(answer.content).toBe('The product is 3969.');
    const memory = coder.stateDict({ sessionId: 9 })['agent.memory'] ?? [];
    expect(memory.map((message) => [message.sender, message.content])).toEqual([
      ['user', SEED_TOOL_PARSER.user],
      ['Agent', SEED_TOOL_PARSER.reply],
      ['ActionExecutor', '3969.0'],
      ['Agent', 'The product is 3969.'],
    ]);
  });

  test('tool names and descriptions come from the workers', async () => {
    const executor = await createQueueExecutor({ client: setup.jobs });
    // A worker's default tools (DEFAULT_WORKER_TOOLS).
    expect(executor.keys()).toEqual([
      'IPythonInteractive',
      'IPythonInterpreter',
      'JavaScriptInterpreter',
    ]);
    expect(executor.description().map((tool) => tool.name)).toEqual([
      'IPythonInteractive',
      'IPythonInterpreter',
      'JavaScriptInterpreter',
    ]);
    await expect(
      createQueueExecutor({ client: setup.jobs, tools: ['Nope'] }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
