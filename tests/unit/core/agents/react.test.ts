// ReAct on a scripted model and a local tool: its prompt, its JSON action format, the loop,
// the state_dict keys and streaming.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import type { AgentMessage, AgentStreamEvent } from '../../../../core/index.ts';
import {
  AgentStatusCode,
  defineTool,
  OutputParseError,
  ReAct,
  REACT_OUTPUT_FORMAT_TEMPLATE,
} from '../../../../core/index.ts';
import { FakeChatModel } from '../../../fakes/fake-chat-model.ts';

const CALL =
  '{"thought_process": "I need the sum.", "action": {"name": "Calc", "parameters": {"a": 2, "b": 3}}}';
const FINISH = '{"thought_process": "The tool said 5.", "conclusion": "2 + 3 = 5"}';

const calc = defineTool({
  name: 'Calc',
  description: 'Adds two numbers.',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => a + b,
});

describe('ReAct', () => {
  it('calls the tool from a JSON action, feeds the result back as a user turn, and concludes', async () => {
    const llm = new FakeChatModel({ replies: [CALL, FINISH] });
    const agent = new ReAct({ llm, actions: [calc] });

    const answer = await agent.call('What is 2 + 3?');

    expect(answer.formatted).toEqual({
      thought_process: 'The tool said 5.',
      conclusion: '2 + 3 = 5',
    });
    expect(answer.sender).toBe('Agent');
    const [system, ...rest] = llm.requests[1]?.messages ?? [];
    // The system prompt holds the executor's description as JSON and both reply formats.
    expect(system?.role).toBe('system');
    expect(system?.content).toContain(
      '{"name": "Calc", "description": "Adds two numbers.", "parameters": [',
    );
    expect(system?.content).toContain('"thought_process": "str",  // required');
    expect(system?.content).toContain('"conclusion": "str",  // required');
    expect(system?.content).toContain(REACT_OUTPUT_FORMAT_TEMPLATE.split('\n')[0]);
    expect(rest).toEqual([
      { role: 'user', content: 'What is 2 + 3?' },
      { role: 'assistant', content: CALL },
      { role: 'user', content: '5' },
    ]);
    // Lagent's state-dict keys, although the property is `selectAgent`.
    expect(Object.keys(agent.stateDict())).toEqual(['memory', 'select_agent.memory']);
    expect(agent.stateDict()['select_agent.memory']?.map((m) => m.sender)).toEqual([
      'user',
      'Agent',
      'ActionExecutor',
      'Agent',
    ]);
    const restored = new ReAct({ llm, actions: [calc] });
    restored.loadStateDict(agent.stateDict());
    expect(restored.stateDict()).toEqual(agent.stateDict());
  });

  it('an unknown tool comes back to the model as the executor errmsg, and the loop goes on', async () => {
    const wrong = '{"thought_process": "t", "action": {"name": "Nope", "parameters": {}}}';
    const llm = new FakeChatModel({ replies: [wrong, FINISH] });
    const agent = new ReAct({ llm, actions: [calc] });

    await agent.call('q');

    expect(llm.requests[1]?.messages.at(-1)).toEqual({
      role: 'user',
      content:
        'The action is invalid, please check the action name. No action is named "Nope"; the actions are: Calc.',
    });
  });

  it('stops after maxTurn turns; a reply that is not JSON is an OutputParseError', async () => {
    const looping = new ReAct({
      llm: new FakeChatModel({ replies: () => CALL }),
      actions: [calc],
      maxTurn: 2,
    });
    const last = await looping.call('q');
    expect(last.sender).toBe('ActionExecutor');
    expect(last.content).toBe('5');

    const prose = new ReAct({
      llm: new FakeChatModel({ replies: ['just prose'] }),
      actions: [calc],
    });
    await expect(prose.call('q')).rejects.toThrow(OutputParseError);
  });

  it('streams: model text, the call step, the tool step, the conclusion', async () => {
    const llm = new FakeChatModel({
      replies: [CALL, FINISH],
      streaming: true,
      split: (text) => [text],
    });
    const agent = new ReAct({ llm, actions: [calc] });
    const events: AgentStreamEvent[] = [];
    const stream = agent.stream('What is 2 + 3?');
    let result: AgentMessage | undefined;
    for (;;) {
      const step = await stream.next();
      if (step.done) {
        result = step.value;
        break;
      }
      events.push(step.value);
    }
    expect(
      events.map((event) =>
        event.type === 'message-delta'
          ? ['delta']
          : [event.type, event.message.sender, event.message.streamState],
      ),
    ).toEqual([
      ['delta'],
      ['step', 'Agent', AgentStatusCode.END],
      ['step', 'ActionExecutor', AgentStatusCode.PLUGIN_RETURN],
      ['delta'],
      ['step', 'Agent', AgentStatusCode.END],
      ['message-end', 'Agent', AgentStatusCode.END],
    ]);
    expect(result?.content).toBe(FINISH);
  });
});
