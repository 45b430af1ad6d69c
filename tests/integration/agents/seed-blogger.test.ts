// The seed's multi-agent blogger (AutoGen's self-refinement example): a writer and a critic
// with a prefixing hook, five topics at once on one agent tree, one session each.
import { expect } from 'vitest';
import type {
  AgentCallOptions,
  AgentForwardOptions,
  AgentMessage,
  ChatModel,
  Hook,
  HookTarget,
  SessionId,
} from '../../../core/index.ts';
import { Agent } from '../../../core/index.ts';
import type { RecordedRequest } from '../../../workers/model-replay/scripted-model-server.ts';
import { test } from '../../support/model-server-fixture.ts';

class PrefixedMessageHook implements Hook {
  readonly prefix: string;
  readonly senders: readonly string[];

  constructor(prefix: string, senders: readonly string[]) {
    this.prefix = prefix;
    this.senders = senders;
  }

  beforeAgent(_agent: HookTarget, messages: AgentMessage[], _sessionId: SessionId): void {
    for (const message of messages) {
      if (this.senders.includes(message.sender))
        message.content = this.prefix + String(message.content);
    }
  }
}

class Blogger extends Agent {
  readonly writer: Agent;
  readonly critic: Agent;
  readonly maxTurn: number;

  constructor({
    llm,
    criticPrefix,
    maxTurn = 3,
  }: {
    llm: ChatModel;
    criticPrefix: string;
    maxTurn?: number;
  }) {
    super();
    this.writer = new Agent({
      llm,
      template: 'You are an writing assistant tasked to write engaging blogpost.',
      name: 'writer',
    });
    this.critic = new Agent({
      llm,
      template: 'Generate critique and recommendations on the writing.',
      name: 'critic',
      hooks: [new PrefixedMessageHook(criticPrefix, ['writer'])],
    });
    this.maxTurn = maxTurn;
  }

  override async forward(
    [message]: AgentMessage[],
    { sessionId }: AgentForwardOptions<AgentCallOptions>,
  ): Promise<AgentMessage> {
    let current = message as AgentMessage;
    for (let turn = 0; turn < this.maxTurn; turn += 1) {
      current = await this.writer.call(current, { sessionId });
      current = await this.critic.call(current, { sessionId });
    }
    return this.writer.call(current, { sessionId });
  }
}

const topics = ['AI', 'Biotechnology', 'New Energy', 'Video Games', 'Pop Music'];
const criticPrefix = 'Reflect and provide critique on the following writing. \n\n';

// The scripted model answers by role and topic, so concurrent sessions get distinct replies.
function reply(request: RecordedRequest): { content: string } {
  const messages = request.body.messages;
  const text = (index: number): string => {
    const content = messages[index]?.content;
    return typeof content === 'string' ? content : '';
  };
  const system = text(0);
  const firstUser = text(1);
  const topic =
    topics.find((name) => firstUser.includes(`updates in ${name}.`)) ??
    topics.find((name) => firstUser.includes(`draft ${name}`));
  const turn = messages.filter((entry) => entry.role === 'assistant').length + 1;
  const role = system.startsWith('Generate critique') ? 'critique' : 'draft';
  return { content: `${role} ${topic ?? '?'} #${turn}` };
}

test('five blogs run concurrently, each session keeps its own writer and critic memory', async ({
  server,
  createModel,
}) => {
  server.enqueue(...Array.from({ length: topics.length * 7 }, () => reply));
  const blogger = new Blogger({ llm: createModel(), criticPrefix });

  const replies = await Promise.all(
    topics.map((topic, sessionId) =>
      blogger.call(`Write an engaging blogpost on the recent updates in ${topic}.`, { sessionId }),
    ),
  );

  expect(replies.map((message) => message.content)).toEqual(
    topics.map((topic) => `draft ${topic} #4`),
  );
  expect(server.requests).toHaveLength(topics.length * 7);
  const state = blogger.stateDict({ sessionId: 3 });
  expect(Object.keys(state)).toEqual(['memory', 'writer.memory', 'critic.memory']);
  expect(state['memory']?.map((message) => message.sender)).toEqual(['user', 'writer']);
  expect(state['writer.memory']).toHaveLength(8);
  expect(state['critic.memory']?.map((message) => message.content)).toEqual([
    `${criticPrefix}draft Video Games #1`,
    'critique Video Games #1',
    `${criticPrefix}draft Video Games #2`,
    'critique Video Games #2',
    `${criticPrefix}draft Video Games #3`,
    'critique Video Games #3',
  ]);
  // The hook changed the critic's copy only: the writer's memory holds its own words.
  expect(state['writer.memory']?.[1]?.content).toBe('draft Video Games #1');
});
