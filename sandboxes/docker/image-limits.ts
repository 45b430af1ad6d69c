import type { ImageKind } from './image-header.ts';
import { readImageSize } from './image-header.ts';

export interface ImageLimits {
  /** Pixels (width x height) an image may declare. */
  maxImagePixels: number;
  /** Pixels on its longest side. */
  maxImageSidePixels: number;
  /** Bytes, decoded. */
  maxImageBytes: number;
}

const grouped = (value: number) => value.toLocaleString('en-US');

/** Bytes that `base64` (whitespace already removed) decodes to, without decoding it. */
function decodedBytes(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return Math.floor((base64.length * 3) / 4) - padding;
}

/**
 * Why an image must not be passed on (too many bytes, too many pixels, or a header that
 * cannot be read), as a notice for the caller; undefined when it is within the limits.
 */
export function imageRefusal({
  kind,
  base64,
  limits,
}: {
  kind: ImageKind;
  base64: string;
  limits: ImageLimits;
}): string | undefined {
  const format = kind.toUpperCase();
  const bytes = decodedBytes(base64);
  if (bytes > limits.maxImageBytes)
    return `[image dropped: the ${format} has ${grouped(bytes)} bytes, over the limit of ${grouped(limits.maxImageBytes)}]`;
  const size = readImageSize({ kind, bytes: Buffer.from(base64, 'base64') });
  if (!size) return `[image dropped: not a readable ${format} header]`;
  const { width, height } = size;
  if (width * height > limits.maxImagePixels || Math.max(width, height) > limits.maxImageSidePixels)
    return `[image dropped: ${width}x${height} pixels is over the limit of ${grouped(limits.maxImagePixels)} pixels and ${grouped(limits.maxImageSidePixels)} on a side]`;
  return undefined;
}
