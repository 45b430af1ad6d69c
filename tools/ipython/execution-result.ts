import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionResultItem, ActionReturn, Execution } from '../../core/index.ts';
import { ActionStatusCode, createActionReturn } from '../../core/index.ts';

/** Where figures go: files on this host (Lagent's way), or inline data URLs that travel with the result. */
export type ImageOutput = { mode: 'file'; dir: string } | { mode: 'data-url' };

export const DEFAULT_IMAGE_DIR = join(tmpdir(), 'lagent-ts-images');
export const DEFAULT_IMAGE_OUTPUT: ImageOutput = { mode: 'file', dir: DEFAULT_IMAGE_DIR };
/** Lagent's IPythonInteractive cut. */
export const DEFAULT_MAX_OUTPUT_CHARS = 2048;
export const TIMEOUT_MESSAGE = 'The code interpreter encountered a timeout error.';

function cut(text: string, maxChars: number): string {
  if (maxChars < 0 || text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}\n[output cut at ${maxChars} characters]`;
}

async function imageItem(png: string, output: ImageOutput): Promise<ActionResultItem> {
  if (output.mode === 'data-url') return { type: 'image', content: `data:image/png;base64,${png}` };
  await mkdir(output.dir, { recursive: true });
  const path = join(output.dir, `${randomUUID()}.png`);
  await writeFile(path, Buffer.from(png, 'base64'));
  return { type: 'image', content: path };
}

/**
 * An Execution as the ActionReturn a model reads: the code's stdout and its value as text,
 * figures as image items; a failure as an errmsg (the traceback, or the timeout message).
 */
export async function executionToActionReturn({
  execution,
  name,
  command,
  maxOutputChars,
  images,
}: {
  execution: Execution;
  name: string;
  command: string;
  maxOutputChars: number;
  images: ImageOutput;
}): Promise<ActionReturn> {
  const args = { text: command };
  if (execution.timedOut) {
    return createActionReturn({
      args,
      type: name,
      errmsg: `${TIMEOUT_MESSAGE} ${execution.error?.value ?? ''}`.trim(),
      state: ActionStatusCode.API_ERROR,
    });
  }
  const stdout = execution.logs.stdout.join('').trim();
  if (execution.error) {
    const detail = execution.error.traceback || `${execution.error.name}: ${execution.error.value}`;
    return createActionReturn({
      args,
      type: name,
      errmsg: cut([stdout, detail].filter(Boolean).join('\n'), maxOutputChars),
      state: ActionStatusCode.API_ERROR,
    });
  }
  const value = execution.results.find((result) => result.isMainResult)?.text;
  const text = cut(
    [stdout, value].filter((part) => part !== undefined && part !== '').join('\n'),
    maxOutputChars,
  );
  const figures = await Promise.all(
    execution.results.flatMap((result) =>
      result.png === undefined ? [] : [imageItem(result.png, images)],
    ),
  );
  return createActionReturn({
    args,
    type: name,
    result: [{ type: 'text', content: text }, ...figures],
  });
}

const PNG_DATA_URL = 'data:image/png;base64,';

/**
 * An ActionReturn whose PNG images travel inline (data URLs, as queue workers send them)
 * with those images written out as `output` says: files, as Lagent's interpreters leave them,
 * so the text the model reads holds `[image](path)` rather than the image's bytes.
 */
export async function localizeImages({
  actionReturn,
  images,
}: {
  actionReturn: ActionReturn;
  images: ImageOutput;
}): Promise<ActionReturn> {
  if (images.mode === 'data-url' || !actionReturn.result) return actionReturn;
  const result = await Promise.all(
    actionReturn.result.map(async (item) =>
      item.type === 'image' &&
      typeof item.content === 'string' &&
      item.content.startsWith(PNG_DATA_URL)
        ? await imageItem(item.content.slice(PNG_DATA_URL.length), images)
        : item,
    ),
  );
  return { ...actionReturn, result };
}
