import type { Duplex } from 'node:stream';
import { safeParseJson } from '../../core/index.ts';
import type { DriverCommand, DriverFrame } from './driver-frames.ts';
import { DriverFrameSchema } from './driver-frames.ts';
import { sanitizeText } from '../shared/output-sanitizer.ts';

const HEADER_BYTES = 8;
const STDOUT = 1;

export interface DriverConnectionOptions {
  /** The container's attach stream: multiplexed stdout/stderr in, raw stdin out. */
  stream: Duplex;
  /** A line longer than this is a protocol violation. */
  maxFrameBytes: number;
  onFrame: (frame: DriverFrame) => void;
  /** The driver broke the protocol; the container must go. */
  onViolation: (reason: string) => void;
  /** The stream ended: the driver exited or the container stopped. */
  onClose: () => void;
}

/**
 * The host end of the driver protocol over Docker's attach stream: demultiplexes Docker's
 * 8-byte-header frames, splits stdout into lines, validates each as a DriverFrame, and
 * writes commands to stdin. Driver stderr is read and dropped (the driver sends nothing
 * there, but the code may).
 */
export class DriverConnection {
  readonly #stream: Duplex;
  readonly #options: DriverConnectionOptions;
  #buffer: Buffer = Buffer.alloc(0);
  #lineParts: Buffer[] = [];
  #lineBytes = 0;
  #closed = false;

  constructor(options: DriverConnectionOptions) {
    this.#options = options;
    this.#stream = options.stream;
    this.#stream.on('data', (chunk: Buffer) => this.#onData(chunk));
    const closed = () => this.#close();
    this.#stream.once('end', closed);
    this.#stream.once('close', closed);
    this.#stream.once('error', closed);
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(command: DriverCommand): boolean {
    if (this.#closed) return false;
    this.#stream.write(`${JSON.stringify(command)}\n`);
    return true;
  }

  /** Ends stdin (the driver exits on EOF) and drops the stream. */
  destroy(): void {
    if (this.#closed) return;
    this.#stream.end();
    this.#stream.destroy();
    this.#close();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#options.onClose();
  }

  #violation(reason: string): void {
    if (this.#closed) return;
    this.#options.onViolation(reason);
    this.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= HEADER_BYTES) {
      const type = this.#buffer[0];
      const size = this.#buffer.readUInt32BE(4);
      if (this.#buffer.length < HEADER_BYTES + size) break;
      const payload = this.#buffer.subarray(HEADER_BYTES, HEADER_BYTES + size);
      this.#buffer = this.#buffer.subarray(HEADER_BYTES + size);
      if (type === STDOUT) this.#onStdout(payload);
      if (this.#closed) return;
    }
  }

  #onStdout(payload: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = payload.indexOf(10, start);
      const piece = payload.subarray(start, newline === -1 ? payload.length : newline);
      this.#lineBytes += piece.length;
      if (this.#lineBytes > this.#options.maxFrameBytes) {
        this.#violation(`a frame longer than ${this.#options.maxFrameBytes} bytes`);
        return;
      }
      if (piece.length > 0) this.#lineParts.push(piece);
      if (newline === -1) return;
      const line = Buffer.concat(this.#lineParts).toString('utf8');
      this.#lineParts = [];
      this.#lineBytes = 0;
      start = newline + 1;
      if (line.length > 0) this.#onLine(line);
      if (this.#closed) return;
    }
  }

  #onLine(line: string): void {
    const json = safeParseJson(line);
    const frame = json.success ? DriverFrameSchema.safeParse(json.value) : undefined;
    if (!frame?.success) {
      // The reason reaches the caller: the line's head, made safe to show.
      this.#violation(`an invalid frame: ${sanitizeText(line.slice(0, 200))}`);
      return;
    }
    this.#options.onFrame(frame.data);
  }
}
