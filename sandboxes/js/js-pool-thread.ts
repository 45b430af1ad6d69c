// A piscina worker thread of the JS host. Fresh executions are piscina tasks, each on an idle
// isolate from this thread's small pool with a new context. A session is an isolate that lives
// on one thread: `openSession` hands it a MessagePort, and the session's commands come over it,
// so they always reach the thread that holds its state.
import { BroadcastChannel, threadId, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type {
  ControlMessage,
  JsHostConfig,
  RunOutcome,
  RunTask,
  SessionCommand,
  SessionReply,
} from './js-host-protocol.ts';
import { IsolateRunner } from './isolate-runner.ts';

const config = workerData as JsHostConfig;
const control = new BroadcastChannel(config.channel ?? 'lagent-js-control');
control.unref();

const running = new Map<number, IsolateRunner>();
const hostCalls = new Map<number, (reply: string) => void>();
let nextCallId = 0;

control.onmessage = (event: unknown) => {
  const message = (event as { data: ControlMessage }).data;
  if (message.type === 'abort') running.get(message.execId)?.abort();
  else if (message.type === 'host-reply') {
    const resolve = hostCalls.get(message.callId);
    if (resolve) {
      hostCalls.delete(message.callId);
      resolve(message.reply);
    }
  }
};

async function callHost(name: string, argsJson: string): Promise<string> {
  nextCallId += 1;
  // Unique in the process: the thread id keeps two threads' counters apart.
  const callId = threadId * 1_000_000_000 + nextCallId;
  return await new Promise<string>((resolve) => {
    hostCalls.set(callId, resolve);
    control.postMessage({ type: 'host-call', callId, name, argsJson } satisfies ControlMessage);
  });
}

function newRunner(): IsolateRunner {
  return new IsolateRunner({
    limits: config.limits,
    hostFunctionNames: config.hostFunctionNames,
    callHost,
  });
}

const idle: IsolateRunner[] = [];

/** What a run aborted before its turn gives back: nothing ran, nothing was lost. */
const NOT_STARTED: RunOutcome = {
  results: [],
  logs: { stdout: [], stderr: [] },
  error: null,
  executionCount: null,
  stateLost: false,
  aborted: 'before-start',
};

async function runTracked(
  runner: IsolateRunner,
  { execId, code, timeoutMs, envs, abort }: RunTask,
): Promise<RunOutcome> {
  // Set by the child's main thread when the abort came before this thread had the run.
  if (Atomics.load(abort, 0) !== 0) return NOT_STARTED;
  running.set(execId, runner);
  try {
    return await runner.run({ code, timeoutMs, envs });
  } finally {
    running.delete(execId);
  }
}

/** Piscina task: one stateless execution in a new context. */
export async function runFresh(task: RunTask): Promise<RunOutcome> {
  const runner = idle.pop() ?? newRunner();
  let outcome: RunOutcome;
  try {
    outcome = await runTracked(runner, task);
  } finally {
    // The next call must not see this one's globals: its context goes now.
    runner.reset();
  }
  // Reused only when nothing of this call can still run in it (see IsolateRunner).
  if (
    idle.length < config.freshIsolatesPerThread &&
    runner.uses < config.isolateReuse &&
    runner.reusable
  ) {
    idle.push(runner);
    // Make the next call's context once this reply is on its way, so a call that finds the
    // thread idle does not wait for V8 to build one (~0.5 ms). No code has run in it yet.
    setImmediate(() => {
      if (idle.includes(runner)) runner.prepare();
    });
  } else {
    runner.dispose();
  }
  return { ...outcome, executionCount: null };
}

/** Piscina task: keeps a session's isolate on this thread, served over `port`. */
export function openSession({ port }: { port: MessagePort }): { ok: true } {
  const runner = newRunner();
  let queue: Promise<void> = Promise.resolve();
  const reply = (message: SessionReply): void => port.postMessage(message);
  port.on('message', (command: SessionCommand) => {
    // One command at a time: a session is a single interpreter, as a kernel is.
    queue = queue.then(async () => {
      try {
        switch (command.type) {
          case 'run':
            reply({
              execId: command.execId,
              ok: true,
              execution: await runTracked(runner, command),
            });
            return;
          case 'restart':
            runner.dispose();
            runner.reset();
            break;
          case 'set-envs':
            runner.setEnvs(command.envs);
            break;
          case 'close':
            runner.dispose();
            reply({ execId: command.execId, ok: true });
            port.close();
            return;
        }
        reply({ execId: command.execId, ok: true });
      } catch (error) {
        reply({
          execId: command.execId,
          ok: false,
          message: error instanceof Error ? error.message : String(error),
        });
      }
    });
  });
  port.on('close', () => runner.dispose());
  return { ok: true };
}
