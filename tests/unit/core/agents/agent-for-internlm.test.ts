// AgentForInternLM and MathCoder on a scripted model and local tools: the loop, the
// messages the model sees (as Lagent builds them), get_steps, state_dict keys and streaming.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import type { AgentStreamEvent, AgentMessage } from '../../../../core/index.ts';
import {
  AgentForInternLM,
  AgentNotConfiguredError,
  AgentStatusCode,
  defineTool,
  INTERNLM_INTERPRETER_PROMPT,
  INTERNLM_META_PROMPT,
  MathCoder,
  ToolStatusCode,
} from '../../../../core/index.ts';
import { FakeChatModel } from '../../../fakes/fake-chat-model.ts';

const CODE_CALL =
  'Let me compute.<|action_start|><|interpreter|>\n```python\n1+1\n```<|action_end|>\n';
const PLUGIN_CALL =
  'I will add.<|action_start|><|plugin|>\n{"name": "Calc", "parameters": {"a": 2, "b": 3}}<|action_end|>\n';

function tools() {
  const ran: string[] = [];
  const closed: unknown[] = [];
  const interpreter = defineTool({
    name: 'Interpreter',
    description: 'Runs Python.',
    parameters: z.object({ command: z.string() }),
    execute: ({ command }) => {
      ran.push(command);
      return `ECHO:${command}`;
    },
  });
  Object.assign(interpreter, {
    closeSession: (sessionId: unknown) => {
      closed.push(sessionId);
      return Promise.resolve();
    },
  });
  const calc = defineTool({
    name: 'Calc',
    description: 'Adds two numbers.',
    parameters: z.object({ a: z.number(), b: z.number() }),
    execute: ({ a, b }) => a + b,
  });
  return { interpreter, calc, ran, closed };
}

async function collect(stream: AsyncGenerator<AgentStreamEvent, AgentMessage>) {
  const events: AgentStreamEvent[] = [];
  for (;;) {
    const step = await stream.next();
    if (step.done) return { events, result: step.value };
    events.push(step.value);
  }
}

