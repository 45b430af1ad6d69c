// Lagent's built-in agents end to end: a scripted model on 127.0.0.1 through the real openai
// client, code run by IPythonInteractive in the Docker sandbox, web search answered by a Bing
// stand-in on 127.0.0.1. Each transcript is checked turn by turn, as the model received it.
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { AgentMessage, AgentStreamEvent } from '../../../core/index.ts';
import {
  AgentForInternLM,
  AgentStatusCode,
  CompletionModel,
  INTERNLM2_META,
  INTERNLM_INTERPRETER_PROMPT,
  INTERNLM_META_PROMPT,
  MATH_CODER_PROMPT,
  MathCoder,
  ReAct,
} from '../../../core/index.ts';
import type { DockerSandboxProvider } from '../../../sandboxes/docker/index.ts';
import { IPythonInteractive, WebBrowser } from '../../../tools/index.ts';
import {
  DATA_VISUALIZER_BING_ANSWER,
  DATA_VISUALIZER_SEARCH_QUERY,
} from '../../../workers/model-replay/data-visualizer-recordings.ts';
import type { RecordedSearchServer } from '../../../workers/model-replay/recorded-search-server.ts';
import {
  RECORDED_SEARCH_API_KEY,
  startRecordedSearchServer,
} from '../../../workers/model-replay/recorded-search-server.ts';
import { startTestProvider } from '../../support/docker-sandbox-fixture.ts';
import { test } from '../../support/model-server-fixture.ts';

const STOP_WORDS = ['<|action_end|>', '<|im_end|>'];
const CODE_BEGIN = '<|action_start|><|interpreter|>\n';
const PLUGIN_BEGIN = '<|action_start|><|plugin|>\n';
const ACTION_END = '<|action_end|>\n';

let provider: DockerSandboxProvider;
let search: RecordedSearchServer;
beforeAll(async () => {
  provider = await startTestProvider({ poolSize: 0 });
  search = await startRecordedSearchServer({ answer: DATA_VISUALIZER_BING_ANSWER });
});
afterAll(async () => {
  await provider?.close();
  await search?.close();
});

const browser = () =>
  new WebBrowser({
    searcher: { type: 'BingSearch', apiKey: RECORDED_SEARCH_API_KEY, baseUrl: search.url },
  });

describe('MathCoder', () => {
  test('reasons, runs its code in the sandbox, reads the output and answers in \\boxed{}', async ({
    server,
    createModel,
  }) => {
    const code = '```python\nimport math\nprint(math.comb(10, 3))\n```';
    const first = `Choose 3 of 10.${CODE_BEGIN}${code}`;
    server.enqueue({ content: first }, { content: 'There are \\boxed{120} ways.' });
    const interpreter = new IPythonInteractive({ sandboxes: provider });
    const coder = new MathCoder({ llm: createModel({ stopWords: STOP_WORDS }), interpreter });
    try {
      const answer = await coder.call('In how many ways can 3 of 10 people be chosen?', {
        sessionId: 'm1',
      });

      expect(answer.content).toBe('There are \\boxed{120} ways.');
      const [turn1, turn2] = server.requests.map((request) => request.body.messages);
      expect(turn1).toEqual([
        { role: 'system', content: MATH_CODER_PROMPT.replace('{{}}', '{}'), name: 'interpreter' },
        { role: 'user', content: 'In how many ways can 3 of 10 people be chosen?' },
      ]);
      expect(turn2?.slice(2)).toEqual([
        { role: 'assistant', content: `${first}${ACTION_END}` },
        { role: 'system', content: '120', name: 'interpreter' },
      ]);
      expect(coder.getSteps({ sessionId: 'm1' })).toEqual([
        { role: 'language', content: 'Choose 3 of 10.' },
        { role: 'tool', content: code, name: 'interpreter' },
        { role: 'environment', content: '120', name: 'interpreter' },
        { role: 'language', content: 'There are \\boxed{120} ways.' },
      ]);
    } finally {
      await interpreter.dispose();
    }
  });
});

