// A run-code session's sandbox is started by its first job but serves every job of the session.
import { expect, test } from 'vitest';
import type {
  CreateSandboxOptions,
  Execution,
  RunCodeOptions,
  Sandbox,
  SandboxProvider,
} from '../../../core/index.ts';
import { AbortedError, ActionExecutor } from '../../../core/index.ts';
import { JobRunner } from '../../../workers/queue/job-runner.ts';

/** A sandbox that answers every run with the code it was given. */
const echoSandbox = (): Sandbox => ({
  id: 'echo',
  runCode: ({ code }: RunCodeOptions): Promise<Execution> =>
    Promise.resolve({
      results: [{ isMainResult: true, text: code }],
      logs: { stdout: [], stderr: [] },
      error: null,
      executionCount: 1,
    }),
  writeFile: () => Promise.resolve(),
  readFile: () => Promise.resolve(new Uint8Array()),
  listFiles: () => Promise.resolve({ files: [], truncated: false }),
  setEnvs: () => Promise.resolve(),
  interrupt: () => Promise.resolve(),
  restart: () => Promise.resolve(),
  close: () => Promise.resolve(),
  [Symbol.asyncDispose]: () => Promise.resolve(),
});

/** Starts a sandbox in `startMs`; an abort makes the start fail, as the Docker provider's does. */
class SlowProvider implements SandboxProvider {
  starts = 0;
  readonly startMs: number;
  constructor(startMs: number) {
    this.startMs = startMs;
  }
  create({ signal }: CreateSandboxOptions = {}): Promise<Sandbox> {
    this.starts += 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve(echoSandbox()), this.startMs);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        // The provider cleans up (removes the half-started container) before it rejects.
        setTimeout(() => reject(new AbortedError({ message: 'start aborted' })), 20);
      });
    });
  }
  list() {
    return [];
  }
  close() {
    return Promise.resolve();
  }
}

const job = (jobId: string, code: string) => ({
  jobId,
  workerId: 'test',
  envelope: {
    request: { kind: 'run-code' as const, language: 'python' as const, code },
    submittedAt: Date.now(),
    sessionKey: 'shared',
  },
});

test("aborting a session's first job while its sandbox starts does not fail the next job", async () => {
  const sandboxes = new SlowProvider(200);
  const runner = new JobRunner({ executor: new ActionExecutor({ actions: [] }), sandboxes });
  try {
    const controller = new AbortController();
    const first = runner.run({ ...job('one', 'slow'), signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    // The next job of the session arrives while the aborted one's start is still going on.
    const second = runner.run({ ...job('two', '"free"'), signal: new AbortController().signal });
    expect((await first).status).toBe('cancelled');
    const result = await second;
    expect(result.status).toBe('completed');
    expect(result.execution?.results[0]?.text).toBe('"free"');
    expect(sandboxes.starts).toBe(1);
  } finally {
    await runner.close();
  }
});
