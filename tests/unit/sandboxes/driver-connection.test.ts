import { Duplex } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { DriverConnection } from '../../../sandboxes/docker/driver-connection.ts';
import type { DriverFrame } from '../../../sandboxes/docker/driver-frames.ts';

/** One chunk of Docker's multiplexed attach stream: 1 is stdout, 2 stderr. */
const muxed = (stream: 1 | 2, text: string): Buffer => {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

/** A fake attach stream, what the driver would say and what the host hears. */
function connect({ maxFrameBytes = 1_000 }: { maxFrameBytes?: number } = {}) {
  const written: string[] = [];
  const stream = new Duplex({
    read: () => undefined,
    write: (chunk: Buffer, _encoding, done) => {
      written.push(chunk.toString('utf8'));
      done();
    },
  });
  const frames: DriverFrame[] = [];
  const violations: string[] = [];
  let closed = 0;
  const connection = new DriverConnection({
    stream,
    maxFrameBytes,
    onFrame: (frame) => frames.push(frame),
    onViolation: (reason) => violations.push(reason),
    onClose: () => (closed += 1),
  });
  return {
    connection,
    frames,
    violations,
    written,
    closed: () => closed,
    // Synchronous, as the connection sees a chunk: no wait for the stream's next tick.
    say: (chunk: Buffer) => stream.emit('data', chunk),
  };
}

describe('DriverConnection', () => {
  test('frames split across chunks and headers are read; the stream from stderr is ignored', () => {
    const driver = connect();
    const bytes = Buffer.concat([
      muxed(1, '{"t":"ok","id":1}\n{"t":"stream","id":2,"name":"stdout","te'),
      muxed(2, 'garbage the code wrote to stderr\n'),
      muxed(1, 'xt":"hi"}\n'),
    ]);
    for (let start = 0; start < bytes.length; start += 5)
      driver.say(bytes.subarray(start, start + 5));
    expect(driver.frames).toEqual([
      { t: 'ok', id: 1 },
      { t: 'stream', id: 2, name: 'stdout', text: 'hi' },
    ]);
    expect(driver.violations).toEqual([]);
  });

  test('a line that is not a frame is a violation naming it (made safe to show), and ends the connection', () => {
    const driver = connect();
    driver.say(muxed(1, '{"t":"ok","id":1}\nhello \u001b[31mred\u202e\n{"t":"ok","id":2}\n'));
    expect(driver.frames).toEqual([{ t: 'ok', id: 1 }]);
    expect(driver.violations).toEqual(['an invalid frame: hello red\\u202e']);
    expect(driver.connection.closed).toBe(true);
    expect(driver.closed()).toBe(1);
    expect(driver.connection.send({ op: 'ping', id: 3 })).toBe(false);
  });

  test('a frame of the wrong shape is a violation too', () => {
    const driver = connect();
    driver.say(muxed(1, '{"t":"end","id":1,"count":1,"status":"ok","dropped":-5}\n'));
    expect(driver.frames).toEqual([]);
    expect(driver.violations).toHaveLength(1);
  });

  test('a line longer than maxFrameBytes is a violation before it ends', () => {
    const driver = connect({ maxFrameBytes: 100 });
    driver.say(muxed(1, 'x'.repeat(60)));
    expect(driver.violations).toEqual([]);
    driver.say(muxed(1, 'x'.repeat(60)));
    expect(driver.violations).toEqual(['a frame longer than 100 bytes']);
  });

  test('commands go out as JSON lines', () => {
    const driver = connect();
    driver.connection.send({ op: 'ping', id: 7 });
    expect(driver.written).toEqual(['{"op":"ping","id":7}\n']);
  });
});
