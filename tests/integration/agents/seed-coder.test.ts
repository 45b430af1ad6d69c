// The seed's Coder (a code-interpreter agent) end to end: a scripted model on 127.0.0.1
// through the real openai client, and the code run in the real Docker sandbox.
import { afterAll, beforeAll, expect } from 'vitest';
import type { DockerSandboxProvider } from '../../../sandboxes/docker/index.ts';
import { CODE_END, Coder } from '../../../workers/agents/coder.ts';
import { SEED_TOOL_PARSER } from '../../../workers/model-replay/seed-recordings.ts';
import { startTestProvider } from '../../support/docker-sandbox-fixture.ts';
import { test } from '../../support/model-server-fixture.ts';

let provider: DockerSandboxProvider;
beforeAll(async () => {
  provider = await startTestProvider({ poolSize: 1 });
});
afterAll(async () => {
  await provider?.close();
});

test('the Coder writes code, runs it in the sandbox, reads 3969.0 and answers', async ({
  server,
  createModel,
}) => {
  server.enqueue(
    { content: `${SEED_TOOL_PARSER.reply}${CODE_END}` },
    { content: 'The product of the two numbers is 3969.' },
  );
  const coder = new Coder({
    llm: createModel({ stopWords: [CODE_END, '<|im_end|>'] }),
    sandboxes: provider,
    systemPrompt: SEED_TOOL_PARSER.systemPrompt,
  });
  try {
    const answer = await coder.call(SEED_TOOL_PARSER.user, { sessionId: 5 });

    expect(answer.content).toBe('The product of the two numbers is 3969.');
    const state = coder.stateDict({ sessionId: 5 });
    expect(Object.keys(state)).toEqual(['memory', 'agent.memory']);
    expect(state['agent.memory']?.map((message) => [message.sender, message.content])).toEqual([
      ['user', SEED_TOOL_PARSER.user],
      ['Agent', SEED_TOOL_PARSER.reply],
      ['ActionExecutor', '3969.0'],
      ['Agent', 'The product of the two numbers is 3969.'],
    ]);
    expect(state['memory']?.map((message) => message.sender)).toEqual(['user', 'Agent']);
    const second = server.requests[1]?.body.messages ?? [];
    expect(second.at(-1)).toEqual({ role: 'system', content: '3969.0', name: 'code_interpreter' });
    expect(second.at(-2)?.content).toBe(`${SEED_TOOL_PARSER.reply}${CODE_END}`);
  } finally {
    await coder.executor.dispose();
  }
});
