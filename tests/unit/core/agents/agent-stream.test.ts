import { describe, expect, it } from 'vitest';
import type { AgentForwardOptions } from '../../../../core/agents/agent.ts';
import { Agent } from '../../../../core/agents/agent.ts';
import type { AgentStreamEvent } from '../../../../core/agents/agent-stream-event.ts';
import { Sequential } from '../../../../core/agents/sequential.ts';
import { parseJson } from '../../../../core/internal/json.ts';
import type { AgentMessage } from '../../../../core/schema/agent-message.ts';
import { createAgentMessage } from '../../../../core/schema/agent-message.ts';
import { AgentStatusCode } from '../../../../core/schema/status-codes.ts';
import { FakeChatModel } from '../../../fakes/fake-chat-model.ts';

async function collect(
  stream: AsyncGenerator<AgentStreamEvent, AgentMessage>,
): Promise<{ events: AgentStreamEvent[]; result: AgentMessage }> {
  const events: AgentStreamEvent[] = [];
  for (;;) {
    const step = await stream.next();
    if (step.done) return { events, result: step.value };
    events.push(step.value);
  }
}

/** Each event as [type, sender, content, streamState] (plus the delta for deltas). */
const summary = (events: readonly AgentStreamEvent[]) =>
  events.map((event) =>
    event.type === 'message-delta'
      ? [
          event.type,
          event.delta,
          event.message.sender,
          event.message.content,
          event.message.streamState,
        ]
      : [event.type, event.message.sender, event.message.content, event.message.streamState],
  );

describe('Agent.stream', () => {
  it('yields cumulative message-delta events, then one message-end after the hooks', async () => {
    const llm = new FakeChatModel({
      replies: ['Hello there'],
      streaming: true,
      split: () => ['Hel', 'lo', ' there'],
    });
    const agent = new Agent({
      llm,
      hooks: [{ afterAgent: (_agent, reply) => ({ ...reply, extraInfo: 'after hook' }) }],
    });

    const { events, result } = await collect(agent.stream('hi', { temperature: 0 }));

    expect(summary(events)).toEqual([
      ['message-delta', 'Hel', 'Agent', 'Hel', AgentStatusCode.STREAM_ING],
      ['message-delta', 'lo', 'Agent', 'Hello', AgentStatusCode.STREAM_ING],
      ['message-delta', ' there', 'Agent', 'Hello there', AgentStatusCode.STREAM_ING],
      ['message-end', 'Agent', 'Hello there', AgentStatusCode.END],
    ]);
    expect(events.at(-1)?.message.extraInfo).toBe('after hook');
    expect(result).toEqual(events.at(-1)?.message);
    expect(llm.methods).toEqual(['streamChat']);
    expect(llm.lastRequest).toEqual({
      messages: [{ role: 'user', content: 'hi' }],
      sessionId: 0,
      temperature: 0,
    });
  });

  it('stores only the final message in memory', async () => {
    const agent = new Agent({ llm: new FakeChatModel({ replies: ['abc'], streaming: true }) });

    const { events } = await collect(agent.stream('hi', { sessionId: 2 }));

    expect(events).toHaveLength(4);
    expect(agent.memory?.getMemory({ sessionId: 2 })).toEqual([
      createAgentMessage({ sender: 'user', content: 'hi' }),
      createAgentMessage({ sender: 'Agent', content: 'abc', streamState: AgentStatusCode.END }),
    ]);
  });

  it('parses each partial reply with the outputFormat, null while it cannot', async () => {
    const agent = new Agent({
      llm: new FakeChatModel({
        replies: ['{"a": 1}'],
        streaming: true,
        split: () => ['{"a"', ': 1}'],
      }),
      outputFormat: {
        formatInstruction: () => '',
        parseResponse: (text) => parseJson(text),
        formatResponse: (parsed) => JSON.stringify(parsed),
      },
    });

    const { events } = await collect(agent.stream('hi'));

    expect(events.map((event) => event.message.formatted)).toEqual([null, { a: 1 }, { a: 1 }]);
  });

  it('streams just the end when forward is overridden', async () => {
    class Echo extends Agent {
      override forward(messages: AgentMessage[], _options: AgentForwardOptions) {
        return Promise.resolve(`echo: ${String(messages[0]?.content)}`);
      }
    }
    const agent = new Echo({ llm: new FakeChatModel({ replies: [], streaming: true }) });

    const { events, result } = await collect(agent.stream('hi'));

    expect(summary(events)).toEqual([['message-end', 'Echo', 'echo: hi', AgentStatusCode.END]]);
    expect(result.content).toBe('echo: hi');
  });

  it('streams just the end when the model cannot stream', async () => {
    const llm = new FakeChatModel({ replies: ['whole'] });

    const { events } = await collect(new Agent({ llm }).stream('hi'));

    expect(summary(events)).toEqual([['message-end', 'Agent', 'whole', AgentStatusCode.END]]);
    expect(llm.methods).toEqual(['chat']);
  });
});

describe('Sequential.stream', () => {
  it("streams every inner agent's deltas and one end", async () => {
    const a = new Agent({
      name: 'a',
      llm: new FakeChatModel({ replies: ['a1'], streaming: true }),
    });
    const bLlm = new FakeChatModel({ replies: ['b1'], streaming: true });
    const b = new Agent({ name: 'b', llm: bLlm });
    const sequential = new Sequential({ agents: [a, b] });

    const { events, result } = await collect(sequential.stream('start'));

    expect(summary(events)).toEqual([
      ['message-delta', 'a', 'a', 'a', AgentStatusCode.STREAM_ING],
      ['message-delta', '1', 'a', 'a1', AgentStatusCode.STREAM_ING],
      ['message-delta', 'b', 'b', 'b', AgentStatusCode.STREAM_ING],
      ['message-delta', '1', 'b', 'b1', AgentStatusCode.STREAM_ING],
      ['message-end', 'b', 'b1', AgentStatusCode.END],
    ]);
    expect(result).toEqual(createAgentMessage({ sender: 'b', content: 'b1' }));
    expect(bLlm.lastRequest.messages).toEqual([{ role: 'user', content: 'a1' }]);
    expect(sequential.memory?.getMemory().map((item) => item.content)).toEqual(['start', 'b1']);
    expect(a.memory?.getMemory().map((item) => item.content)).toEqual(['start', 'a1']);
  });
});
