import type {
  Execution,
  ExecutionError,
  ExecutionResult,
  ExecutionStop,
  OutputMessage,
  RunCodeOptions,
} from '../../core/index.ts';
import type { DriverFrame } from './driver-frames.ts';
import { sanitizeText } from './output-sanitizer.ts';

const textFields = ['text', 'html', 'markdown', 'latex', 'svg', 'javascript'] as const;
const binaryFields = ['png', 'jpeg', 'pdf'] as const;
const base64 = /^[A-Za-z0-9+/=\s]*$/;

type Callbacks = Pick<RunCodeOptions, 'onStdout' | 'onStderr' | 'onResult' | 'onError'>;

/**
 * Builds one Execution from driver frames: sanitises text, keeps at most `maxOutputBytes`
 * of output (counted here, whatever the driver claims) and says so when it cut, and calls
 * the caller's callbacks as output arrives.
 */
export class ExecutionCollector {
  readonly execution: Execution = {
    results: [],
    logs: { stdout: [], stderr: [] },
    error: null,
    executionCount: null,
  };
  #remaining: number;
  #dropped = 0;
  readonly #callbacks: Callbacks;
  readonly #maxOutputBytes: number;

  constructor({ maxOutputBytes, callbacks }: { maxOutputBytes: number; callbacks: Callbacks }) {
    this.#remaining = maxOutputBytes;
    this.#maxOutputBytes = maxOutputBytes;
    this.#callbacks = callbacks;
  }

  /** Takes one frame; returns true when the execution has ended. */
  add(frame: DriverFrame): boolean {
    switch (frame.t) {
      case 'stream':
        this.#stream(frame.name, sanitizeText(frame.text));
        return false;
      case 'result':
        this.#result(frame.main, frame.data);
        return false;
      case 'error':
        this.setError({
          name: sanitizeText(frame.name),
          value: sanitizeText(frame.value),
          traceback: sanitizeText(frame.traceback.join('\n')),
        });
        return false;
      case 'end':
        this.execution.executionCount = frame.count;
        this.#dropped += frame.dropped;
        // The kernel answered without running the code: never an empty success.
        if (frame.status === 'aborted' && !this.execution.error) {
          this.setError({
            name: 'ExecutionAborted',
            value: 'The kernel did not run this code (it answered the request as aborted).',
            traceback: '',
          });
        }
        return true;
      default:
        return false;
    }
  }

  setError(error: ExecutionError): void {
    const size = Buffer.byteLength(error.traceback) + Buffer.byteLength(error.value);
    const traceback =
      size > this.#maxOutputBytes
        ? `${error.traceback.slice(0, this.#maxOutputBytes)}\n[traceback truncated]`
        : error.traceback;
    this.execution.error = { ...error, traceback };
    void this.#callbacks.onError?.(this.execution.error);
  }

  /** Finalises the execution: the truncation notice, and how a deadline stopped it. */
  finish({ timedOut }: { timedOut?: ExecutionStop } = {}): Execution {
    if (this.#dropped > 0) {
      this.execution.truncated = true;
      this.execution.logs.stderr.push(
        `[output truncated: more than ${this.#maxOutputBytes} bytes; ${this.#dropped} bytes were dropped]\n`,
      );
    }
    if (timedOut) this.execution.timedOut = timedOut;
    return this.execution;
  }

  #take(bytes: number): boolean {
    if (bytes > this.#remaining) {
      this.#dropped += bytes;
      this.#remaining = 0;
      return false;
    }
    this.#remaining -= bytes;
    return true;
  }

  #stream(name: 'stdout' | 'stderr', received: string): void {
    let text = received;
    const bytes = Buffer.byteLength(text);
    if (bytes > this.#remaining && this.#remaining > 0) {
      // Keep the head of a chunk that overflows the cap (a partial character is dropped).
      const head = Buffer.from(text)
        .subarray(0, this.#remaining)
        .toString('utf8')
        .replace(/\uFFFD$/, '');
      this.#dropped += bytes - Buffer.byteLength(head);
      this.#remaining = Buffer.byteLength(head);
      text = head;
    }
    if (!this.#take(Buffer.byteLength(text))) return;
    this.execution.logs[name].push(text);
    const message: OutputMessage = { line: text, timestamp: Date.now(), error: name === 'stderr' };
    void (name === 'stdout'
      ? this.#callbacks.onStdout?.(message)
      : this.#callbacks.onStderr?.(message));
  }

  #result(isMainResult: boolean, data: Record<string, unknown>): void {
    const result: ExecutionResult = { isMainResult };
    let bytes = 0;
    for (const [key, value] of Object.entries(data)) {
      bytes += typeof value === 'string' ? value.length : JSON.stringify(value).length;
      if ((textFields as readonly string[]).includes(key) && typeof value === 'string') {
        result[key as (typeof textFields)[number]] = sanitizeText(value);
      } else if (
        (binaryFields as readonly string[]).includes(key) &&
        typeof value === 'string' &&
        base64.test(value)
      ) {
        result[key as (typeof binaryFields)[number]] = value.replace(/\s/g, '');
      } else if (key === 'json') {
        result.json = value;
      } else {
        result.extra = { ...result.extra, [key]: value };
      }
    }
    if (!this.#take(bytes)) return;
    this.execution.results.push(result);
    void this.#callbacks.onResult?.(result);
  }
}
