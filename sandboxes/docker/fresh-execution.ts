import type { Execution, FreshRunOptions } from '../../core/index.ts';
import type { ResolvedDockerSandboxOptions } from './docker-sandbox-options.ts';
import type { DriverFrame } from './driver-frames.ts';
import { ExecutionCollector } from './execution-collector.ts';

type RunEnd = Extract<DriverFrame, { t: 'run-end' }>;

/**
 * A fresh run's Execution from the fork server's `run-end` frame, through the same collector
 * as a session's frames: text sanitised, output and results capped and counted here (not
 * taken from the server), images checked, the caller's callbacks called in order.
 */
export function freshExecution({
  frame,
  options,
  run,
}: {
  frame: RunEnd;
  options: ResolvedDockerSandboxOptions;
  run: Pick<FreshRunOptions, 'onStdout' | 'onStderr' | 'onResult' | 'onError'>;
}): Execution {
  const collector = new ExecutionCollector({
    maxOutputBytes: options.maxOutputBytes,
    maxResults: options.maxResults,
    callbacks: {
      ...(run.onStdout ? { onStdout: run.onStdout } : {}),
      ...(run.onStderr ? { onStderr: run.onStderr } : {}),
      ...(run.onResult ? { onResult: run.onResult } : {}),
      ...(run.onError ? { onError: run.onError } : {}),
    },
  });
  if (frame.stdout) collector.add({ t: 'stream', name: 'stdout', text: frame.stdout });
  if (frame.stderr) collector.add({ t: 'stream', name: 'stderr', text: frame.stderr });
  for (const result of frame.results) collector.add({ t: 'result', ...result });
  if (frame.error) {
    // Python's traceback lines end with their own newline; the collector joins with one.
    const traceback = frame.error.traceback.map((line) => line.replace(/\n$/, ''));
    collector.add({ t: 'error', ...frame.error, traceback });
  }
  collector.add({
    t: 'end',
    count: null,
    status: frame.error ? 'error' : 'ok',
    dropped: frame.dropped,
    droppedResults: frame.droppedResults,
  });
  return collector.finish(frame.timedOut ? { timedOut: 'killed' } : {});
}

/** A run whose container stopped or went silent: an error the caller reads, never a throw. */
export function lostRunExecution({
  reason,
  timedOut,
}: {
  reason: string;
  timedOut: boolean;
}): Execution {
  return {
    results: [],
    logs: { stdout: [], stderr: [] },
    error: {
      name: timedOut ? 'TimeoutError' : 'SandboxCrashed',
      value: `The run's sandbox container was lost: ${reason}`,
      traceback: '',
    },
    executionCount: null,
    ...(timedOut ? { timedOut: 'killed' as const } : {}),
  };
}
