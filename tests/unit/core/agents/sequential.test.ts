import { describe, expect, it } from 'vitest';
import { Agent } from '../../../../core/agents/agent.ts';
import { Sequential } from '../../../../core/agents/sequential.ts';
import { InvalidArgumentError } from '../../../../core/errors/invalid-argument-error.ts';
import { createAgentMessage } from '../../../../core/schema/agent-message.ts';
import { FakeChatModel } from '../../../fakes/fake-chat-model.ts';

/** An agent whose model answers `<name><n>` on its n-th call, and shows what it was sent. */
const step = (name: string) => {
  const llm = new FakeChatModel({ replies: (_request, index) => `${name}${index + 1}` });
  return { llm, agent: new Agent({ llm, name }) };
};

const lastUserTurn = (llm: FakeChatModel, index: number) =>
  llm.requests[index]?.messages.filter((item) => item.role === 'user').at(-1)?.content;

describe('Sequential', () => {
  it("pipes each agent's reply into the next and returns the last reply", async () => {
    const a = step('a');
    const b = step('b');
    const sequential = new Sequential({ agents: [a.agent, b.agent] });

    const reply = await sequential.call('start');

    expect(reply).toEqual(createAgentMessage({ sender: 'b', content: 'b1' }));
    expect(lastUserTurn(a.llm, 0)).toBe('start');
    expect(lastUserTurn(b.llm, 0)).toBe('a1');
    expect(b.agent.memory?.getMemory().map((item) => [item.sender, item.content])).toEqual([
      ['a', 'a1'],
      ['b', 'b1'],
    ]);
    expect(sequential.memory?.getMemory().map((item) => [item.sender, item.content])).toEqual([
      ['user', 'start'],
      ['b', 'b1'],
    ]);
  });

  it('passes the session and generation overrides on, but not exitAt', async () => {
    const a = step('a');
    const b = step('b');
    const sequential = new Sequential({ agents: { first: a.agent, second: b.agent } });

    await sequential.call('go', { sessionId: 4, temperature: 0, exitAt: 1 });

    for (const llm of [a.llm, b.llm]) {
      expect(llm.lastRequest.sessionId).toBe(4);
      expect(llm.lastRequest.temperature).toBe(0);
      expect('exitAt' in llm.lastRequest).toBe(false);
    }
    expect(Object.keys(sequential.stateDict({ sessionId: 4 }))).toEqual([
      'memory',
      'first.memory',
      'second.memory',
    ]);
  });

  it('stops at exitAt', async () => {
    const a = step('a');
    const b = step('b');
    const sequential = new Sequential({ agents: [a.agent, b.agent] });

    const reply = await sequential.call('start', { exitAt: 0 });

    expect(reply.content).toBe('a1');
    expect(b.llm.requests).toHaveLength(0);
  });

  it('wraps round past the end: exitAt 3 with two agents runs a, b, a, b', async () => {
    const order: string[] = [];
    const recording = (name: string) =>
      new Agent({
        name,
        llm: new FakeChatModel({
          replies: (_request, index) => {
            order.push(name);
            return `${name}${index + 1}`;
          },
        }),
      });
    const a = recording('a');
    const sequential = new Sequential({ agents: [a, recording('b')] });

    const reply = await sequential.call('start', { exitAt: 3 });

    expect(order).toEqual(['a', 'b', 'a', 'b']);
    expect(reply.content).toBe('b2');
    expect(a.memory?.getMemory().map((item) => item.content)).toEqual(['start', 'a1', 'b1', 'a2']);
  });

  it('throws for an exitAt that is negative or not an integer', async () => {
    const sequential = new Sequential({ agents: [step('a').agent] });

    await expect(sequential.call('x', { exitAt: -1 })).rejects.toThrow(
      'exitAt should be an integer >= 0',
    );
    await expect(sequential.call('x', { exitAt: 1.5 })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  it('throws without agents, or with a step that is not an agent', () => {
    expect(() => new Sequential({ agents: [] })).toThrow('At least one agent should be provided');
    expect(() => new Sequential({ agents: {} })).toThrow(InvalidArgumentError);
    expect(() => new Sequential({ agents: [{} as Agent] })).toThrow('Step "0" is not an Agent');
    expect(() => new Sequential({ agents: { 'a.b': new Agent() } })).toThrow(InvalidArgumentError);
  });

  it('exposes its steps by position', () => {
    const a = new Agent({ name: 'a' });
    const sequential = new Sequential({ agents: [a, new Agent({ name: 'b' })] });

    expect(sequential.length).toBe(2);
    expect(sequential.at(0)).toBe(a);
    expect(sequential.at(1)?.name).toBe('b');
    expect(sequential.toString()).toBe(
      "Sequential(name='Sequential')(\n  (0): Agent(name='a')\n  (1): Agent(name='b')\n)",
    );
  });
});
