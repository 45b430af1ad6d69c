// A worker serving the tools of an MCP server (a fixture written with the SDK, over stdio):
// each remote tool is a tool of the platform, called through the queue by the seed's Coder,
// and a server that dies or hangs mid-call gives an ActionReturn error and is restarted.
import { mkdtempSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { ActionStatusCode, JSON_PARAMETER_DESCRIPTION } from '../../../core/index.ts';
import { CODE_END, Coder } from '../../../workers/agents/coder.ts';
import { createQueueExecutor } from '../../../workers/queue/remote-action.ts';
import type { JobResult } from '../../../workers/queue/job-schema.ts';
import { FIXTURE_PNG_BASE64 } from '../../fixtures/mcp/fixture-mcp-server.ts';
import type { TestJobs } from '../../support/job-backend-fixture.ts';
import { BACKENDS, startTestJobs } from '../../support/job-backend-fixture.ts';
import { test } from '../../support/model-server-fixture.ts';

const FIXTURE = join(import.meta.dirname, '../../fixtures/mcp/fixture-mcp-server.ts');

/** Resolves with the pid of the first call of `tool` logged in the events file from `from` on. */
async function callStarted(file: string, tool: string, from: number): Promise<number> {
  const find = () =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(from)
      .map((line) => line.split(' '))
      .find(([name]) => name === tool)?.[1];
  const watcher = watch(file);
  try {
    for (;;) {
      const pid = find();
      if (pid !== undefined) return Number(pid);
      await new Promise((resolve) => watcher.once('change', resolve));
    }
  } finally {
    watcher.close();
  }
}

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').length - 1;

async function callTool(
  setup: TestJobs,
  name: string,
  parameters: Record<string, string | number>,
): Promise<JobResult> {
  const jobId = await setup.jobs.submit({
    request: { kind: 'tool-call', call: { name, parameters } },
  });
  return setup.jobs.wait({ jobId });
}

describe.each(BACKENDS)('a worker serving an MCP server’s tools (%s)', (mode) => {
  let setup: TestJobs;
  let dir: string;
  let events: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-fixture-'));
    events = join(dir, 'events.log');
    setup = await startTestJobs({
      mode,
      runner: {
        tools: [],
        mcpServers: [
          { command: process.execPath, args: [FIXTURE], env: { FIXTURE_EVENTS: events } },
        ],
        // Generous for a loaded machine; the hang test waits this long once.
        mcpCallTimeoutMs: 5_000,
      },
    });
  }, 120_000);
  afterAll(async () => {
    await setup?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('each remote tool is a tool here: name, plugin prompt, OpenAI schema', async () => {
    const executor = await createQueueExecutor({ client: setup.jobs });
    expect(executor.keys()).toEqual(['chart', 'evaluate', 'refuse', 'sleep']);
    // Lagent's description, as the plugin prompt shows it.
    expect(executor.description().find((tool) => tool.name === 'evaluate')).toEqual({
      name: 'evaluate',
      description: 'Evaluate an arithmetic expression (numbers, + - * / and parentheses).',
      parameters: [{ name: 'command', type: 'STRING', description: 'the expression' }],
      required: ['command'],
      parameter_description: JSON_PARAMETER_DESCRIPTION,
    });
    const schema = executor.toOpenAITools().find((tool) => tool.function.name === 'evaluate');
    expect(schema?.function.parameters).toMatchObject({
      type: 'object',
      properties: { command: { type: 'string', description: 'the expression' } },
      required: ['command'],
    });
  });

  test('the seed’s Coder calls a remote tool through the queue; the ActionReturn is in its memory', async ({
    server,
    createModel,
  }) => {
    server.enqueue(
      // The model stops at the stop word, which the server leaves out of the reply.
      { content: `\`\`\`python\n63 * 63${CODE_END}` },
      { content: 'The product is 3969.' },
    );
    const executor = await createQueueExecutor({ client: setup.jobs, tools: ['evaluate'] });
    const coder = new Coder({ llm: createModel({ stopWords: [CODE_END] }), executor });
    const answer = await coder.call('What is 63 squared?', { sessionId: 1 });
    expect(answer.content).toBe('The product is 3969.');
    const memory = coder.stateDict({ sessionId: 1 })['agent.memory'] ?? [];
    expect(memory.map((message) => [message.sender, message.content])).toEqual([
      ['user', 'What is 63 squared?'],
      ['Agent', '```python\n63 * 63'],
      ['ActionExecutor', '3969'],
      ['Agent', 'The product is 3969.'],
    ]);
  });

  test('images come back as data URLs; a remote isError is an errmsg', async () => {
    const chart = await callTool(setup, 'chart', {});
    expect(chart.actionReturn?.result).toEqual([
      { type: 'text', content: 'a red dot' },
      { type: 'image', content: `data:image/png;base64,${FIXTURE_PNG_BASE64}` },
    ]);
    const refused = await callTool(setup, 'refuse', {});
    expect(refused.actionReturn?.state).toBe(ActionStatusCode.API_ERROR);
    expect(refused.actionReturn?.errmsg).toBe('refused on purpose');
    const bad = await callTool(setup, 'evaluate', { expression: '1' });
    expect(bad.actionReturn?.state).toBe(ActionStatusCode.ARGS_ERROR);
    expect(bad.actionReturn?.errmsg).toBe('missing required arguments: command');
  });

  test('the server killed mid-call: an error result, and the next call works on a new one', async () => {
    const from = lines(events);
    const jobId = await setup.jobs.submit({
      request: { kind: 'tool-call', call: { name: 'sleep', parameters: { ms: 600_000 } } },
    });
    const pid = await callStarted(events, 'sleep', from);
    process.kill(pid, 'SIGKILL');
    const killed = await setup.jobs.wait({ jobId });
    expect(killed.status).toBe('completed');
    expect(killed.actionReturn?.state).toBe(ActionStatusCode.API_ERROR);
    expect(killed.actionReturn?.errmsg).toContain('exited during the call');

    const next = await callTool(setup, 'evaluate', { command: '6 * 7' });
    expect(next.actionReturn?.result).toEqual([{ type: 'text', content: '42' }]);
    expect(await callStarted(events, 'evaluate', from)).not.toBe(pid);
  });

  test('a call that hangs past the call timeout: an error result, the server restarted', async () => {
    const from = lines(events);
    const hung = await callTool(setup, 'sleep', { ms: 600_000 });
    const pid = await callStarted(events, 'sleep', from);
    expect(hung.actionReturn?.state).toBe(ActionStatusCode.API_ERROR);
    expect(hung.actionReturn?.errmsg).toBe(
      'The MCP server ' +
        process.execPath +
        ' did not answer within 5000 ms; it was restarted for the next call.',
    );
    const next = await callTool(setup, 'evaluate', { command: '2 + 2' });
    expect(next.actionReturn?.result).toEqual([{ type: 'text', content: '4' }]);
    const after = await callStarted(events, 'evaluate', from);
    expect(after).not.toBe(pid);
    // The hung server was ended, not left behind.
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
