import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../../core/errors/invalid-argument-error.ts';
import { ValidationError } from '../../../../core/errors/validation-error.ts';
import { Memory } from '../../../../core/memory/memory.ts';
import type { AgentMessage } from '../../../../core/schema/agent-message.ts';
import { createAgentMessage } from '../../../../core/schema/agent-message.ts';

const contents = (messages: readonly AgentMessage[]) => messages.map((item) => item.content);

const filledMemory = (count: number, options: { recentN?: number } = {}) => {
  const memory = new Memory(options);
  for (let index = 0; index < count; index += 1) memory.add(`m${index}`);
  return memory;
};

describe('Memory', () => {
  it('adds a string as a user message', () => {
    const memory = new Memory();

    memory.add('hello');

    expect(memory.getMemory()).toEqual([createAgentMessage({ sender: 'user', content: 'hello' })]);
    expect(memory.length).toBe(1);
  });

  it('adds a message, and a list of messages and strings, in order', () => {
    const memory = new Memory();
    const reply = createAgentMessage({ sender: 'Agent', content: 'r' });

    memory.add(reply);
    memory.add(['s', createAgentMessage({ sender: 'tool', content: { x: 1 } })]);

    expect(memory.getMemory().map((item) => [item.sender, item.content])).toEqual([
      ['Agent', 'r'],
      ['user', 's'],
      ['tool', { x: 1 }],
    ]);
    // getMemory returns the stored objects, as Lagent does.
    expect(memory.getMemory()[0]).toBe(reply);
  });

  it('throws ValidationError for anything else, adding nothing of a rejected list', () => {
    const memory = filledMemory(1);

    expect(() => memory.add({ role: 'user', content: 'x' } as never)).toThrow(ValidationError);
    expect(() => memory.add(42 as never)).toThrow(
      'Invalid memory input: expected an AgentMessage, its fields, or a string',
    );
    expect(() => memory.add({ sender: 'user' } as never)).toThrow('a message needs `content`');
    expect(() => memory.add(['fine', null] as never)).toThrow(ValidationError);

    expect(contents(memory.getMemory())).toEqual(['m0']);
  });

  it('returns the last recentN messages, from the constructor or per call', () => {
    const memory = filledMemory(5, { recentN: 2 });

    expect(memory.recentN).toBe(2);
    expect(contents(memory.getMemory())).toEqual(['m3', 'm4']);
    expect(contents(memory.getMemory({ recentN: 3 }))).toEqual(['m2', 'm3', 'm4']);
    expect(contents(memory.getMemory({ recentN: 10 }))).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(contents(filledMemory(3).getMemory())).toEqual(['m0', 'm1', 'm2']);
  });

  it('filters the window with (index in the window, message)', () => {
    const memory = filledMemory(5);
    const seen: [number, unknown][] = [];

    const kept = memory.getMemory({
      recentN: 3,
      filter: (index, message) => {
        seen.push([index, message.content]);
        return index !== 1;
      },
    });

    expect(seen).toEqual([
      [0, 'm2'],
      [1, 'm3'],
      [2, 'm4'],
    ]);
    expect(contents(kept)).toEqual(['m2', 'm4']);
  });

  it('completes an object with some message fields, as AgentMessage(**fields) does', () => {
    const memory = new Memory();

    memory.add({ content: 'partial', sender: 'Agent' } as never);

    // Lagent: AgentMessage(content='partial', sender='Agent').model_dump() in TypeScript casing.
    expect(memory.getMemory()).toEqual([
      {
        content: 'partial',
        sender: 'Agent',
        formatted: null,
        extraInfo: null,
        type: null,
        receiver: null,
        streamState: 0,
      },
    ]);
  });

  it("deletes as Lagent's del: one index, negative from the end, a list index by index", () => {
    // Lagent: m = Memory(); m.add([f'm{i}' for i in range(5)]); m.delete(0) -> m1..m4
    const memory = filledMemory(5);
    memory.delete(0);
    expect(contents(memory.getMemory())).toEqual(['m1', 'm2', 'm3', 'm4']);
    // m.delete(-1) removes the last message
    memory.delete(-1);
    expect(contents(memory.getMemory())).toEqual(['m1', 'm2', 'm3']);
    // m.delete([0, 1]): del [0] leaves m2, m3; then del [1] removes m3
    memory.delete([0, 1]);
    expect(contents(memory.getMemory())).toEqual(['m2']);
  });

  it('an index out of range throws and removes nothing (Lagent raises IndexError)', () => {
    const memory = filledMemory(3);

    expect(() => memory.delete(3)).toThrow(InvalidArgumentError);
    expect(() => memory.delete(-4)).toThrow(
      'Memory index -4 is out of range: the memory holds 3 message(s)',
    );
    // Lagent would have deleted index 0 before failing on 5; here nothing changes.
    expect(() => memory.delete([0, 5])).toThrow(InvalidArgumentError);
    expect(() => memory.delete(0.5)).toThrow(InvalidArgumentError);
    expect(contents(memory.getMemory())).toEqual(['m0', 'm1', 'm2']);
  });

  it('saves a copy: changing the dump does not change memory', () => {
    const memory = new Memory();
    memory.add(createAgentMessage({ content: { list: [1] } }));

    const saved = memory.save();
    (saved[0]!.content as { list: number[] }).list.push(2);

    expect(memory.getMemory()[0]?.content).toEqual({ list: [1] });
    expect(saved[0]).toEqual(createAgentMessage({ content: { list: [1, 2] } }));
  });

  it('loads a copy, filling defaults, replacing by default and appending without overwrite', () => {
    const memory = filledMemory(1);
    const list = [1];
    const data = [{ content: { list } }, { content: 'r', sender: 'Agent', streamState: 1 }];

    memory.load(data);
    list.push(2);

    expect(memory.getMemory()).toEqual([
      createAgentMessage({ content: { list: [1] } }),
      createAgentMessage({ content: 'r', sender: 'Agent', streamState: 1 }),
    ]);

    memory.load({ content: 'one more', extra_info: 'x' }, { overwrite: false });

    expect(contents(memory.getMemory())).toEqual([{ list: [1] }, 'r', 'one more']);
    expect(memory.getMemory()[2]?.extraInfo).toBe('x');
  });

  it('rejects invalid data on load, naming the entry, and keeps its messages', () => {
    const memory = filledMemory(2);

    let error: unknown;
    try {
      memory.load([{ content: 'ok' }, { content: 'x', streamState: 42 }], { subject: 'dump' });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).subject).toBe('dump[1]');
    expect((error as ValidationError).issues).toEqual([
      'streamState: not an AgentStatusCode value',
    ]);
    expect(() => memory.load([{ sender: 'user' }])).toThrow(ValidationError);
    expect(contents(memory.getMemory())).toEqual(['m0', 'm1']);
  });

  it('clears', () => {
    const memory = filledMemory(3);

    memory.clear();

    expect(memory.getMemory()).toEqual([]);
    expect(memory.length).toBe(0);
  });
});