describe('AgentForInternLM', () => {
  it('runs code on the interpreter executor and shows the model what Lagent shows it', async () => {
    const { interpreter, calc, ran } = tools();
    const llm = new FakeChatModel({ replies: [CODE_CALL, 'The answer is 2.'] });
    const agent = new AgentForInternLM({ llm, plugins: [calc], interpreter });

    const answer = await agent.call('What is 1+1?', { sessionId: 3 });

    expect(answer.content).toBe('The answer is 2.');
    expect(answer.sender).toBe('Agent');
    expect(ran).toEqual(['```python\n1+1\n```']);
    const second = llm.requests[1]?.messages ?? [];
    expect(second.map(({ role, name }) => [role, name])).toEqual([
      ['system', undefined],
      ['system', 'plugin'],
      ['system', 'interpreter'],
      ['user', undefined],
      ['assistant', undefined],
      ['environment', 'interpreter'],
    ]);
    expect(second[0]?.content).toBe(INTERNLM_META_PROMPT);
    // The plugin instruction lists the plugins, each API with Lagent's API_PREFIX.
    expect(second[1]?.content).toContain('"name": "Calc"');
    expect(second[2]?.content).toBe(INTERNLM_INTERPRETER_PROMPT);
    expect(second[4]?.content).toBe(CODE_CALL);
    expect(second[5]).toEqual({
      role: 'environment',
      content: 'ECHO:```python\n1+1\n```',
      name: 'interpreter',
    });
    expect(Object.keys(agent.stateDict({ sessionId: 3 }))).toEqual(['memory', 'agent.memory']);
    expect(agent.stateDict({ sessionId: 3 })['memory']?.map((m) => m.sender)).toEqual([
      'user',
      'Agent',
    ]);
  });

  it('sends plugin calls to the plugin executor; get_steps lists the trajectory', async () => {
    const { calc } = tools();
    const llm = new FakeChatModel({ replies: [PLUGIN_CALL, 'It is 5.'] });
    const agent = new AgentForInternLM({ llm, plugins: [calc] });

    await agent.call('2+3?');

    expect(llm.requests[1]?.messages.at(-1)).toEqual({
      role: 'environment',
      content: '5',
      name: 'plugin',
    });
    expect(agent.getSteps()).toEqual([
      { role: 'language', content: 'I will add.' },
      { role: 'tool', content: { name: 'Calc', parameters: { a: 2, b: 3 } }, name: 'plugin' },
      { role: 'environment', content: '5', name: 'plugin' },
      { role: 'language', content: 'It is 5.' },
    ]);
  });

  it('stops after maxTurn model turns and returns the last message (a tool result)', async () => {
    const { interpreter } = tools();
    const llm = new FakeChatModel({ replies: () => CODE_CALL });
    const agent = new AgentForInternLM({ llm, interpreter, maxTurn: 2 });

    const last = await agent.call('loop');

    expect(llm.requests).toHaveLength(2);
    expect(last.sender).toBe('ActionExecutor');
    expect(last.content).toBe('ECHO:```python\n1+1\n```');
  });

  it('a call of a tool type without an executor throws AgentNotConfiguredError', async () => {
    const llm = new FakeChatModel({ replies: () => CODE_CALL });
    const agent = new AgentForInternLM({ llm, plugins: [tools().calc] });
    const failure = await agent.call('x').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AgentNotConfiguredError);
    expect((failure as Error).message).toBe('No available interpreter executor');
  });

  it('streams the model text, then each step: the call, the tool result, the answer', async () => {
    const { interpreter } = tools();
    const llm = new FakeChatModel({
      replies: [CODE_CALL, 'Two.'],
      streaming: true,
      split: (text) => [text.slice(0, 5), text.slice(5)],
    });
    const agent = new AgentForInternLM({ llm, interpreter });

    const { events, result } = await collect(agent.stream('1+1?'));

    const kinds = events.map((event) =>
      event.type === 'message-delta'
        ? ['delta', event.delta]
        : [event.type, event.message.sender, event.message.streamState],
    );
    expect(kinds).toEqual([
      ['delta', CODE_CALL.slice(0, 5)],
      ['delta', CODE_CALL.slice(5)],
      ['step', 'Agent', AgentStatusCode.END],
      ['step', 'ActionExecutor', AgentStatusCode.CODE_RETURN],
      ['delta', 'Two.'],
      ['step', 'Agent', AgentStatusCode.END],
      ['message-end', 'Agent', AgentStatusCode.END],
    ]);
    expect(result.content).toBe('Two.');
    expect((result.formatted as { status: number }).status).toBe(ToolStatusCode.NO_TOOL);
  });
});

describe('MathCoder', () => {
  it('uses only the interpreter, answers in \\boxed{}, and closes the session after the call', async () => {
    const { interpreter, closed } = tools();
    const llm = new FakeChatModel({
      replies: [CODE_CALL, 'So the result is \\boxed{2}.'],
    });
    const coder = new MathCoder({ llm, interpreter });

    const answer = await coder.call('Compute 1+1.', { sessionId: 'p1' });

    expect(answer.content).toBe('So the result is \\boxed{2}.');
    expect(coder.maxTurn).toBe(6);
    expect(coder.pluginExecutor).toBeUndefined();
    const first = llm.requests[0]?.messages ?? [];
    expect(first[0]).toMatchObject({ role: 'system', name: 'interpreter' });
    expect(first[0]?.content).toContain("'\\boxed{}'");
    expect(closed).toEqual(['p1']);
  });

  it('streams its steps too, and closes the session when the stream ends', async () => {
    const { interpreter, closed } = tools();
    const llm = new FakeChatModel({
      replies: [CODE_CALL, '\\boxed{2}'],
      streaming: true,
      split: (text) => [text],
    });
    const coder = new MathCoder({ llm, interpreter });

    const { events, result } = await collect(coder.stream('1+1?', { sessionId: 's' }));

    expect(result.content).toBe('\\boxed{2}');
    expect(
      events.flatMap((event) =>
        event.type === 'step' ? [[event.message.sender, event.message.streamState]] : [],
      ),
    ).toEqual([
      ['Agent', AgentStatusCode.END],
      ['ActionExecutor', AgentStatusCode.CODE_RETURN],
      ['Agent', AgentStatusCode.END],
    ]);
    expect(closed).toEqual(['s']);
  });
});
