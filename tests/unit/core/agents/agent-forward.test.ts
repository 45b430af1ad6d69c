import { describe, expect, it } from 'vitest';
import { Agent } from '../../../../core/agents/agent.ts';
import { AgentNotConfiguredError } from '../../../../core/errors/agent-errors.ts';
import type { OpenAIToolDefinition } from '../../../../core/llms/chat-model.ts';
import type { OutputParser } from '../../../../core/parsers/output-parser.ts';
import { createAgentMessage } from '../../../../core/schema/agent-message.ts';
import { ToolStatusCode } from '../../../../core/schema/status-codes.ts';
import { FakeChatModel } from '../../../fakes/fake-chat-model.ts';

/** Splits the reply into words; enough to see that `formatted` comes from the parser. */
const wordsParser: OutputParser<{ words: string[] }> = {
  formatInstruction: () => 'Answer in words.',
  parseResponse: (text) => ({ words: text.split(' ') }),
  formatResponse: (parsed) => parsed.words.join(' '),
};

const searchTool: OpenAIToolDefinition = {
  type: 'function',
  function: {
    name: 'search',
    description: 'Searches the web.',
    parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
  },
};

describe('Agent.forward (the default one)', () => {
  it('passes per-call generation overrides to the model request, and nothing else', async () => {
    const llm = new FakeChatModel({ replies: ['ok'] });
    const agent = new Agent({ llm });

    await agent.call('hi', {
      sessionId: 7,
      stopWords: ['<|im_end|>', '<|action_end|>'],
      temperature: 0,
      maxNewTokens: 64,
    });

    expect(llm.lastRequest).toEqual({
      messages: [{ role: 'user', content: 'hi' }],
      sessionId: 7,
      stopWords: ['<|im_end|>', '<|action_end|>'],
      temperature: 0,
      maxNewTokens: 64,
    });
  });

  it('sends no generation parameters when the call gives none', async () => {
    const llm = new FakeChatModel({ replies: ['ok'] });

    await new Agent({ llm }).call('hi');

    expect(Object.keys(llm.lastRequest).sort()).toEqual(['messages', 'sessionId']);
  });

  it('passes the caller signal to the model', async () => {
    const llm = new FakeChatModel({ replies: ['ok'] });
    const controller = new AbortController();

    await new Agent({ llm }).call('hi', { signal: controller.signal });

    expect(llm.lastRequest.signal).toBe(controller.signal);
  });

  it('throws AgentNotConfiguredError when the agent has no llm', async () => {
    const agent = new Agent({ name: 'lonely' });

    const call = agent.call('hi');

    await expect(call).rejects.toBeInstanceOf(AgentNotConfiguredError);
    await expect(agent.call('again')).rejects.toMatchObject({
      code: 'AGENT_NOT_CONFIGURED',
      message: 'Agent "lonely" has no llm: pass one, or override forward()',
    });
  });

  it('fills formatted from the outputFormat', async () => {
    const agent = new Agent({
      llm: new FakeChatModel({ replies: ['two words'] }),
      outputFormat: wordsParser,
    });

    const reply = await agent.call('hi');

    expect(reply).toEqual(
      createAgentMessage({
        sender: 'Agent',
        content: 'two words',
        formatted: { words: ['two', 'words'] },
      }),
    );
    expect(agent.memory?.getMemory()[1]?.formatted).toEqual({ words: ['two', 'words'] });
  });

  it('offers its tools and puts native tool calls into formatted with toolType "function"', async () => {
    const toolCalls = [
      { id: 'call_1', name: 'search', parameters: { q: 'weather' } },
      { id: 'call_2', name: 'search', parameters: '{"q": "news"}' },
    ];
    const llm = new FakeChatModel({ replies: [{ content: 'Let me search.', toolCalls }] });
    const agent = new Agent({ llm, tools: [searchTool], outputFormat: wordsParser });

    const reply = await agent.call('weather?');

    expect(llm.lastRequest.tools).toEqual([searchTool]);
    expect(reply).toEqual(
      createAgentMessage({
        sender: 'Agent',
        content: 'Let me search.',
        formatted: {
          toolType: 'function',
          thought: 'Let me search.',
          action: toolCalls,
          status: ToolStatusCode.VALID_TOOL,
        },
      }),
    );
  });

  it('sends no tools field when the agent has an empty tool list', async () => {
    const llm = new FakeChatModel({ replies: ['ok'] });

    await new Agent({ llm, tools: [] }).call('hi');

    expect('tools' in llm.lastRequest).toBe(false);
  });

  it('sends a system prompt given as chat messages, without changing the template', async () => {
    const llm = new FakeChatModel({ replies: ['ok'] });
    const template = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Example question' },
    ];

    await new Agent({ llm, template }).call('hi');

    expect(llm.lastRequest.messages).toEqual([
      { role: 'system', content: 'You are terse.' },
      // Lagent's DefaultAggregator appends a user turn to a preceding user message.
      { role: 'user', content: 'Example questionhi' },
    ]);
    expect(template[1]).toEqual({ role: 'user', content: 'Example question' });
  });
});
