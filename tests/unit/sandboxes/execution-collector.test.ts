import { describe, expect, test } from 'vitest';
import { ExecutionCollector } from '../../../sandboxes/docker/execution-collector.ts';
import { gifHeader, jpegHeader, pngHeader } from './image-fixtures.ts';

describe('ExecutionCollector', () => {
  test('an execution the kernel answered as aborted is an error, not an empty success', () => {
    const collector = new ExecutionCollector({ maxOutputBytes: 1_000, callbacks: {} });
    expect(collector.add({ t: 'end', id: 1, count: null, status: 'aborted', dropped: 0 })).toBe(
      true,
    );
    expect(collector.finish().error).toMatchObject({ name: 'ExecutionAborted' });
  });

  test('a finished execution keeps its value and no error', () => {
    const collector = new ExecutionCollector({ maxOutputBytes: 1_000, callbacks: {} });
    collector.add({ t: 'result', id: 1, main: true, data: { text: '4' } });
    collector.add({ t: 'end', id: 1, count: 3, status: 'ok', dropped: 0 });
    const execution = collector.finish();
    expect(execution.error).toBeNull();
    expect(execution.executionCount).toBe(3);
    expect(execution.results[0]).toMatchObject({ text: '4', isMainResult: true });
  });
});

describe('ExecutionCollector caps (the host does not trust the driver)', () => {
  const end = (extra: { dropped?: number; droppedResults?: number } = {}) =>
    ({ t: 'end', id: 1, count: 1, status: 'ok', dropped: 0, ...extra }) as const;

  test('at most maxResults rich outputs, then one marker; the cell value is kept besides', () => {
    const seen: unknown[] = [];
    const collector = new ExecutionCollector({
      maxOutputBytes: 1_000_000,
      maxResults: 100,
      callbacks: { onResult: (result) => void seen.push(result) },
    });
    // A driver that ignores the cap and sends everything.
    for (let index = 0; index < 250; index += 1)
      collector.add({ t: 'result', id: 1, main: false, data: { text: `display ${index}` } });
    collector.add({ t: 'result', id: 1, main: true, data: { text: 'value' } });
    collector.add({ t: 'result', id: 1, main: true, data: { text: 'a second value' } });
    collector.add(end());
    const execution = collector.finish();
    expect(execution.results).toHaveLength(101);
    expect(execution.results[99]?.text).toBe('display 99');
    expect(execution.results[100]).toEqual({ text: 'value', isMainResult: true });
    expect(seen).toHaveLength(101);
    expect(execution.truncated).toBe(true);
    expect(execution.logs.stderr).toEqual([
      '[151 more rich outputs were dropped: at most 100 per call]\n',
    ]);
  });

  test("the driver's own count of dropped outputs goes into the same marker", () => {
    const collector = new ExecutionCollector({
      maxOutputBytes: 1_000,
      maxResults: 2,
      callbacks: {},
    });
    for (let index = 0; index < 3; index += 1)
      collector.add({ t: 'result', id: 1, main: false, data: { text: String(index) } });
    collector.add(end({ droppedResults: 199_997 }));
    const execution = collector.finish();
    expect(execution.results.map((result) => result.text)).toEqual(['0', '1']);
    expect(execution.logs.stderr).toEqual([
      '[199998 more rich outputs were dropped: at most 2 per call]\n',
    ]);
  });

  test('an image over the pixel limit, or with no readable header, becomes a notice', () => {
    const collector = new ExecutionCollector({ maxOutputBytes: 1_000_000, callbacks: {} });
    const png = (bytes: Buffer) => bytes.toString('base64');
    collector.add({
      t: 'result',
      id: 1,
      main: false,
      data: { png: png(pngHeader(40_000, 40_000)), text: '<Figure>' },
    });
    collector.add({ t: 'result', id: 1, main: false, data: { jpeg: 'bm90IGEganBlZw==' } });
    collector.add({ t: 'result', id: 1, main: false, data: { png: 'not base64 at all!' } });
    collector.add({ t: 'result', id: 1, main: false, data: { png: png(pngHeader(640, 480)) } });
    collector.add({ t: 'result', id: 1, main: false, data: { jpeg: png(jpegHeader(64, 48)) } });
    collector.add(end());
    const execution = collector.finish();
    expect(execution.results[0]).toEqual({
      isMainResult: false,
      text: '[image dropped: 40000x40000 pixels is over the limit of 25,000,000 pixels and 16,384 on a side]\n<Figure>',
    });
    expect(execution.results[1]).toEqual({
      isMainResult: false,
      text: '[image dropped: not a readable JPEG header]',
    });
    expect(execution.results[2]?.text).toBe('[image dropped: not a readable PNG header]');
    expect(execution.results[2]?.extra).toBeUndefined();
    expect(execution.results[3]?.png).toBe(png(pngHeader(640, 480)));
    expect(execution.results[4]?.jpeg).toBe(png(jpegHeader(64, 48)));
    expect(execution.truncated).toBe(true);
    expect(execution.logs.stderr.join('')).toContain('[3 image(s) dropped');
  });

  test('a GIF is checked like a PNG; a raster format whose header is not read is refused', () => {
    const collector = new ExecutionCollector({ maxOutputBytes: 1_000_000, callbacks: {} });
    const gif = (bytes: Buffer) => bytes.toString('base64');
    collector.add({
      t: 'result',
      id: 1,
      main: false,
      data: { 'image/gif': gif(gifHeader(65_535, 65_535)) },
    });
    collector.add({
      t: 'result',
      id: 1,
      main: false,
      data: { 'image/gif': gif(gifHeader(32, 16)) },
    });
    collector.add({
      t: 'result',
      id: 1,
      main: false,
      data: { 'image/webp': 'UklGRg==', text: 'w' },
    });
    collector.add(end());
    const execution = collector.finish();
    expect(execution.results[0]).toEqual({
      isMainResult: false,
      text: '[image dropped: 65535x65535 pixels is over the limit of 25,000,000 pixels and 16,384 on a side]',
    });
    expect(execution.results[1]?.extra).toEqual({ 'image/gif': gif(gifHeader(32, 16)) });
    expect(execution.results[2]).toEqual({
      isMainResult: false,
      text: '[image dropped: image/webp is not a format whose size is checked (PNG, JPEG, GIF)]\nw',
    });
    expect(execution.logs.stderr.join('')).toContain('[2 image(s) dropped');
  });

  test('an image over the byte limit becomes a notice without costing the output budget', () => {
    const collector = new ExecutionCollector({
      maxOutputBytes: 10_000,
      maxImageBytes: 1_000,
      callbacks: {},
    });
    const big = Buffer.concat([pngHeader(10, 10), Buffer.alloc(5_000)]).toString('base64');
    collector.add({ t: 'result', id: 1, main: false, data: { png: big } });
    collector.add({ t: 'stream', id: 1, name: 'stdout', text: 'still room\n' });
    collector.add(end());
    const execution = collector.finish();
    expect(execution.results[0]?.text).toBe(
      '[image dropped: the PNG has 5,033 bytes, over the limit of 1,000]',
    );
    expect(execution.logs.stdout).toEqual(['still room\n']);
  });

  test('an error value and traceback larger than the output cap are cut, saying so', () => {
    const collector = new ExecutionCollector({ maxOutputBytes: 1_000, callbacks: {} });
    collector.add({
      t: 'error',
      id: 1,
      name: 'ValueError',
      value: 'x'.repeat(50_000),
      traceback: ['y'.repeat(50_000)],
    });
    const { error } = collector.finish();
    expect(error?.value).toBe(`${'x'.repeat(1_000)}\n[value truncated: 49000 more bytes were cut]`);
    expect(error?.traceback).toBe(
      `${'y'.repeat(1_000)}\n[traceback truncated: 49000 more bytes were cut]`,
    );
  });

  test('text in streams, results and errors is sanitised', () => {
    const collector = new ExecutionCollector({ maxOutputBytes: 1_000, callbacks: {} });
    collector.add({ t: 'stream', id: 1, name: 'stdout', text: 'a\u202eb\u0007\n' });
    collector.add({ t: 'result', id: 1, main: true, data: { text: "'\u200b'" } });
    collector.add({ t: 'error', id: 1, name: 'E\u2066', value: 'v\u0000', traceback: [] });
    const execution = collector.finish();
    expect(execution.logs.stdout).toEqual(['a\\u202eb\\u0007\n']);
    expect(execution.results[0]?.text).toBe("'\\u200b'");
    expect(execution.error).toMatchObject({ name: 'E\\u2066', value: 'v\\u0000' });
  });
});
