// Width and height of an image, read from its header without decoding it: enough to refuse
// an image whose pixels would not fit in memory (a decompression bomb) before anyone
// downstream (a viewer, a model's image encoder) tries to decode it.

export type ImageKind = 'png' | 'jpeg' | 'gif';

export interface ImageSize {
  width: number;
  height: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_MAX_DIMENSION = 2 ** 31 - 1;

/** The size in a PNG's IHDR chunk, which the format puts first; undefined if unreadable. */
function pngSize(bytes: Buffer): ImageSize | undefined {
  if (bytes.length < 24 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined;
  if (bytes.readUInt32BE(8) !== 13 || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  if (width === 0 || height === 0 || width > PNG_MAX_DIMENSION || height > PNG_MAX_DIMENSION)
    return undefined;
  return { width, height };
}

// Start-of-frame markers (baseline, progressive, lossless, arithmetic); not C4, C8, CC.
const SOF_MARKERS = new Set([
  0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf,
]);

/** The size in a JPEG's first SOF segment, walking the segments before it. */
function jpegSize(bytes: Buffer): ImageSize | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1] ?? 0;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    // Markers without a length: TEM, RST0-7, SOI. SOS or EOI before a frame: no size.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      offset += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return undefined;
    const length = bytes.readUInt16BE(offset + 2);
    if (length < 2) return undefined;
    if (SOF_MARKERS.has(marker)) {
      if (length < 7 || offset + 9 > bytes.length) return undefined;
      const height = bytes.readUInt16BE(offset + 5);
      const width = bytes.readUInt16BE(offset + 7);
      // A height of 0 is given later (DNL): not known from the header, so not accepted.
      return width === 0 || height === 0 ? undefined : { width, height };
    }
    offset += 2 + length;
  }
  return undefined;
}

/** The logical screen size in a GIF's header (every frame lies within it). */
function gifSize(bytes: Buffer): ImageSize | undefined {
  if (bytes.length < 10) return undefined;
  const signature = bytes.toString('latin1', 0, 6);
  if (signature !== 'GIF87a' && signature !== 'GIF89a') return undefined;
  const width = bytes.readUInt16LE(6);
  const height = bytes.readUInt16LE(8);
  return width === 0 || height === 0 ? undefined : { width, height };
}

/** The pixel size an image's header declares, or undefined when the header is unreadable. */
export function readImageSize({
  kind,
  bytes,
}: {
  kind: ImageKind;
  bytes: Buffer;
}): ImageSize | undefined {
  if (kind === 'png') return pngSize(bytes);
  return kind === 'jpeg' ? jpegSize(bytes) : gifSize(bytes);
}
