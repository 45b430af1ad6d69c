// The fake sandbox's language: one command per line, run top to bottom until one fails.
//   set NAME VALUE      a session variable           get NAME       print it (NameError if unset)
//   print TEXT          TEXT and a newline on stdout eprint TEXT    the same on stderr
//   result TEXT         the cell's main result       env NAME       print it, or <unset>
//   raise NAME MESSAGE  fail with that error         flood BYTES    print at least BYTES in lines
//   write PATH TEXT     a file                       cat PATH       print a file (no newline added)
//   spin                run until stopped (deadline, abort, interrupt, close)
//   lose-state          the interpreter dies: variables are gone, `stateLost` is set
import type {
  ExecutionError,
  ExecutionResult,
  OutputMessage,
  RunCodeOptions,
} from '../../core/index.ts';

/** What a session keeps between calls. */
export interface FakeScriptState {
  vars: Map<string, string>;
  files: Map<string, Uint8Array>;
}

/** How a script ended: its error, or what stopped a `spin`. */
export interface FakeScriptEnd {
  error: ExecutionError | null;
  stateLost?: true;
  stoppedBy?: FakeStop;
}

export type FakeStop = 'timeout' | 'abort' | 'interrupt' | 'close';

type Callbacks = Pick<RunCodeOptions, 'onStdout' | 'onStderr' | 'onResult'>;

/** One execution's output, cut at `maxOutputBytes` with a notice, as the real sandboxes do. */
export class FakeOutput {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly results: ExecutionResult[] = [];
  #remaining: number;
  #dropped = 0;
  readonly #maxOutputBytes: number;
  readonly #callbacks: Callbacks;

  constructor({ maxOutputBytes, callbacks }: { maxOutputBytes: number; callbacks: Callbacks }) {
    this.#remaining = maxOutputBytes;
    this.#maxOutputBytes = maxOutputBytes;
    this.#callbacks = callbacks;
  }

  async write({ stream, text }: { stream: 'stdout' | 'stderr'; text: string }): Promise<void> {
    const bytes = Buffer.byteLength(text);
    if (bytes > this.#remaining) {
      this.#dropped += bytes;
      this.#remaining = 0;
      return;
    }
    this.#remaining -= bytes;
    this[stream].push(text);
    const message: OutputMessage = {
      line: text,
      timestamp: Date.now(),
      error: stream === 'stderr',
    };
    await (stream === 'stdout'
      ? this.#callbacks.onStdout?.(message)
      : this.#callbacks.onStderr?.(message));
  }

  async result(result: ExecutionResult): Promise<void> {
    this.results.push(result);
    await this.#callbacks.onResult?.(result);
  }

  /** The notice of what was cut, once the execution ended; false when nothing was. */
  finish(): boolean {
    if (this.#dropped === 0) return false;
    this.stderr.push(
      `[output truncated: more than ${this.#maxOutputBytes} bytes; ${this.#dropped} bytes were dropped]\n`,
    );
    return true;
  }
}

const error = (name: string, value: string): ExecutionError => ({
  name,
  value,
  traceback: `${name}: ${value}`,
});

/** Runs a script; `stopped` settles when a deadline, abort, interrupt or close stops a `spin`. */
export async function runFakeScript({
  code,
  state,
  envs,
  output,
  stopped,
}: {
  code: string;
  state: FakeScriptState;
  envs: Readonly<Record<string, string>>;
  output: FakeOutput;
  stopped: Promise<FakeStop>;
}): Promise<FakeScriptEnd> {
  for (const line of code.split('\n')) {
    const [command = '', first = '', ...others] = line.trim().split(' ');
    const rest = [first, ...others].join(' ');
    const tail = others.join(' ');
    switch (command) {
      case '':
        break;
      case 'set':
        state.vars.set(first, tail);
        break;
      case 'get': {
        const value = state.vars.get(first);
        if (value === undefined)
          return { error: error('NameError', `name '${first}' is not defined`) };
        await output.write({ stream: 'stdout', text: `${value}\n` });
        break;
      }
      case 'print':
        await output.write({ stream: 'stdout', text: `${rest}\n` });
        break;
      case 'eprint':
        await output.write({ stream: 'stderr', text: `${rest}\n` });
        break;
      case 'result':
        await output.result({ text: rest, isMainResult: true });
        break;
      case 'env':
        await output.write({ stream: 'stdout', text: `${envs[first] ?? '<unset>'}\n` });
        break;
      case 'raise':
        return { error: error(first, tail) };
      case 'flood':
        for (let written = 0; written < Number(first); written += 100)
          await output.write({ stream: 'stdout', text: `${'x'.repeat(99)}\n` });
        break;
      case 'write':
        state.files.set(first, new TextEncoder().encode(tail));
        break;
      case 'cat': {
        const data = state.files.get(first);
        if (!data) return { error: error('FileNotFoundError', `No such file: '${first}'`) };
        await output.write({ stream: 'stdout', text: new TextDecoder().decode(data) });
        break;
      }
      case 'spin':
        return { error: null, stoppedBy: await stopped };
      case 'lose-state':
        state.vars.clear();
        return {
          error: error(
            'KernelDied',
            'The kernel died; its state is lost and a fresh kernel is ready.',
          ),
          stateLost: true,
        };
      default:
        return { error: error('SyntaxError', `unknown command: ${command}`) };
    }
  }
  return { error: null };
}
