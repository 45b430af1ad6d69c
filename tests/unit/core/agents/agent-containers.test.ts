import { describe, expect, it } from 'vitest';
import { Agent } from '../../../../core/agents/agent.ts';
import { AgentDict, AgentList } from '../../../../core/agents/agent-containers.ts';
import { InvalidArgumentError } from '../../../../core/errors/invalid-argument-error.ts';

const notAnAgent = { name: 'fake', memory: null } as unknown as Agent;
const names = (agents: Iterable<Agent>) => [...agents].map((agent) => agent.name);

describe('AgentList', () => {
  it("names its items '0', '1', ... and has no memory of its own", () => {
    const list = new AgentList([new Agent({ name: 'a' }), new Agent({ name: 'b' })]);

    expect(list.namedChildren().map(([key, agent]) => [key, agent.name])).toEqual([
      ['0', 'a'],
      ['1', 'b'],
    ]);
    expect(list.memory).toBeNull();
    expect(Object.keys(list.stateDict())).toEqual(['0.memory', '1.memory']);
    expect(list.name).toBe('AgentList');
  });

  it('supports length, at, push, insert, removeAt and iteration', () => {
    const list = new AgentList([new Agent({ name: 'a' })]);

    expect(list.push(new Agent({ name: 'c' }), new Agent({ name: 'd' }))).toBe(3);
    list.insert(1, new Agent({ name: 'b' }));
    const removed = list.removeAt(3);

    expect(removed?.name).toBe('d');
    expect(list.length).toBe(3);
    expect(list.at(-1)?.name).toBe('c');
    expect(names(list)).toEqual(['a', 'b', 'c']);
    expect(list.namedChildren().map(([key]) => key)).toEqual(['0', '1', '2']);
  });

  it('accepts only agents, and a rejected change changes nothing', () => {
    const list = new AgentList([new Agent({ name: 'a' })]);

    expect(() => new AgentList([new Agent(), notAnAgent])).toThrow(InvalidArgumentError);
    expect(() => list.push(new Agent({ name: 'b' }), notAnAgent)).toThrow(InvalidArgumentError);
    expect(() => list.insert(0, notAnAgent)).toThrow('[object Object] is not an Agent');

    expect(names(list)).toEqual(['a']);
  });
});

describe('AgentDict', () => {
  it('keys its items by name and has no memory of its own', () => {
    const dict = new AgentDict({
      planner: new Agent({ name: 'p' }),
      writer: new Agent({ name: 'w' }),
    });

    expect(dict.namedChildren().map(([key, agent]) => [key, agent.name])).toEqual([
      ['planner', 'p'],
      ['writer', 'w'],
    ]);
    expect(dict.memory).toBeNull();
    expect(Object.keys(dict.stateDict())).toEqual(['planner.memory', 'writer.memory']);
  });

  it('supports get, set, delete, keys and size', () => {
    const dict = new AgentDict({ a: new Agent({ name: 'first a' }) });

    dict.set('b', new Agent({ name: 'b' })).set('a', new Agent({ name: 'second a' }));
    const deleted = dict.delete('b');

    expect(deleted).toBe(true);
    expect(dict.delete('missing')).toBe(false);
    expect(dict.keys()).toEqual(['a']);
    expect(dict.size).toBe(1);
    expect(dict.get('a')?.name).toBe('second a');
    expect(dict.get('b')).toBeUndefined();
  });

  it('rejects dotted keys and non-agents, changing nothing', () => {
    const dict = new AgentDict({ a: new Agent({ name: 'a' }) });

    expect(() => new AgentDict({ 'x.y': new Agent() })).toThrow(
      `agent name can't contain ".", got x.y`,
    );
    expect(() => new AgentDict({ ok: new Agent(), bad: notAnAgent })).toThrow(InvalidArgumentError);
    expect(() => dict.set('b.c', new Agent())).toThrow(InvalidArgumentError);
    expect(() => dict.set('a', notAnAgent)).toThrow(InvalidArgumentError);

    expect(dict.keys()).toEqual(['a']);
    expect(dict.get('a')?.name).toBe('a');
  });
});
