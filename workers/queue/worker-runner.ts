import type { Action } from '../../core/index.ts';
import { ActionExecutor } from '../../core/index.ts';
import type { DockerSandboxProviderOptions } from '../../sandboxes/index.ts';
import { DockerSandboxProvider } from '../../sandboxes/index.ts';
import { createIPythonInterpreter, IPythonInteractive } from '../../tools/index.ts';
import type { ThreadToolModule } from '../threads/thread-tool-pool.ts';
import { ThreadToolPool } from '../threads/thread-tool-pool.ts';
import { JobRunner } from './job-runner.ts';

export const BUILT_IN_TOOLS = ['ipython', 'ipython-interpreter'] as const;
export type BuiltInTool = (typeof BUILT_IN_TOOLS)[number];

export interface WorkerRunnerOptions {
  /** The Docker sandboxes of run-code jobs and of the IPython tools. */
  sandbox?: DockerSandboxProviderOptions;
  /** @default both: IPythonInteractive and IPythonInterpreter */
  tools?: readonly BuiltInTool[];
  /** CPU-bound tools, run on a piscina thread pool. */
  threadTools?: readonly ThreadToolModule[];
  /** @default the number of CPUs */
  maxThreads?: number;
  /** Tools of your own, run in the worker's main thread (they must not block it). */
  extraTools?: readonly Action[];
}

/**
 * The runner a worker process uses: a Docker sandbox provider, the IPython tools on it
 * (figures travel inline, as data URLs, since the submitter may be on another host), and
 * thread-pool tools.
 */
export async function createWorkerRunner({
  sandbox = {},
  tools = BUILT_IN_TOOLS,
  threadTools = [],
  maxThreads,
  extraTools = [],
}: WorkerRunnerOptions = {}): Promise<JobRunner> {
  const sandboxes = await DockerSandboxProvider.start({ handleExitSignals: false, ...sandbox });
  const threads =
    threadTools.length > 0
      ? await ThreadToolPool.start({
          modules: threadTools,
          ...(maxThreads === undefined ? {} : { maxThreads }),
        })
      : undefined;
  const images = { mode: 'data-url' } as const;
  const actions: Action[] = [
    ...(tools.includes('ipython') ? [new IPythonInteractive({ sandboxes, images })] : []),
    ...(tools.includes('ipython-interpreter')
      ? [createIPythonInterpreter({ sandboxes, images })]
      : []),
    ...(threads?.actions ?? []),
    ...extraTools,
  ];
  return new JobRunner({
    executor: new ActionExecutor({ actions }),
    sandboxes,
    resources: [...(threads ? [threads] : []), sandboxes],
  });
}
