// Console output of one execution, kept on the host side of the isolate as it is printed:
// a stop that disposes the isolate (memory, wall clock, abort) still returns what came
// before it. Capped at `maxOutputChars` in all; past the cap the output is cut, flagged
// `truncated` and a notice is added to stderr.
import { sanitizeText } from '../shared/output-sanitizer.ts';
import { PRELUDE_STDERR } from './isolate-prelude.ts';

export class IsolateOutput {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly #maxChars: number;
  #used = 0;
  #cutChars = 0;

  constructor({ maxOutputChars }: { maxOutputChars: number }) {
    this.#maxChars = maxOutputChars;
  }

  get truncated(): boolean {
    return this.#cutChars > 0;
  }

  /**
   * Takes one line; answers whether more output is wanted: false once something was cut, so
   * the isolate stops formatting lines that would be dropped.
   */
  write(stream: number, line: unknown): boolean {
    if (typeof line !== 'string') return this.#cutChars === 0;
    // Cleaned first: an escape is longer than the character it shows, and the cap counts it.
    const clean = sanitizeText(line);
    const room = this.#maxChars - this.#used;
    const kept = clean.length > room ? cut(clean, Math.max(0, room)) : clean;
    this.#cutChars += clean.length - kept.length;
    if (kept) {
      this.#used += kept.length;
      (stream === PRELUDE_STDERR ? this.stderr : this.stdout).push(kept);
    }
    return this.#cutChars === 0;
  }

  /** Marks output cut elsewhere (a value shown in part). */
  markTruncated(): void {
    this.#cutChars = Math.max(this.#cutChars, 1);
  }

  /** The logs, with a notice on stderr when output was cut. */
  logs(): { stdout: string[]; stderr: string[] } {
    if (this.#cutChars === 0) return { stdout: this.stdout, stderr: this.stderr };
    const notice = `[output truncated: more than ${String(this.#maxChars)} characters]\n`;
    return { stdout: this.stdout, stderr: [...this.stderr, notice] };
  }
}

/** The first `length` UTF-16 units, one less rather than half a surrogate pair. */
function cut(text: string, length: number): string {
  const code = text.charCodeAt(length - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? length - 1 : length);
}
