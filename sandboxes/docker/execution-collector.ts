import type {
  Execution,
  ExecutionError,
  ExecutionResult,
  ExecutionStop,
  OutputMessage,
  RunCodeOptions,
} from '../../core/index.ts';
import {
  DEFAULT_MAX_IMAGE_BYTES,
  DEFAULT_MAX_IMAGE_PIXELS,
  DEFAULT_MAX_IMAGE_SIDE_PIXELS,
  DEFAULT_MAX_RESULTS,
} from './docker-sandbox-options.ts';
import type { OutputLimits } from './docker-sandbox-options.ts';
import type { DriverFrame } from './driver-frames.ts';
import type { ImageLimits } from './image-limits.ts';
import { imageRefusal } from './image-limits.ts';
import { sanitizeText } from '../shared/output-sanitizer.ts';

const textFields = ['text', 'html', 'markdown', 'latex', 'svg', 'javascript'] as const;
const imageFields = ['png', 'jpeg'] as const;
const base64 = /^[A-Za-z0-9+/=\s]*$/;

type Callbacks = Pick<RunCodeOptions, 'onStdout' | 'onStderr' | 'onResult' | 'onError'>;

export type ExecutionCollectorOptions = Pick<OutputLimits, 'maxOutputBytes'> &
  Partial<Omit<OutputLimits, 'maxOutputBytes'>> & { callbacks: Callbacks };

/** The head of `text` within `maxBytes` of UTF-8 (a partial character is dropped). */
function headBytes(text: string, maxBytes: number): string {
  return Buffer.from(text)
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

function capped(text: string, maxBytes: number, what: string): string {
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return text;
  return `${headBytes(text, maxBytes)}\n[${what} truncated: ${bytes - maxBytes} more bytes were cut]`;
}

/**
 * Builds one Execution from driver frames: sanitises text, keeps at most `maxOutputBytes`
 * of output and `maxResults` rich outputs (counted here, whatever the driver claims), drops
 * oversized or unreadable images, says what it cut, and calls the caller's callbacks as
 * output arrives.
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
  #resultsKept = 0;
  #resultsDropped = 0;
  #mainKept = false;
  #imagesDropped = 0;
  readonly #callbacks: Callbacks;
  readonly #maxOutputBytes: number;
  readonly #maxResults: number;
  readonly #imageLimits: ImageLimits;

  constructor({
    maxOutputBytes,
    maxResults = DEFAULT_MAX_RESULTS,
    maxImagePixels = DEFAULT_MAX_IMAGE_PIXELS,
    maxImageSidePixels = DEFAULT_MAX_IMAGE_SIDE_PIXELS,
    maxImageBytes = DEFAULT_MAX_IMAGE_BYTES,
    callbacks,
  }: ExecutionCollectorOptions) {
    this.#remaining = maxOutputBytes;
    this.#maxOutputBytes = maxOutputBytes;
    this.#maxResults = maxResults;
    this.#imageLimits = { maxImagePixels, maxImageSidePixels, maxImageBytes };
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
        this.#resultsDropped += frame.droppedResults ?? 0;
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
    this.execution.error = {
      name: capped(error.name, 1_000, 'name'),
      value: capped(error.value, this.#maxOutputBytes, 'value'),
      traceback: capped(error.traceback, this.#maxOutputBytes, 'traceback'),
    };
    void this.#callbacks.onError?.(this.execution.error);
  }

  /** Finalises the execution: the truncation notices, and how a deadline stopped it. */
  finish({
    timedOut,
    stateLost = false,
  }: {
    timedOut?: ExecutionStop;
    /** The call ended with a fresh kernel: the session's state is gone. */
    stateLost?: boolean;
  } = {}): Execution {
    const { stderr } = this.execution.logs;
    if (this.#dropped > 0) {
      stderr.push(
        `[output truncated: more than ${this.#maxOutputBytes} bytes; ${this.#dropped} bytes were dropped]\n`,
      );
    }
    if (this.#resultsDropped > 0) {
      stderr.push(
        `[${this.#resultsDropped} more rich outputs were dropped: at most ${this.#maxResults} per call]\n`,
      );
    }
    if (this.#imagesDropped > 0) {
      stderr.push(
        `[${this.#imagesDropped} image(s) dropped: over the size limits or unreadable; the result's text says why]\n`,
      );
    }
    if (this.#dropped + this.#resultsDropped + this.#imagesDropped > 0) {
      this.execution.truncated = true;
    }
    if (timedOut) this.execution.timedOut = timedOut;
    if (stateLost) this.execution.stateLost = true;
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
      // Keep the head of a chunk that overflows the cap.
      const head = headBytes(text, this.#remaining);
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
    // The cell's value (one per execution) is kept past the count cap; displays are not.
    const counted = !(isMainResult && !this.#mainKept);
    if (counted && this.#resultsKept >= this.#maxResults) {
      this.#resultsDropped += 1;
      return;
    }
    const result: ExecutionResult = { isMainResult };
    const refusals: string[] = [];
    for (const [key, value] of Object.entries(data)) {
      if ((textFields as readonly string[]).includes(key) && typeof value === 'string') {
        result[key as (typeof textFields)[number]] = sanitizeText(value);
      } else if ((imageFields as readonly string[]).includes(key)) {
        const kind = key as (typeof imageFields)[number];
        const clean =
          typeof value === 'string' && base64.test(value) ? value.replace(/\s/g, '') : '';
        const refusal = imageRefusal({ kind, base64: clean, limits: this.#imageLimits });
        if (refusal) refusals.push(refusal);
        else result[kind] = clean;
      } else if (key === 'pdf' && typeof value === 'string' && base64.test(value)) {
        result.pdf = value.replace(/\s/g, '');
      } else if (key === 'json') {
        result.json = value;
      } else if (key === 'image/gif') {
        // Kept under its MIME type in `extra`, once its header passes the same limits.
        const clean =
          typeof value === 'string' && base64.test(value) ? value.replace(/\s/g, '') : '';
        const refusal = imageRefusal({ kind: 'gif', base64: clean, limits: this.#imageLimits });
        if (refusal) refusals.push(refusal);
        else result.extra = { ...result.extra, [key]: clean };
      } else if (key.startsWith('image/')) {
        // A raster format whose header is not read here (WebP, BMP, TIFF...) could declare
        // any size: refused rather than passed on unchecked.
        refusals.push(
          `[image dropped: ${sanitizeText(key.slice(0, 100))} is not a format whose size is checked (PNG, JPEG, GIF)]`,
        );
      } else {
        result.extra = { ...result.extra, [key]: value };
      }
    }
    if (refusals.length > 0) {
      this.#imagesDropped += refusals.length;
      result.text = [...refusals, ...(result.text === undefined ? [] : [result.text])].join('\n');
    }
    let bytes = 0;
    for (const [key, value] of Object.entries(result)) {
      if (key === 'isMainResult') continue;
      bytes += typeof value === 'string' ? Buffer.byteLength(value) : JSON.stringify(value).length;
    }
    if (!this.#take(bytes)) return;
    if (counted) this.#resultsKept += 1;
    else this.#mainKept = true;
    this.execution.results.push(result);
    void this.#callbacks.onResult?.(result);
  }
}
