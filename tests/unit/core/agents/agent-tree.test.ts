import { describe, expect, it } from 'vitest';
import type { AgentForwardOptions } from '../../../../core/agents/agent.ts';
import { Agent } from '../../../../core/agents/agent.ts';
import { AgentDict, AgentList } from '../../../../core/agents/agent-containers.ts';
import { Sequential } from '../../../../core/agents/sequential.ts';
import { StateDictMismatchError } from '../../../../core/errors/agent-errors.ts';
import { InvalidArgumentError } from '../../../../core/errors/invalid-argument-error.ts';
import { ValidationError } from '../../../../core/errors/validation-error.ts';
import { parseJson } from '../../../../core/internal/json.ts';
import type { AgentMessage } from '../../../../core/schema/agent-message.ts';
import { createAgentMessage } from '../../../../core/schema/agent-message.ts';
import { FakeChatModel } from '../../../fakes/fake-chat-model.ts';

/** A composite agent like AgentForInternLM: one inner agent that does the work. */
class Composite extends Agent {
  agent: Agent;

  constructor(llm?: FakeChatModel) {
    super();
    this.agent = new Agent(llm ? { llm } : {});
  }

  override async forward(messages: AgentMessage[], { sessionId }: AgentForwardOptions) {
    return this.agent.call(messages, { sessionId });
  }
}

/** The inventory's nested example: a plain sub-agent, a list and a dict. */
class Nested extends Agent {
  a = new Agent();
  lst = new AgentList([new Agent(), new Agent()]);
  dct = new AgentDict({ k: new Agent() });
}

const contents = (messages: readonly AgentMessage[] | undefined) =>
  (messages ?? []).map((item) => item.content);

describe('sub-agents', () => {
  it('finds properties holding agents, in assignment order', () => {
    class Ordered extends Agent {
      second: Agent;
      first: Agent;
      notAnAgent = { memory: 'x' };

      constructor() {
        super();
        this.second = new Agent({ name: 'b' });
        this.first = new Agent({ name: 'a' });
      }
    }

    const children = new Ordered().namedChildren();

    expect(children.map(([key, child]) => [key, child.name])).toEqual([
      ['second', 'b'],
      ['first', 'a'],
    ]);
  });

  it('a composite agent has the state dict keys memory and agent.memory', () => {
    expect(Object.keys(new Composite().stateDict())).toEqual(['memory', 'agent.memory']);
  });

  it('nested lists and dicts give dotted keys; containers have none of their own', () => {
    expect(Object.keys(new Nested().stateDict())).toEqual([
      'memory',
      'a.memory',
      'lst.0.memory',
      'lst.1.memory',
      'dct.k.memory',
    ]);
  });

  it('Sequential(a, b) has the keys memory, 0.memory, 1.memory', () => {
    const sequential = new Sequential({ agents: [new Agent(), new Agent()] });

    expect(Object.keys(sequential.stateDict())).toEqual(['memory', '0.memory', '1.memory']);
  });

  it('gives empty lists for a session no agent has seen', async () => {
    const composite = new Composite(new FakeChatModel({ replies: ['inner reply'] }));
    await composite.call('hi');

    expect(composite.stateDict({ sessionId: 99 })).toEqual({ memory: [], 'agent.memory': [] });
  });

  it('dumps every memory of a session: the outer keeps input and final reply', async () => {
    const composite = new Composite(new FakeChatModel({ replies: ['inner reply'] }));
    await composite.call('hi', { sessionId: 5 });

    const state = composite.stateDict({ sessionId: 5 });

    const expected = [
      createAgentMessage({ sender: 'user', content: 'hi' }),
      createAgentMessage({ sender: 'Agent', content: 'inner reply' }),
    ];
    expect(state).toEqual({ memory: expected, 'agent.memory': expected });
    // The dump is a copy.
    state['memory']![0]!.content = 'changed';
    expect(contents(composite.memory?.get(5)?.getMemory())).toEqual(['hi', 'inner reply']);
  });
});

