// The seed's third example, the multi-agent DataVisualizer, end to end: a scripted model on
// 127.0.0.1 through the real openai client, a Bing stand-in on 127.0.0.1 replaying a recorded
// answer, and both agents' tool calls as BullMQ jobs on a worker that runs the WebBrowser and
// the IPythonInterpreter (a fresh run in a Docker sandbox). The chart comes back as a PNG.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { parseJson } from '../../../core/index.ts';
import {
  DATA_VISUALIZER_TOOL_TEMPLATE,
  DataVisualizer,
  RESEARCHER_STOP_WORDS,
} from '../../../workers/agents/data-visualizer.ts';
import { runDataVisualizerDemo } from '../../../workers/cli/data-visualizer-demo.ts';
import {
  DATA_VISUALIZER_BING_ANSWER,
  DATA_VISUALIZER_QUESTION,
  DATA_VISUALIZER_REPLIES as REPLIES,
  DATA_VISUALIZER_SEARCH_QUERY,
} from '../../../workers/model-replay/data-visualizer-recordings.ts';
import type { RecordedSearchServer } from '../../../workers/model-replay/recorded-search-server.ts';
import {
  RECORDED_SEARCH_API_KEY,
  startRecordedSearchServer,
} from '../../../workers/model-replay/recorded-search-server.ts';
import { createQueueExecutor } from '../../../workers/queue/remote-action.ts';
import type { TestJobs } from '../../support/job-backend-fixture.ts';
import { startTestJobs } from '../../support/job-backend-fixture.ts';
import { test } from '../../support/model-server-fixture.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let search: RecordedSearchServer;
let setup: TestJobs;
let imageDir: string;
beforeAll(async () => {
  search = await startRecordedSearchServer({ answer: DATA_VISUALIZER_BING_ANSWER });
  imageDir = await mkdtemp(join(tmpdir(), 'data-visualizer-'));
  setup = await startTestJobs({
    mode: 'redis',
    runner: {
      tools: ['ipython-interpreter', 'web-browser'],
      webBrowser: {
        searcher: { type: 'BingSearch', apiKey: RECORDED_SEARCH_API_KEY, baseUrl: search.url },
      },
    },
  });
});
afterAll(async () => {
  await setup?.close();
  await search?.close();
  if (imageDir) await rm(imageDir, { recursive: true, force: true });
});

