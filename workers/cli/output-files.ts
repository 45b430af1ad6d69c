import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ExecutionResult } from '../../core/index.ts';

/** Rich outputs saved to files, with their extension; png, jpeg and pdf come base64-encoded. */
export const RICH_OUTPUT_EXTENSIONS = {
  png: 'png',
  jpeg: 'jpg',
  pdf: 'pdf',
  svg: 'svg',
  html: 'html',
  javascript: 'js',
} as const;

export type RichOutputKind = keyof typeof RICH_OUTPUT_EXTENSIONS;

const BASE64_KINDS: ReadonlySet<RichOutputKind> = new Set(['png', 'jpeg', 'pdf']);

/** Extensions of the MIME types that data URLs in an ActionReturn carry. */
const MIME_EXTENSIONS: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/svg+xml': 'svg',
  'application/pdf': 'pdf',
  'text/html': 'html',
};

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+)?((?:;[\w.+-]+=[\w.+-]+)*)(;base64)?,(.*)$/s;

function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export interface SavedOutput {
  /** What was saved: the rich result's key (png, svg, ...) or the item's type (image). */
  kind: string;
  path: string;
}

/**
 * Saves a job's rich outputs (figures, HTML, ...) as files, so a terminal gets their paths
 * instead of kilobytes of base64. The default directory is a fresh temporary one, made and
 * announced (once) when the first file is saved.
 */
export class OutputFiles {
  readonly #chosenDir: string | undefined;
  readonly #announce: (dir: string) => void;
  #dir: Promise<string> | undefined;
  #count = 0;

  constructor({ dir, announce }: { dir?: string | undefined; announce: (dir: string) => void }) {
    this.#chosenDir = dir === undefined ? undefined : resolve(dir);
    this.#announce = announce;
  }

  /** Saves every rich field of an execution result, in a fixed order. */
  async saveResult({
    jobId,
    result,
  }: {
    jobId: string;
    result: ExecutionResult;
  }): Promise<SavedOutput[]> {
    const saved: SavedOutput[] = [];
    for (const kind of Object.keys(RICH_OUTPUT_EXTENSIONS) as RichOutputKind[]) {
      const value = result[kind];
      if (value === undefined) continue;
      const bytes = BASE64_KINDS.has(kind) ? Buffer.from(value, 'base64') : Buffer.from(value);
      saved.push({ kind, path: await this.#write(jobId, RICH_OUTPUT_EXTENSIONS[kind], bytes) });
    }
    return saved;
  }

  /** Saves a data URL (an ActionReturn's image item); undefined when `content` is not one. */
  async saveDataUrl({
    jobId,
    kind,
    content,
  }: {
    jobId: string;
    kind: string;
    content: string;
  }): Promise<SavedOutput | undefined> {
    const match = DATA_URL.exec(content);
    if (!match) return undefined;
    const [, mime = 'text/plain', , base64, data = ''] = match;
    const bytes = base64 ? Buffer.from(data, 'base64') : Buffer.from(percentDecoded(data), 'utf8');
    const extension = MIME_EXTENSIONS[mime.toLowerCase()] ?? 'bin';
    return { kind, path: await this.#write(jobId, extension, bytes) };
  }

  async #write(jobId: string, extension: string, bytes: Buffer): Promise<string> {
    this.#count += 1;
    const path = join(await this.#directory(), `${jobId}-${this.#count}.${extension}`);
    await writeFile(path, bytes);
    return path;
  }

  #directory(): Promise<string> {
    this.#dir ??= (async () => {
      if (this.#chosenDir !== undefined) {
        await mkdir(this.#chosenDir, { recursive: true });
        return this.#chosenDir;
      }
      const dir = await mkdtemp(join(tmpdir(), 'lagent-output-'));
      this.#announce(dir);
      return dir;
    })();
    return this.#dir;
  }
}