describe('loadStateDict', () => {
  it('round-trips through JSON into a fresh agent tree', () => {
    const original = new Nested();
    original.a.updateMemory(createAgentMessage({ content: 'for a', extraInfo: { n: 1 } }), 2);
    original.updateMemory(createAgentMessage({ content: 'for root' }), 2);
    (original.dct.get('k') as Agent).updateMemory(
      [
        createAgentMessage({ content: 'k1' }),
        createAgentMessage({ sender: 'Agent', content: 'k2' }),
      ],
      2,
    );
    const state = original.stateDict({ sessionId: 2 });
    const fresh = new Nested();

    const result = fresh.loadStateDict(
      parseJson(JSON.stringify(state)) as Record<string, unknown>,
      {
        sessionId: 2,
      },
    );

    expect(result).toEqual({ unusedKeys: [] });
    expect(fresh.stateDict({ sessionId: 2 })).toEqual(state);
    expect(contents(fresh.lst.at(0)?.memory?.get(2)?.getMemory())).toEqual([]);
    expect(fresh.a.memory?.get(2)?.getMemory()[0]?.extraInfo).toEqual({ n: 1 });
    expect(fresh.stateDict({ sessionId: 0 })['memory']).toEqual([]);
  });

  it('throws StateDictMismatchError listing the missing keys and changes nothing', () => {
    const composite = new Composite();
    composite.updateMemory(createAgentMessage({ content: 'kept' }), 0);

    let error: unknown;
    try {
      composite.loadStateDict({ memory: [{ content: 'new', sender: 'user' }] });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(StateDictMismatchError);
    expect((error as StateDictMismatchError).missingKeys).toEqual(['agent.memory']);
    expect((error as StateDictMismatchError).message).toBe('Missing keys: agent.memory');
    expect(contents(composite.memory?.get(0)?.getMemory())).toEqual(['kept']);
    expect(composite.agent.memory?.get(0)).toBeUndefined();
  });

  it('returns keys no memory uses as unusedKeys and loads the rest', () => {
    const composite = new Composite();

    const result = composite.loadStateDict({
      memory: [{ content: 'outer' }],
      'agent.memory': [],
      'other.memory': [{ content: 'ignored' }],
      extra: 1,
    });

    expect(result).toEqual({ unusedKeys: ['other.memory', 'extra'] });
    expect(composite.memory?.get(0)?.getMemory()).toEqual([
      createAgentMessage({ content: 'outer' }),
    ]);
    expect(composite.agent.memory?.get(0)?.getMemory()).toEqual([]);
  });

  it('throws ValidationError for an invalid message and leaves every memory unchanged', () => {
    const composite = new Composite();
    composite.updateMemory(createAgentMessage({ content: 'outer kept' }), 0);
    composite.agent.updateMemory(createAgentMessage({ content: 'inner kept' }), 0);

    const load = () =>
      composite.loadStateDict({
        memory: [{ content: 'would replace' }],
        'agent.memory': [{ content: 'fine' }, { content: 'bad', sender: 42 }],
      });

    expect(load).toThrow(ValidationError);
    expect(load).toThrow(/state_dict\["agent\.memory"\]\[1\]/);
    expect(contents(composite.memory?.get(0)?.getMemory())).toEqual(['outer kept']);
    expect(contents(composite.agent.memory?.get(0)?.getMemory())).toEqual(['inner kept']);
  });

  it("loads Lagent's Python dump (extra_info, stream_state)", () => {
    const agent = new Agent();
    const pythonDump = {
      memory: [
        {
          content: '今天天气情况',
          sender: 'user',
          formatted: null,
          extra_info: null,
          type: null,
          receiver: null,
          stream_state: 0,
        },
        {
          content: '急',
          sender: 'Agent',
          formatted: null,
          extra_info: { tokens: 1 },
          type: null,
          receiver: null,
          stream_state: 0,
        },
      ],
    };

    agent.loadStateDict(pythonDump);

    expect(agent.stateDict()).toEqual({
      memory: [
        createAgentMessage({ sender: 'user', content: '今天天气情况' }),
        createAgentMessage({ sender: 'Agent', content: '急', extraInfo: { tokens: 1 } }),
      ],
    });
  });

  it('treats a null entry as an empty memory and replaces what the session held', () => {
    const agent = new Agent();
    agent.updateMemory(createAgentMessage({ content: 'old' }), 0);

    agent.loadStateDict({ memory: null });

    expect(agent.memory?.get(0)?.getMemory()).toEqual([]);
  });
});

describe('reset', () => {
  const filled = () => {
    const nested = new Nested();
    const note = createAgentMessage({ content: 'note' });
    nested.updateMemory(note, 0);
    nested.a.updateMemory(note, 0);
    nested.lst.at(0)?.updateMemory(note, 0);
    nested.lst.at(1)?.updateMemory(note, 0);
    nested.dct.get('k')?.updateMemory(note, 0);
    nested.updateMemory(note, 1);
    return nested;
  };
  const filledKeys = (nested: Nested, sessionId = 0) =>
    Object.entries(nested.stateDict({ sessionId }))
      .filter(([, messages]) => messages.length > 0)
      .map(([key]) => key);

  it('forgets only the root memory by default', () => {
    const nested = filled();

    nested.reset();

    expect(filledKeys(nested)).toEqual([
      'a.memory',
      'lst.0.memory',
      'lst.1.memory',
      'dct.k.memory',
    ]);
    expect(nested.memory?.get(0)).toBeUndefined();
    expect(filledKeys(nested, 1)).toEqual(['memory']);
  });

  it('forgets one sub-agent with keypath', () => {
    const nested = filled();

    nested.reset({ keypath: 'lst.1' });

    expect(filledKeys(nested)).toEqual(['memory', 'a.memory', 'lst.0.memory', 'dct.k.memory']);
  });

  it('forgets the whole tree with recursive, for that session only', () => {
    const nested = filled();

    nested.reset({ recursive: true });

    expect(filledKeys(nested)).toEqual([]);
    expect(filledKeys(nested, 1)).toEqual(['memory']);
  });

  it('forgets another session when given its id', () => {
    const nested = filled();

    nested.reset({ sessionId: 1 });

    expect(filledKeys(nested, 1)).toEqual([]);
    expect(filledKeys(nested)).toHaveLength(5);
  });

  it('throws for keypath with recursive, and for an unknown keypath', () => {
    const nested = filled();

    expect(() => nested.reset({ keypath: 'a', recursive: true })).toThrow(InvalidArgumentError);
    expect(() => nested.reset({ keypath: 'lst.7' })).toThrow(
      'No sub-agent at "lst.7" (stopped at "7")',
    );
    expect(filledKeys(nested)).toHaveLength(5);
  });
});

describe('toString', () => {
  it('prints a leaf agent as its class and name', () => {
    expect(new Agent({ name: 'solo' }).toString()).toBe("Agent(name='solo')");
  });

  it('prints a composite agent as a tree', () => {
    expect(new Composite().toString()).toBe(
      "Composite(name='Composite')(\n  (agent): Agent(name='Agent')\n)",
    );
  });

  it('indents nested containers', () => {
    expect(String(new Nested())).toBe(
      [
        "Nested(name='Nested')(",
        "  (a): Agent(name='Agent')",
        "  (lst): AgentList(name='AgentList')(",
        "    (0): Agent(name='Agent')",
        "    (1): Agent(name='Agent')",
        '  )',
        "  (dct): AgentDict(name='AgentDict')(",
        "    (k): Agent(name='Agent')",
        '  )',
        ')',
      ].join('\n'),
    );
  });
});
