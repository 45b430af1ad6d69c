// What the shared Sandbox contract suite needs from a backend: how to open a session, and
// small snippets of its language for each behaviour the contract checks.
import type { Execution, RunCodeOptions, Sandbox } from '../../core/index.ts';

/** Code snippets in the sandbox's language. Snippets joined with '\n' run one after another. */
export interface ContractLanguage {
  /** Sets the session variable `name` to the string `value`. */
  setVar(options: { name: string; value: string }): string;
  /** Prints the variable's value and a newline; an error (as data) when it is not defined. */
  printVar(name: string): string;
  /** Prints `text` and a newline on stdout. */
  print(text: string): string;
  /** Prints `marker` and a newline, then runs until stopped (it must stop when interrupted). */
  spin(marker: string): string;
  /** Fails with an error named `raisedName` whose value contains `message`. */
  raise(message: string): string;
  raisedName: string;
  /** Prints the environment variable's value, or `<unset>`, and a newline. */
  printEnv(name: string): string;
  /** Prints at least `bytes` bytes of ASCII on stdout, in lines. */
  flood(bytes: number): string;
  /** Makes this call lose the session's state (kill the kernel, exhaust the isolate's memory). */
  loseState: string;
  /** For a sandbox with a file system; without one, writeFile/readFile must be refused. */
  files?: {
    /** Prints the file's text exactly (no added newline). */
    printFile(path: string): string;
    /** Writes `text` to the file. */
    writeText(options: { path: string; text: string }): string;
  };
}

export interface SandboxContractOptions {
  /** Names the describe block. */
  name: string;
  /** A new session; each test closes the ones it opens. */
  create: () => Promise<Sandbox>;
  language: ContractLanguage;
  /** The output cap the sessions were created with, in bytes. */
  maxOutputBytes: number;
  /**
   * Whether output reaches the callbacks while the code runs (Docker, E2B) rather than when
   * it ends (isolated-vm collects it in the isolate). Tests wait for a printed marker to know
   * the code runs; without streaming they act as soon as the call is made.
   */
  streamsOutput: boolean;
  /** Deadline of each test. @default DEFAULT_CONTRACT_TEST_TIMEOUT_MS */
  testTimeoutMs?: number;
}

/** Generous: real kernels under gVisor on a loaded two-core machine. */
export const DEFAULT_CONTRACT_TEST_TIMEOUT_MS = 120_000;
/** The deadline of a call that must run into it. */
export const CONTRACT_SHORT_TIMEOUT_MS = 1_500;
/** The deadline of a call that must be stopped by other means (abort, interrupt, close) long before. */
export const CONTRACT_LONG_TIMEOUT_MS = 10 * 60_000;

/** The error a promise rejects with; fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the call resolved');
}

export function stdoutOf(execution: Execution): string {
  return execution.logs.stdout.join('');
}

/** A call running code that prints `marker` then spins, and when it is known to run. */
export interface RunningCall {
  /** The call; its rejection is handled, so a test may check it later. */
  call: Promise<Execution>;
  /** Resolves once the code runs: its marker arrived (streaming) or the call was made. */
  started: Promise<void>;
}

export function startSpinning({
  sandbox,
  options,
  streamsOutput,
}: {
  sandbox: Sandbox;
  options: Omit<RunCodeOptions, 'code' | 'onStdout'> & { code: string; marker: string };
  streamsOutput: boolean;
}): RunningCall {
  const { marker, ...runOptions } = options;
  const seen = Promise.withResolvers<void>();
  const call = sandbox.runCode({
    ...runOptions,
    onStdout: (output) => {
      if (output.line.includes(marker)) seen.resolve();
    },
  });
  call.catch(() => undefined);
  // A call that ends before its marker arrived fails the wait instead of hanging it.
  const ended = call.then(
    () => Promise.reject(new Error(`the call ended before printing ${marker}`)),
    (error: unknown) => Promise.reject(error instanceof Error ? error : new Error(String(error))),
  );
  ended.catch(() => undefined);
  const started = streamsOutput
    ? Promise.race([seen.promise, ended])
    : new Promise<void>((resolve) => setImmediate(resolve));
  return { call, started };
}
