// The seed's "Flexible Response Formatting" example: a ToolParser reads the code block out of
// the reply, after the server stopped at the end tag added to the stop words.
import { expect } from 'vitest';
import { Agent, ToolParser, ToolStatusCode } from '../../../core/index.ts';
import { SEED_TOOL_PARSER } from '../../../workers/model-replay/seed-recordings.ts';
import { test } from '../../support/model-server-fixture.ts';

const endTag = '\n```\n';

test('ToolParser turns the seed reply into the seed formatted dict', async ({
  server,
  createModel,
}) => {
  // The model went on after the code; a real server stops at the stop word and drops it.
  server.enqueue({ content: `${SEED_TOOL_PARSER.reply}${endTag}The product is 3969.` });
  const parser = new ToolParser({
    toolType: 'code interpreter',
    begin: '```python\n',
    end: endTag,
  });
  const llm = createModel({ stopWords: ['<|im_end|>'] });
  const agent = new Agent({
    llm,
    template: SEED_TOOL_PARSER.systemPrompt,
    outputFormat: parser,
  });

  const reply = await agent.call(SEED_TOOL_PARSER.user, {
    stopWords: [...llm.genParams.stopWords, endTag],
  });

  expect(server.requests[0]?.body.stop).toEqual(['<|im_end|>', endTag]);
  expect(reply.content).toBe(SEED_TOOL_PARSER.reply);
  expect(reply.formatted).toEqual(SEED_TOOL_PARSER.formatted);
  expect(reply.formatted).toMatchObject({ status: ToolStatusCode.VALID_TOOL });
});

test('a server that ignores stop gives the same reply: stop words are also cut client-side', async ({
  server,
  createModel,
}) => {
  server.enqueue({
    content: `${SEED_TOOL_PARSER.reply}${endTag}The product is 3969.`,
    honourStop: false,
  });
  const agent = new Agent({
    llm: createModel({ stopWords: [endTag] }),
    outputFormat: new ToolParser({
      toolType: 'code interpreter',
      begin: '```python\n',
      end: endTag,
    }),
  });

  const reply = await agent.call(SEED_TOOL_PARSER.user);

  expect(reply.content).toBe(SEED_TOOL_PARSER.reply);
  expect(reply.formatted).toEqual(SEED_TOOL_PARSER.formatted);
});
