import type { AgentMessage, StateDict } from '../../core/index.ts';
import { contentToText } from '../../core/index.ts';
import type { WebBrowserOptions } from '../../tools/index.ts';
import { DEFAULT_IMAGE_DIR } from '../../tools/index.ts';
import { DataVisualizer } from '../agents/data-visualizer.ts';
import {
  DATA_VISUALIZER_BING_ANSWER,
  DATA_VISUALIZER_QUESTION,
  DATA_VISUALIZER_REPLIES,
} from '../model-replay/data-visualizer-recordings.ts';
import type { RecordedSearchServer } from '../model-replay/recorded-search-server.ts';
import {
  RECORDED_SEARCH_API_KEY,
  startRecordedSearchServer,
} from '../model-replay/recorded-search-server.ts';
import { createQueueExecutor } from '../queue/remote-action.ts';
import { createWorkerRunner } from '../queue/worker-runner.ts';
import type { DemoOptions } from './demo-command.ts';
import { startDemoQueue } from './demo-queue.ts';
import { modelFromEnv } from './model-from-env.ts';

/** Text longer than this is shortened when printed (a figure's path stays whole). */
const PRINT_CHARS = 600;

export interface DataVisualizerDemoResult {
  answer: AgentMessage;
  /** The PNG files of the charts the charter drew, as its memory names them. */
  charts: string[];
  stateDict: StateDict;
  /** The queries the recorded search server received (offline only). */
  searchQueries: string[];
}

/**
 * The seed's multi-agent DataVisualizer end to end: a researcher searches the web, a charter
 * draws the data with matplotlib in a sandbox, both through the queue. Offline the model turns
 * and the search answer are recordings (a scripted model server and a Bing stand-in on
 * 127.0.0.1); with OPENAI_API_KEY or OPENAI_BASE_URL the model is live, and so is the search
 * (Bing with BING_API_KEY, else DuckDuckGo).
 */
export async function runDataVisualizerDemo({
  write = (line: string) => console.log(line),
  env = process.env,
  runtime = 'runc',
  imageDir = DEFAULT_IMAGE_DIR,
}: DemoOptions & { imageDir?: string } = {}): Promise<DataVisualizerDemoResult> {
  const replies = DATA_VISUALIZER_REPLIES;
  await using source = await modelFromEnv({
    recording: [
      { content: replies.researcherSearch },
      { content: replies.researcherData },
      { content: replies.charterCode },
      { content: replies.charterFinish },
    ],
    recordingName: "model turns written for the seed's DataVisualizer example",
    env,
    options: { stopWords: ['```\n'], maxNewTokens: 1024 },
  });
  write(source.notice);
  let search: RecordedSearchServer | undefined;
  let webBrowser: WebBrowserOptions = {};
  if (source.replaying) {
    search = await startRecordedSearchServer({ answer: DATA_VISUALIZER_BING_ANSWER });
    webBrowser = {
      searcher: { type: 'BingSearch', apiKey: RECORDED_SEARCH_API_KEY, baseUrl: search.url },
    };
    write(`Web search: a recorded Bing answer (a RECORDING) served from ${search.url}.`);
  } else if (env['BING_API_KEY']) {
    webBrowser = { searcher: { type: 'BingSearch', apiKey: env['BING_API_KEY'] } };
  }
  try {
    const runner = await createWorkerRunner({
      sandbox: { poolSize: 0, runtime, freshContainers: 1 },
      tools: ['ipython-interpreter', 'web-browser'],
      webBrowser,
    });
    await using queue = await startDemoQueue({ runner, env, write });
    const visualizer = new DataVisualizer({
      llm: source.model,
      executor: await createQueueExecutor({
        client: queue.jobs,
        tools: ['IPythonInterpreter', 'WebBrowser'],
        images: { mode: 'file', dir: imageDir },
      }),
    });
    const label = (name: string) => (source.replaying ? `${name} (recorded)` : name);
    for (const agent of [visualizer.researcher, visualizer.charter]) {
      agent.registerHook({
        afterAgent: (_agent, message) =>
          void write(`${label(agent.name)}: ${shorten(contentToText(message.content))}\n`),
      });
    }
    visualizer.executor.registerHook({
      afterAction: (_executor, message) =>
        void write(`tool (${runtime}): ${shorten(contentToText(message.content))}\n`),
    });
    write(`\nuser: ${DATA_VISUALIZER_QUESTION}\n`);
    const answer = await visualizer.call(DATA_VISUALIZER_QUESTION);
    const stateDict = visualizer.stateDict();
    const charts = (stateDict['charter.memory'] ?? []).flatMap((message) =>
      typeof message.content === 'string'
        ? [...message.content.matchAll(/\[image\]\(([^)]+\.png)\)/g)].map((match) => match[1] ?? '')
        : [],
    );
    write(`answer: ${contentToText(answer.content)}`);
    for (const chart of charts) write(`chart: ${chart}`);
    return { answer, charts, stateDict, searchQueries: search?.queries ?? [] };
  } finally {
    await search?.close();
  }
}

function shorten(text: string): string {
  return text.length <= PRINT_CHARS
    ? text
    : `${text.slice(0, PRINT_CHARS)}… [${text.length} chars]`;
}