test('researcher searches, charter plots through the queue; the PNG is in the charter memory', async ({
  server,
  createModel,
}) => {
  server.enqueue(
    { content: REPLIES.researcherSearch },
    { content: REPLIES.researcherData },
    { content: REPLIES.charterCode },
    { content: REPLIES.charterFinish },
  );
  const visualizer = new DataVisualizer({
    llm: createModel({ stopWords: ['```\n'] }),
    executor: await createQueueExecutor({
      client: setup.jobs,
      tools: ['IPythonInterpreter', 'WebBrowser'],
      images: { mode: 'file', dir: imageDir },
    }),
  });

  const answer = await visualizer.call(DATA_VISUALIZER_QUESTION, { sessionId: 7 });

  expect(answer.sender).toBe('charter');
  expect(answer.content).toBe(REPLIES.charterFinish);
  expect(search.queries).toEqual([DATA_VISUALIZER_SEARCH_QUERY]);
  const state = visualizer.stateDict({ sessionId: 7 });
  expect(Object.keys(state)).toEqual(['memory', 'researcher.memory', 'charter.memory']);
  expect(state['memory']?.map((m) => [m.sender, m.content])).toEqual([
    ['user', DATA_VISUALIZER_QUESTION],
    ['charter', REPLIES.charterFinish],
  ]);

  // The researcher: the question, its search call, the search results, its data.
  const researcher = state['researcher.memory'] ?? [];
  expect(researcher.map((m) => m.sender)).toEqual([
    'user',
    'researcher',
    'ActionExecutor',
    'researcher',
  ]);
  expect(researcher[1]?.formatted).toEqual({
    toolType: 'browser',
    thought: 'I will look the figures up.\n',
    action: { name: 'WebBrowser.search', parameters: { query: DATA_VISUALIZER_SEARCH_QUERY } },
    status: 1,
  });
  const results = parseJson(researcher[2]?.content as string) as Record<
    string,
    { url: string; summ: string; title: string }
  >;
  expect(results['0']).toEqual({
    url: 'https://data.worldbank.org/indicator/NY.GDP.MKTP.CD?locations=CN',
    summ: DATA_VISUALIZER_BING_ANSWER.webPages.value[0].snippet,
    title: 'GDP (current US$) - China | Data - World Bank',
  });
  expect(researcher[3]?.content).toBe(REPLIES.researcherData);

  // The charter: the researcher's data, its code, the run's output and figure, its answer.
  const charter = state['charter.memory'] ?? [];
  expect(charter.map((m) => m.sender)).toEqual([
    'researcher',
    'charter',
    'ActionExecutor',
    'charter',
  ]);
  const ran = charter[2]?.content as string;
  const [printed, figure] = ran.split('\n');
  expect(printed).toBe('plotted 5 years');
  const path = /^\[image\]\((.+\.png)\)$/.exec(figure ?? '')?.[1] ?? '';
  expect(path.startsWith(imageDir)).toBe(true);
  const png = await readFile(path);
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  // A 6x4-inch figure at 100 dpi, cropped to its content as a notebook shows it (IHDR size).
  const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
  expect(width).toBeGreaterThan(450);
  expect(width).toBeLessThanOrEqual(600);
  expect(height).toBeGreaterThan(300);
  expect(height).toBeLessThanOrEqual(400);

  // What the model was asked, turn by turn.
  const requests = server.requests.map((request) => request.body);
  expect(requests).toHaveLength(4);
  expect(requests.map((body) => body.stop)).toEqual([
    RESEARCHER_STOP_WORDS,
    RESEARCHER_STOP_WORDS,
    ['```\n'],
    ['```\n'],
  ]);
  const researcherSystem = requests[0]?.messages[0];
  expect(researcherSystem?.role).toBe('system');
  expect(researcherSystem?.content).toContain('prefix your response with Final Answer');
  expect(researcherSystem?.content).toContain('"name": "WebBrowser.search"');
  // As in the seed: the invocation format is a value, so its doubled braces stay doubled.
  expect(researcherSystem?.content).toContain(
    '```json\n{"name": {{tool name}}, "parameters": {{keyword arguments}}}\n```\n\\\\n**You should provide accurate data',
  );
  expect(requests[0]?.messages.slice(1)).toEqual([
    { role: 'user', content: DATA_VISUALIZER_QUESTION },
  ]);
  // The search results come back in the environment role (sent as system), named by tool type.
  expect(requests[1]?.messages.slice(2)).toEqual([
    { role: 'assistant', content: `${REPLIES.researcherSearch.trimEnd()}\n\`\`\`\n` },
    { role: 'system', content: researcher[2]?.content, name: 'browser' },
  ]);
  const charterSystem = requests[2]?.messages[0]?.content as string;
  expect(charterSystem.startsWith(DATA_VISUALIZER_TOOL_TEMPLATE.slice(0, 60))).toBe(true);
  expect(charterSystem).toContain('following tools:\nIPythonInterpreter\n');
  // The researcher's data reaches the charter as another agent's message: the environment
  // role, sent as system, so (as Lagent's GPTAPI does) it joins the system prompt with '\n'.
  expect(requests[2]?.messages).toHaveLength(1);
  expect(
    charterSystem.endsWith(
      `**${'Any charts you display will be visible by the user.'}**\n${REPLIES.researcherData}`,
    ),
  ).toBe(true);
  expect(requests[3]?.messages.slice(1)).toEqual([
    { role: 'assistant', content: `${REPLIES.charterCode}\n\`\`\`\n` },
    { role: 'system', content: ran, name: 'interpreter' },
  ]);
});

test('`lagent demo data-visualizer` offline: the recordings, the embedded queue, a chart file', async () => {
  const lines: string[] = [];
  const result = await runDataVisualizerDemo({
    write: (line) => lines.push(line),
    env: {},
    imageDir,
  });
  expect(lines[0]).toContain('RECORDING, not a live model');
  expect(lines[1]).toMatch(/^Web search: a recorded Bing answer \(a RECORDING\)/);
  expect(lines[2]).toBe('No REDIS_URL: tool calls run on the embedded queue in this process.');
  expect(lines).toContain(`charter (recorded): ${REPLIES.charterFinish}\n`);
  expect(result.answer.content).toBe(REPLIES.charterFinish);
  expect(result.searchQueries).toEqual([DATA_VISUALIZER_SEARCH_QUERY]);
  expect(result.charts).toHaveLength(1);
  expect(lines.at(-1)).toBe(`chart: ${result.charts[0]}`);
  const png = await readFile(result.charts[0] ?? '');
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
});
