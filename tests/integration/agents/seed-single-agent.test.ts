// The seed's "Models as Agents", "Memory as State" and "Custom Message Aggregation" examples,
// through the real openai client against a scripted server on 127.0.0.1.
import { expect } from 'vitest';
import type { AggregateOptions, ChatMessage } from '../../../core/index.ts';
import { Agent, AgentStatusCode, DefaultAggregator } from '../../../core/index.ts';
import { SEED_FEWSHOT, SEED_SINGLE_AGENT } from '../../../workers/model-replay/seed-recordings.ts';
import { test } from '../../support/model-server-fixture.ts';

test('a single agent answers and keeps both messages in memory', async ({
  server,
  createModel,
}) => {
  server.enqueue({ content: SEED_SINGLE_AGENT.reply });
  const llm = createModel({
    model: 'Qwen/Qwen2-7B-Instruct',
    topK: 1,
    temperature: 1.0,
    stopWords: ['<|im_end|>'],
    maxNewTokens: 1024,
  });
  const agent = new Agent({ llm, template: SEED_SINGLE_AGENT.systemPrompt });

  const reply = await agent.call(SEED_SINGLE_AGENT.user);

  expect(reply).toEqual({
    content: '急',
    sender: 'Agent',
    formatted: null,
    extraInfo: null,
    type: null,
    receiver: null,
    streamState: AgentStatusCode.END,
  });
  const body = server.requests[0]?.body;
  expect(body?.messages).toEqual([
    { role: 'system', content: SEED_SINGLE_AGENT.systemPrompt },
    { role: 'user', content: SEED_SINGLE_AGENT.user },
  ]);
  expect(body).toMatchObject({
    model: 'Qwen/Qwen2-7B-Instruct',
    max_tokens: 1024,
    temperature: 1,
    top_k: 1,
    stop: ['<|im_end|>'],
  });

  const memory = agent.memory?.getMemory() ?? [];
  expect(memory.map((message) => [message.sender, message.content])).toEqual([
    ['user', SEED_SINGLE_AGENT.user],
    ['Agent', '急'],
  ]);
  expect(agent.stateDict()['memory']).toEqual(memory);

  agent.reset();
  expect(agent.memory?.get(0)).toBeUndefined();
});

test('a few-shot aggregator subclass puts its examples before the memory', async ({
  server,
  createModel,
}) => {
  class FewshotAggregator extends DefaultAggregator {
    readonly fewShot: ChatMessage[];

    constructor(fewShot: ChatMessage[]) {
      super();
      this.fewShot = fewShot;
    }

    override aggregate({ messages, name, systemInstruction }: AggregateOptions): ChatMessage[] {
      const chat: ChatMessage[] = systemInstruction
        ? DefaultAggregator.aggregateSystemInstruction(systemInstruction)
        : [];
      chat.push(...this.fewShot);
      for (const message of messages) {
        const previous = chat.at(-1);
        if (message.sender === name)
          chat.push({ role: 'assistant', content: String(message.content) });
        else if (previous?.role === 'user')
          previous.content = `${previous.content ?? ''}${String(message.content)}`;
        else chat.push({ role: 'user', content: String(message.content) });
      }
      return chat;
    }
  }
  server.enqueue({ content: SEED_FEWSHOT.reply });
  const agent = new Agent({
    llm: createModel(),
    aggregator: new FewshotAggregator(SEED_FEWSHOT.fewShot.map((message) => ({ ...message }))),
  });

  const reply = await agent.call(SEED_FEWSHOT.user);

  expect(reply.content).toBe(SEED_FEWSHOT.reply);
  expect(server.requests[0]?.body.messages).toEqual([
    { role: 'user', content: '今天天气' },
    { role: 'assistant', content: '【晴】' },
    { role: 'user', content: '昨天天气' },
  ]);
});