describe('MathCoder on a text-completion model with INTERNLM2_META', () => {
  test("the seed's VllmModel(meta_template=...) style: the prompt is InternLM2's, turn by turn", async ({
    server,
  }) => {
    const code = '```python\nprint(2 ** 10)\n```';
    const first = `Compute it.${CODE_BEGIN}${code}`;
    server.enqueue({ content: first }, { content: '\\boxed{1024}' });
    const interpreter = new IPythonInteractive({ sandboxes: provider });
    const llm = new CompletionModel({
      model: 'scripted-model',
      baseURL: server.baseURL,
      apiKey: 'test',
      maxRetries: 0,
      metaTemplate: INTERNLM2_META,
      stopWords: STOP_WORDS,
    });
    const coder = new MathCoder({ llm, interpreter });
    try {
      const answer = await coder.call('What is 2 to the 10th?');

      expect(answer.content).toBe('\\boxed{1024}');
      expect(server.requests.map((request) => request.endpoint)).toEqual([
        'completion',
        'completion',
      ]);
      const instruction = MATH_CODER_PROMPT.replace('{{}}', '{}');
      const opening =
        `<|im_start|>system name=<|interpreter|>\n${instruction}<|im_end|>\n` +
        '<|im_start|>user\nWhat is 2 to the 10th?<|im_end|>\n';
      expect(server.requests[0]?.prompt).toBe(`${opening}<|im_start|>assistant\n`);
      expect(server.requests[1]?.prompt).toBe(
        opening +
          `<|im_start|>assistant\n${first}${ACTION_END}<|im_end|>\n` +
          '<|im_start|>environment name=<|interpreter|>\n1024<|im_end|>\n' +
          '<|im_start|>assistant\n',
      );
      expect(server.requests[0]?.body.stop).toEqual(STOP_WORDS);
    } finally {
      await interpreter.dispose();
    }
  });
});

