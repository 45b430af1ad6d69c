import { describe, expect, it } from 'vitest';
import type { AgentForwardOptions } from '../../../../core/agents/agent.ts';
import { Agent } from '../../../../core/agents/agent.ts';
import type { Hook } from '../../../../core/hooks/hook.ts';
import type { AgentMessage } from '../../../../core/schema/agent-message.ts';
import { createAgentMessage } from '../../../../core/schema/agent-message.ts';
import { AgentStatusCode } from '../../../../core/schema/status-codes.ts';
import { FakeChatModel } from '../../../fakes/fake-chat-model.ts';

const message = (sender: string, content: unknown): AgentMessage =>
  createAgentMessage({ sender, content });

describe('Agent.call', () => {
  it("runs the seed's single-agent example: the reply, the memory and the state dict", async () => {
    const systemPrompt = '你的回答只能从“典”、“孝”、“急”三个字中选一个。';
    const llm = new FakeChatModel({ replies: ['急'] });
    const agent = new Agent({ llm, template: systemPrompt });

    const reply = await agent.call(createAgentMessage({ sender: 'user', content: '今天天气情况' }));

    expect(reply).toEqual({
      content: '急',
      sender: 'Agent',
      formatted: null,
      extraInfo: null,
      type: null,
      receiver: null,
      streamState: AgentStatusCode.END,
    });
    expect(llm.requests).toEqual([
      {
        messages: [
          { role: 'system', content: systemPrompt },
          { role: 'user', content: '今天天气情况' },
        ],
        sessionId: 0,
      },
    ]);
    const dumped = [
      {
        content: '今天天气情况',
        sender: 'user',
        formatted: null,
        extraInfo: null,
        type: null,
        receiver: null,
        streamState: 0,
      },
      {
        content: '急',
        sender: 'Agent',
        formatted: null,
        extraInfo: null,
        type: null,
        receiver: null,
        streamState: 0,
      },
    ];
    expect(agent.memory?.getMemory()).toEqual(dumped);
    expect(agent.stateDict()['memory']).toEqual(dumped);
    expect(Object.keys(agent.stateDict())).toEqual(['memory']);
  });

  it('turns a string input into a user message', async () => {
    const llm = new FakeChatModel({ replies: ['ok'] });
    const agent = new Agent({ llm });

    await agent.call('hello');

    expect(agent.memory?.getMemory()[0]).toEqual(createAgentMessage({ content: 'hello' }));
    expect(agent.memory?.getMemory()[0]?.sender).toBe('user');
    expect(llm.lastRequest.messages).toEqual([{ role: 'user', content: 'hello' }]);
  });

  it('takes a list of inputs, strings and messages mixed, in order', async () => {
    const llm = new FakeChatModel({ replies: ['ok'] });
    const agent = new Agent({ llm });

    await agent.call([message('alice', 'one'), 'two']);

    expect(agent.memory?.getMemory().map((item) => [item.sender, item.content])).toEqual([
      ['alice', 'one'],
      ['user', 'two'],
      ['Agent', 'ok'],
    ]);
    // DefaultAggregator joins consecutive user turns without a separator.
    expect(llm.lastRequest.messages).toEqual([{ role: 'user', content: 'onetwo' }]);
  });

  it("deep-copies input messages: changing the caller's object later does not change memory", async () => {
    const agent = new Agent({ llm: new FakeChatModel({ replies: ['ok'] }) });
    const input = message('user', { question: 'q', tags: ['a'] });

    await agent.call(input);
    (input.content as { tags: string[] }).tags.push('b');
    input.sender = 'someone else';

    const stored = agent.memory?.getMemory()[0];
    expect(stored).not.toBe(input);
    expect(stored).toEqual(message('user', { question: 'q', tags: ['a'] }));
  });

  it('runs beforeAgent hooks in registration order; a returned list replaces the input', async () => {
    const llm = new FakeChatModel({ replies: ['ok'] });
    const seen: string[] = [];
    const first: Hook = {
      beforeAgent(agent, messages, sessionId) {
        seen.push(`first:${agent.name}:${String(sessionId)}:${String(messages[0]?.content)}`);
        return [message('user', 'replaced')];
      },
    };
    const second: Hook = {
      async beforeAgent(_agent, messages) {
        await Promise.resolve();
        seen.push(`second:${String(messages[0]?.content)}`);
        messages[0]!.content = 'replaced and edited';
      },
    };
    const agent = new Agent({ llm, hooks: [first] });
    agent.registerHook(second);

    await agent.call('original', { sessionId: 3 });

    expect(seen).toEqual(['first:Agent:3:original', 'second:replaced']);
    expect(agent.memory?.getMemory({ sessionId: 3 }).map((item) => item.content)).toEqual([
      'replaced and edited',
      'ok',
    ]);
    expect(llm.lastRequest.messages).toEqual([{ role: 'user', content: 'replaced and edited' }]);
  });

  it('stops calling a hook once its handle is removed', async () => {
    const calls: string[] = [];
    const agent = new Agent({ llm: new FakeChatModel({ replies: ['1', '2'] }) });
    const handle = agent.registerHook({
      afterAgent: (_agent, reply) => void calls.push(String(reply.content)),
    });

    await agent.call('a');
    handle.remove();
    await agent.call('b');

    expect(calls).toEqual(['1']);
  });

  it('adds the input and then the reply to memory, and forward sees the input already stored', async () => {
    const snapshots: unknown[][] = [];
    class Recorder extends Agent {
      override forward(messages: AgentMessage[], options: AgentForwardOptions) {
        snapshots.push(
          this.memory?.getMemory({ sessionId: options.sessionId }).map((item) => item.content) ??
            [],
        );
        snapshots.push(messages.map((item) => item.content));
        return Promise.resolve('reply');
      }
    }
    const agent = new Recorder();

    const reply = await agent.call('input');

    expect(snapshots).toEqual([['input'], ['input']]);
    expect(agent.memory?.getMemory().map((item) => [item.sender, item.content])).toEqual([
      ['user', 'input'],
      ['Recorder', 'reply'],
    ]);
    expect(reply).toEqual(createAgentMessage({ sender: 'Recorder', content: 'reply' }));
  });

  it("wraps forward's string reply in an AgentMessage from the agent's name", async () => {
    const agent = new Agent({ llm: new FakeChatModel({ replies: ['text'] }), name: 'writer' });

    const reply = await agent.call('hi');

    expect(reply).toEqual(createAgentMessage({ sender: 'writer', content: 'text' }));
  });

  it('keeps an AgentMessage returned by forward as it is', async () => {
    class Custom extends Agent {
      override forward() {
        return Promise.resolve(
          createAgentMessage({ sender: 'other', content: { x: 1 }, receiver: 'user' }),
        );
      }
    }
    const agent = new Custom();

    const reply = await agent.call('hi');

    expect(reply).toEqual(
      createAgentMessage({ sender: 'other', content: { x: 1 }, receiver: 'user' }),
    );
    expect(agent.memory?.getMemory()[1]).toEqual(reply);
  });

  it('gives afterAgent hooks a copy: mutating it changes the result but not memory', async () => {
    const seen: string[] = [];
    const agent = new Agent({
      llm: new FakeChatModel({ replies: ['stored'] }),
      hooks: [
        {
          afterAgent(_agent, reply, sessionId) {
            seen.push(`first:${String(reply.content)}:${String(sessionId)}`);
            reply.content = 'mutated';
          },
        },
        {
          afterAgent(_agent, reply) {
            seen.push(`second:${String(reply.content)}`);
            return createAgentMessage({ sender: 'hook', content: `${String(reply.content)}!` });
          },
        },
      ],
    });

    const result = await agent.call('hi');

    expect(seen).toEqual(['first:stored:0', 'second:mutated']);
    expect(result).toEqual(createAgentMessage({ sender: 'hook', content: 'mutated!' }));
    expect(agent.memory?.getMemory().map((item) => item.content)).toEqual(['hi', 'stored']);
  });

  it('keeps sessions apart: memory and model requests', async () => {
    const llm = new FakeChatModel({ replies: (request) => `echo ${request.messages.length}` });
    const agent = new Agent({ llm });

    await agent.call('first in 1', { sessionId: 1 });
    await agent.call('first in 2', { sessionId: 'two' });
    await agent.call('second in 1', { sessionId: 1 });

    expect(agent.memory?.getMemory({ sessionId: 1 }).map((item) => item.content)).toEqual([
      'first in 1',
      'echo 1',
      'second in 1',
      'echo 3',
    ]);
    expect(agent.memory?.getMemory({ sessionId: 'two' }).map((item) => item.content)).toEqual([
      'first in 2',
      'echo 1',
    ]);
    expect(agent.memory?.get(0)).toBeUndefined();
    expect(llm.requests.map((request) => request.sessionId)).toEqual([1, 'two', 1]);
    expect(llm.requests[2]?.messages).toEqual([
      { role: 'user', content: 'first in 1' },
      { role: 'assistant', content: 'echo 1' },
      { role: 'user', content: 'second in 1' },
    ]);
  });

  it('with memory null keeps nothing and sends only the input of each call', async () => {
    const llm = new FakeChatModel({ replies: ['r1', 'r2'] });
    const agent = new Agent({ llm, memory: null });

    await agent.call('first');
    const reply = await agent.call(['second', 'third']);

    expect(agent.memory).toBeNull();
    expect(reply).toEqual(createAgentMessage({ sender: 'Agent', content: 'r2' }));
    expect(llm.requests.map((request) => request.messages)).toEqual([
      [{ role: 'user', content: 'first' }],
      [{ role: 'user', content: 'secondthird' }],
    ]);
    expect(agent.stateDict()).toEqual({});
  });

  it('sends only the last recentN messages when memory has recentN', async () => {
    const llm = new FakeChatModel({ replies: ['r1', 'r2'] });
    const agent = new Agent({ llm, memory: { recentN: 2 }, template: 'sys' });

    await agent.call('q1');
    await agent.call('q2');

    expect(llm.lastRequest.messages).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'assistant', content: 'r1' },
      { role: 'user', content: 'q2' },
    ]);
    expect(agent.memory?.get(0)?.length).toBe(4);
  });
});
