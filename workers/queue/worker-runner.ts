import type { Action, RequestLimits } from '../../core/index.ts';
import { ActionExecutor } from '../../core/index.ts';
import type {
  DockerSandboxProviderOptions,
  JsSandboxProviderOptions,
} from '../../sandboxes/index.ts';
import { DockerSandboxProvider, JsSandboxProvider } from '../../sandboxes/index.ts';
import type { ArxivSearchOptions, McpServerSpec, WebBrowserOptions } from '../../tools/index.ts';
import {
  createArxivSearch,
  createIPythonInterpreter,
  createPythonInterpreter,
  IPythonInteractive,
  JavaScriptInterpreter,
  McpToolSource,
  WebBrowser,
} from '../../tools/index.ts';
import type { ThreadToolModule } from '../threads/thread-tool-pool.ts';
import { ThreadToolPool } from '../threads/thread-tool-pool.ts';
import { JobRunner } from './job-runner.ts';

export const BUILT_IN_TOOLS = [
  'ipython',
  'ipython-interpreter',
  'python-interpreter',
  'javascript',
  'web-browser',
  'arxiv',
] as const;
export type BuiltInTool = (typeof BUILT_IN_TOOLS)[number];
/** The web tools reach the internet, so a worker offers them only when asked. */
export const DEFAULT_WORKER_TOOLS: readonly BuiltInTool[] = [
  'ipython',
  'ipython-interpreter',
  'javascript',
];

export interface WorkerRunnerOptions {
  /** The Docker sandboxes of run-code jobs and of the IPython tools. */
  sandbox?: DockerSandboxProviderOptions;
  /** @default DEFAULT_WORKER_TOOLS: IPythonInteractive, IPythonInterpreter, JavaScriptInterpreter */
  tools?: readonly BuiltInTool[];
  /** The JavaScript sandbox of JavaScriptInterpreter (a child process of the worker). */
  javascript?: JsSandboxProviderOptions;
  webBrowser?: WebBrowserOptions;
  arxiv?: ArxivSearchOptions;
  /** CPU-bound tools, run on a piscina thread pool. */
  threadTools?: readonly ThreadToolModule[];
  /** @default the number of CPUs */
  maxThreads?: number;
  /** Tools of your own, run in the worker's main thread (they must not block it). */
  extraTools?: readonly Action[];
  /** What a request may ask for (code size, deadline, ...). @default DEFAULT_REQUEST_LIMITS */
  limits?: Partial<RequestLimits>;
  /** MCP servers whose tools this worker serves (each remote tool one tool here). */
  mcpServers?: readonly McpServerSpec[];
  /** A remote MCP call that takes longer is a hang (the server is restarted). @default DEFAULT_MCP_CALL_TIMEOUT_MS */
  mcpCallTimeoutMs?: number;
}

/**
 * The runner a worker process uses: a Docker sandbox provider, the IPython tools on it
 * (figures travel inline, as data URLs, since the submitter may be on another host), the
 * JavaScript sandbox and its interpreter, the web tools when asked for, and thread-pool tools.
 */
export async function createWorkerRunner({
  sandbox = {},
  tools = DEFAULT_WORKER_TOOLS,
  javascript = {},
  webBrowser = {},
  arxiv = {},
  threadTools = [],
  maxThreads,
  extraTools = [],
  limits = {},
  mcpServers = [],
  mcpCallTimeoutMs,
}: WorkerRunnerOptions = {}): Promise<JobRunner> {
  // First: a server that does not start fails the worker before any sandbox is made.
  const mcpSources: McpToolSource[] = [];
  try {
    for (const server of mcpServers) {
      mcpSources.push(
        await McpToolSource.connect({
          server,
          ...(mcpCallTimeoutMs === undefined ? {} : { callTimeoutMs: mcpCallTimeoutMs }),
        }),
      );
    }
  } catch (error) {
    await Promise.allSettled(mcpSources.map((source) => source.close()));
    throw error;
  }
  const sandboxes = await DockerSandboxProvider.start({ handleExitSignals: false, ...sandbox });
  const threads =
    threadTools.length > 0
      ? await ThreadToolPool.start({
          modules: threadTools,
          ...(maxThreads === undefined ? {} : { maxThreads }),
        })
      : undefined;
  const jsSandboxes = tools.includes('javascript')
    ? await JsSandboxProvider.start(javascript)
    : undefined;
  const images = { mode: 'data-url' } as const;
  const actions: Action[] = [
    ...(tools.includes('ipython') ? [new IPythonInteractive({ sandboxes, images })] : []),
    ...(tools.includes('ipython-interpreter')
      ? [createIPythonInterpreter({ sandboxes, images })]
      : []),
    ...(tools.includes('python-interpreter') ? [createPythonInterpreter({ sandboxes })] : []),
    ...(jsSandboxes ? [new JavaScriptInterpreter({ sandboxes: jsSandboxes })] : []),
    ...(tools.includes('web-browser') ? [new WebBrowser(webBrowser)] : []),
    ...(tools.includes('arxiv') ? [createArxivSearch(arxiv)] : []),
    ...(threads?.actions ?? []),
    ...mcpSources.flatMap((source) => source.actions),
    ...extraTools,
  ];
  return new JobRunner({
    executor: new ActionExecutor({ actions }),
    sandboxes,
    limits,
    resources: [
      ...mcpSources,
      ...(threads ? [threads] : []),
      ...(jsSandboxes ? [jsSandboxes] : []),
      sandboxes,
    ],
  });
}