describe('AgentForInternLM', () => {
  test('streams a plugin call, a code run and the answer, step by step', async ({
    server,
    createModel,
  }) => {
    const pluginCall = `Let me search.${PLUGIN_BEGIN}{"name": "WebBrowser.search", "parameters": {"query": "${DATA_VISUALIZER_SEARCH_QUERY}"}}`;
    const codeCall = `Now the growth.${CODE_BEGIN}\`\`\`python\nprint(round(17.79 / 14.28 - 1, 4))\n\`\`\``;
    const final = 'From 2019 to 2023 it grew by about 24.6%.';
    server.enqueue(
      { content: pluginCall, chunkChars: 16 },
      { content: codeCall, chunkChars: 16 },
      { content: final, chunkChars: 16 },
    );
    const interpreter = new IPythonInteractive({ sandboxes: provider });
    const agent = new AgentForInternLM({
      llm: createModel({ stopWords: STOP_WORDS }),
      plugins: [browser()],
      interpreter,
    });
    try {
      const events: AgentStreamEvent[] = [];
      const stream = agent.stream('How much did GDP grow from 2019 to 2023?', { sessionId: 4 });
      let result: AgentMessage | undefined;
      for (;;) {
        const step = await stream.next();
        if (step.done) {
          result = step.value;
          break;
        }
        events.push(step.value);
      }

      expect(result?.content).toBe(final);
      // Deltas add up to each model turn; the steps come in the loop's order.
      const steps = events.filter((event) => event.type !== 'message-delta');
      expect(
        steps.map((event) => [event.type, event.message.sender, event.message.streamState]),
      ).toEqual([
        ['step', 'Agent', AgentStatusCode.END],
        ['step', 'ActionExecutor', AgentStatusCode.PLUGIN_RETURN],
        ['step', 'Agent', AgentStatusCode.END],
        ['step', 'ActionExecutor', AgentStatusCode.CODE_RETURN],
        ['step', 'Agent', AgentStatusCode.END],
        ['message-end', 'Agent', AgentStatusCode.END],
      ]);
      const deltas = events.flatMap((event) =>
        event.type === 'message-delta' ? [event.delta] : [],
      );
      expect(deltas.join('')).toBe(pluginCall + codeCall + final);
      expect(server.requests.every((request) => request.body.stream === true)).toBe(true);

      const [turn1, turn2, turn3] = server.requests.map((request) => request.body.messages);
      // META, plugin and interpreter instructions: three system messages, sent as one.
      const system = turn1?.[0]?.content as string;
      expect(system.startsWith(`${INTERNLM_META_PROMPT}\nYou can use these tools:\n[`)).toBe(true);
      expect(system).toContain(
        `"description": "This is the subfunction for tool 'WebBrowser', you can use this tool. The description of this function is: \\nSearches the web.`,
      );
      expect(system.endsWith(`\n${INTERNLM_INTERPRETER_PROMPT}`)).toBe(true);
      expect(turn1?.slice(1)).toEqual([
        { role: 'user', content: 'How much did GDP grow from 2019 to 2023?' },
      ]);
      const searchResult = steps[1]?.message.content as string;
      expect(searchResult).toContain('"summ": "GDP (current US$) - China. 2019: 14.28 trillion;');
      expect(turn2?.slice(2)).toEqual([
        {
          role: 'assistant',
          content: `Let me search.${PLUGIN_BEGIN}{"name": "WebBrowser.search", "parameters": {"query": "${DATA_VISUALIZER_SEARCH_QUERY}"}}${ACTION_END}`,
        },
        { role: 'system', content: searchResult, name: 'plugin' },
      ]);
      expect(turn3?.slice(4)).toEqual([
        { role: 'assistant', content: `${codeCall}${ACTION_END}` },
        { role: 'system', content: '0.2458', name: 'interpreter' },
      ]);
      expect(Object.keys(agent.stateDict({ sessionId: 4 }))).toEqual(['memory', 'agent.memory']);
    } finally {
      await interpreter.dispose();
    }
  });
});

describe('ReAct', () => {
  test('answers in its JSON format: a search call, then a conclusion', async ({
    server,
    createModel,
  }) => {
    const call = `{"thought_process": "I need the figures.", "action": {"name": "WebBrowser.search", "parameters": {"query": "${DATA_VISUALIZER_SEARCH_QUERY}"}}}`;
    const finish =
      '{"thought_process": "The World Bank snippet has them.", "conclusion": "China\'s GDP was 17.79 trillion US$ in 2023."}';
    server.enqueue({ content: call }, { content: finish });
    const agent = new ReAct({ llm: createModel(), actions: [browser()] });

    const answer = await agent.call("What was China's GDP in 2023?", { sessionId: 2 });

    expect(answer.formatted).toEqual({
      thought_process: 'The World Bank snippet has them.',
      conclusion: "China's GDP was 17.79 trillion US$ in 2023.",
    });
    const [turn1, turn2] = server.requests.map((request) => request.body.messages);
    const system = turn1?.[0]?.content as string;
    expect(system).toContain('"name": "WebBrowser.search"');
    expect(system).toContain('"action": {');
    expect(system).toContain('"conclusion": "str",  // required');
    const state = agent.stateDict({ sessionId: 2 });
    expect(Object.keys(state)).toEqual(['memory', 'select_agent.memory']);
    const trajectory = state['select_agent.memory'] ?? [];
    expect(trajectory.map((m) => m.sender)).toEqual(['user', 'Agent', 'ActionExecutor', 'Agent']);
    // The tool result goes back as a user turn (DefaultAggregator), as in Lagent.
    expect(turn2?.slice(1)).toEqual([
      { role: 'user', content: "What was China's GDP in 2023?" },
      { role: 'assistant', content: call },
      { role: 'user', content: trajectory[2]?.content },
    ]);
    expect(trajectory[2]?.content).toContain('17.79 trillion');
  });
});
