import { describe, expect, it } from 'vitest';
import { SessionNotFoundError } from '../../../../core/errors/agent-errors.ts';
import { Memory } from '../../../../core/memory/memory.ts';
import { DEFAULT_SESSION_ID, MemoryManager } from '../../../../core/memory/memory-manager.ts';
import type { AgentMessage } from '../../../../core/schema/agent-message.ts';

const contents = (messages: readonly AgentMessage[]) => messages.map((item) => item.content);

describe('MemoryManager', () => {
  it('creates a session memory lazily, on the first add', () => {
    const manager = new MemoryManager();

    expect(manager.get()).toBeUndefined();
    expect(manager.get(3)).toBeUndefined();
    expect(manager.memoryMap.size).toBe(0);

    manager.add('hello');
    manager.add(['a', 'b'], { sessionId: 3 });

    expect(DEFAULT_SESSION_ID).toBe(0);
    expect(manager.get(0)).toBeInstanceOf(Memory);
    expect(contents(manager.getMemory())).toEqual(['hello']);
    expect(contents(manager.getMemory({ sessionId: 3 }))).toEqual(['a', 'b']);
    expect([...manager.memoryMap.keys()]).toEqual([0, 3]);
  });

  it('builds each session memory with its factory', () => {
    let created = 0;
    const manager = new MemoryManager(() => {
      created += 1;
      return new Memory({ recentN: 1 });
    });

    manager.add(['a', 'b'], { sessionId: 'x' });
    manager.add('c', { sessionId: 'x' });
    manager.add('d', { sessionId: 'y' });

    expect(created).toBe(2);
    expect(contents(manager.getMemory({ sessionId: 'x' }))).toEqual(['c']);
    expect(contents(manager.getMemory({ sessionId: 'x', recentN: 2 }))).toEqual(['b', 'c']);
    expect(
      contents(manager.getMemory({ sessionId: 'x', recentN: 3, filter: (index) => index > 0 })),
    ).toEqual(['b', 'c']);
  });

  it('throws SessionNotFoundError from getMemory for an unknown session', () => {
    const manager = new MemoryManager();
    manager.add('a');

    expect(() => manager.getMemory({ sessionId: 1 })).toThrow(SessionNotFoundError);
    expect(() => manager.getMemory({ sessionId: 'abc' })).toThrow('No memory for session "abc"');
  });

  it('createInstance returns the existing memory or an empty new one', () => {
    const manager = new MemoryManager();
    manager.add('a', { sessionId: 1 });

    expect(manager.createInstance(1)).toBe(manager.get(1));
    expect(manager.createInstance(2).getMemory()).toEqual([]);
    expect(manager.get(2)).toBeDefined();
  });

  it('reset forgets one session (the default one unless told)', () => {
    const manager = new MemoryManager();
    manager.add('zero');
    manager.add('one', { sessionId: 1 });

    manager.reset();

    expect(manager.get(0)).toBeUndefined();
    expect(contents(manager.getMemory({ sessionId: 1 }))).toEqual(['one']);

    manager.reset(1);
    manager.reset(42);

    expect(manager.memoryMap.size).toBe(0);
  });
});
