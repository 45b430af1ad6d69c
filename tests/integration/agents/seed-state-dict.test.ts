// The seed's state_dict round trip: dump a composite agent's memories under Lagent's dotted
// keys, serialise them as JSON, load them into a fresh agent tree, and carry on.
import { expect } from 'vitest';
import type {
  AgentCallOptions,
  AgentForwardOptions,
  AgentMessage,
  ChatModel,
} from '../../../core/index.ts';
import {
  ActionExecutor,
  Agent,
  defineTool,
  InternLMActionProcessor,
  InternLMToolAggregator,
  parseJson,
  ToolParser,
} from '../../../core/index.ts';
import { z } from 'zod';
import { test } from '../../support/model-server-fixture.ts';

// A stand-in for the interpreter (the Docker sandbox comes with its own tests): it evaluates
// "a * b" only, which is all this conversation needs.
const multiply = defineTool({
  name: 'Multiplier',
  description: 'Multiplies two integers written as "a * b".',
  parameters: z.object({ command: z.string() }),
  execute: ({ command }) => {
    const [left, right] = command.split('*').map((part) => Number(part.trim()));
    return String((left ?? Number.NaN) * (right ?? Number.NaN));
  },
});

class Coder extends Agent {
  readonly agent: Agent;
  readonly executor: ActionExecutor;

  constructor({ llm }: { llm: ChatModel }) {
    super();
    this.agent = new Agent({
      llm,
      template: 'Solve the problem with Python code.',
      outputFormat: new ToolParser({
        toolType: 'code interpreter',
        begin: '```python\n',
        end: '\n```\n',
      }),
      aggregator: new InternLMToolAggregator(),
    });
    this.executor = new ActionExecutor({
      actions: [multiply],
      hooks: [new InternLMActionProcessor()],
    });
  }

  override async forward(
    [message]: AgentMessage[],
    { sessionId }: AgentForwardOptions<AgentCallOptions>,
  ): Promise<AgentMessage> {
    let current = message as AgentMessage;
    for (let turn = 0; turn < 3; turn += 1) {
      current = await this.agent.call(current, { sessionId });
      if ((current.formatted as { toolType: string | null }).toolType === null) return current;
      current = await this.executor.call(current, { sessionId });
    }
    return current;
  }
}

test('state_dict survives JSON and a fresh agent tree continues the conversation', async ({
  server,
  createModel,
}) => {
  server.enqueue(
    { content: 'Compute it.\n```python\n63 * -63' },
    { content: 'The product is -3969.' },
  );
  const coder = new Coder({ llm: createModel() });
  const answer = await coder.call('Product of 63 and -63?', { sessionId: 7 });
  expect(answer.content).toBe('The product is -3969.');

  const dumped = JSON.stringify(coder.stateDict({ sessionId: 7 }));
  const state = parseJson(dumped) as Record<string, unknown>;
  expect(Object.keys(state)).toEqual(['memory', 'agent.memory']);
  expect((state['agent.memory'] as AgentMessage[]).map((message) => message.sender)).toEqual([
    'user',
    'Agent',
    'ActionExecutor',
    'Agent',
  ]);
  expect((state['agent.memory'] as AgentMessage[])[2]?.content).toBe('-3969');

  const restored = new Coder({ llm: createModel() });
  expect(restored.loadStateDict(state, { sessionId: 7 })).toEqual({ unusedKeys: [] });
  expect(restored.stateDict({ sessionId: 7 })).toEqual(coder.stateDict({ sessionId: 7 }));

  server.enqueue({ content: 'Yes: -3969.' });
  await restored.agent.call('Are you sure?', { sessionId: 7 });
  const resent = server.requests[2]?.body.messages;
  expect(resent?.map((message) => message.role)).toEqual([
    'system',
    'user',
    'assistant',
    'system',
    'assistant',
    'user',
  ]);
  expect(resent?.[2]?.content).toBe('Compute it.\n```python\n63 * -63\n```\n');
  expect(resent?.[3]).toMatchObject({ content: '-3969', name: 'code_interpreter' });
});
