import { describe, expect, test } from 'vitest';
import { readImageSize } from '../../../sandboxes/docker/image-header.ts';
import { imageRefusal } from '../../../sandboxes/docker/image-limits.ts';
import { gifHeader, jpegHeader, pngHeader } from './image-fixtures.ts';

const limits = { maxImagePixels: 25_000_000, maxImageSidePixels: 16_384, maxImageBytes: 500_000 };

describe('readImageSize', () => {
  test('reads the size from a PNG IHDR and from a JPEG SOF after other segments', () => {
    expect(readImageSize({ kind: 'png', bytes: pngHeader(40_000, 30_000) })).toEqual({
      width: 40_000,
      height: 30_000,
    });
    expect(readImageSize({ kind: 'jpeg', bytes: jpegHeader(640, 480) })).toEqual({
      width: 640,
      height: 480,
    });
    expect(readImageSize({ kind: 'jpeg', bytes: jpegHeader(65_535, 65_535, 0xc2) })).toEqual({
      width: 65_535,
      height: 65_535,
    });
  });

  test("reads a GIF's logical screen size; a GIF without one has none", () => {
    expect(readImageSize({ kind: 'gif', bytes: gifHeader(300, 200) })).toEqual({
      width: 300,
      height: 200,
    });
    expect(readImageSize({ kind: 'gif', bytes: gifHeader(0, 200) })).toBeUndefined();
    expect(readImageSize({ kind: 'gif', bytes: pngHeader(10, 10) })).toBeUndefined();
    expect(readImageSize({ kind: 'gif', bytes: gifHeader(10, 10).subarray(0, 9) })).toBeUndefined();
  });

  test('an unreadable header has no size', () => {
    const cases: [kind: 'png' | 'jpeg', bytes: Buffer][] = [
      ['png', Buffer.from('not an image')],
      ['png', pngHeader(10, 10).subarray(0, 20)],
      ['png', pngHeader(0, 10)],
      ['png', jpegHeader(10, 10)],
      ['jpeg', pngHeader(10, 10)],
      ['jpeg', jpegHeader(10, 0)], // height given later (DNL): not known from the header
      ['jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02])], // scan data before a frame
      ['jpeg', jpegHeader(10, 10).subarray(0, 28)],
    ];
    for (const [kind, bytes] of cases) expect(readImageSize({ kind, bytes })).toBeUndefined();
  });
});

describe('imageRefusal', () => {
  const base64 = (bytes: Buffer) => bytes.toString('base64');

  test('an image within the limits passes', () => {
    expect(imageRefusal({ kind: 'png', base64: base64(pngHeader(5_000, 5_000)), limits })).toBe(
      undefined,
    );
  });

  test('too many pixels, too long a side, too many bytes or no header: a notice', () => {
    expect(imageRefusal({ kind: 'png', base64: base64(pngHeader(40_000, 40_000)), limits })).toBe(
      '[image dropped: 40000x40000 pixels is over the limit of 25,000,000 pixels and 16,384 on a side]',
    );
    expect(imageRefusal({ kind: 'jpeg', base64: base64(jpegHeader(20_000, 10)), limits })).toMatch(
      /^\[image dropped: 20000x10 pixels is over the limit/,
    );
    expect(imageRefusal({ kind: 'png', base64: base64(Buffer.alloc(600_000)), limits })).toBe(
      '[image dropped: the PNG has 600,000 bytes, over the limit of 500,000]',
    );
    expect(imageRefusal({ kind: 'jpeg', base64: 'AAAA', limits })).toBe(
      '[image dropped: not a readable JPEG header]',
    );
  });
});
