import type { ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import {
  JobNotFoundError,
  NoWorkerError,
  QueueFullError,
  RequestLimitError,
  ValidationError,
} from '../../../../core/index.ts';
import { describeError, HttpError } from '../../../../workers/service/api-error.ts';
import { checkServiceHost, isLoopbackHost } from '../../../../workers/cli/serve-command.ts';
import { hashApiKey } from '../../../../workers/service/tenants.ts';
import {
  OpenStreams,
  openSseStream,
  parseLastEventId,
} from '../../../../workers/service/sse-stream.ts';

describe('describeError', () => {
  test('platform errors keep their code and get their status', () => {
    expect(describeError(new JobNotFoundError({ jobId: 'x' }))).toMatchObject({
      status: 404,
      body: { error: { code: 'JOB_NOT_FOUND', isRetryable: false } },
    });
    expect(describeError(new QueueFullError({ queue: 'q', pending: 3, limit: 3 }))).toMatchObject({
      status: 503,
      retryAfterS: 1,
      body: { error: { code: 'QUEUE_FULL', isRetryable: true } },
    });
    expect(describeError(new NoWorkerError({ queue: 'q' }))).toMatchObject({
      status: 503,
      retryAfterS: 1,
    });
    expect(
      describeError(new ValidationError({ subject: 'job', issues: ['a: wrong', 'b: missing'] })),
    ).toMatchObject({ status: 400, body: { error: { issues: ['a: wrong', 'b: missing'] } } });
    expect(
      describeError(
        new RequestLimitError({ limit: 'maxCodeBytes', max: 1, message: 'code too large' }),
      ).status,
    ).toBe(413);
    expect(describeError(new HttpError({ code: 'NOT_FOUND', message: 'no route' }))).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'no route' } },
    });
  });

  test('anything unexpected is a 500 that says nothing of its cause', () => {
    const answer = describeError(new TypeError('secret path /etc/x at line 3'));
    expect(answer.status).toBe(500);
    expect(answer.body.error).toEqual({
      code: 'INTERNAL',
      message: 'The service failed on this request; it has been logged',
      isRetryable: true,
    });
  });
});

describe('Last-Event-ID', () => {
  test('absent or empty means none seen; a number is the last seen; anything else is refused', () => {
    expect(parseLastEventId(undefined)).toBe(-1);
    expect(parseLastEventId('')).toBe(-1);
    expect(parseLastEventId('12')).toBe(12);
    expect(parseLastEventId(['3', '4'])).toBe(3);
    expect(parseLastEventId('-1')).toBeNull();
    expect(parseLastEventId('1e3')).toBeNull();
    expect(parseLastEventId('9999999999')).toBeNull();
  });
});

describe('event streams', () => {
  const fakeResponse = () => {
    const sink = new PassThrough();
    let written = '';
    sink.on('data', (chunk: Buffer) => (written += chunk.toString('utf8')));
    Object.assign(sink, { writeHead: () => sink });
    return { response: sink as unknown as ServerResponse, written: () => written };
  };

  test('each event is an id, a type and one line of JSON', async () => {
    const { response, written } = fakeResponse();
    const stream = openSseStream({ response, heartbeatMs: 60_000 });
    await stream.send({ id: 0, type: 'stdout', data: { type: 'stdout', text: 'a\nb' } });
    stream.end();
    expect(written()).toBe(
      'retry: 1000\n\nid: 0\nevent: stdout\ndata: {"type":"stdout","text":"a\\nb"}\n\n',
    );
    expect(stream.signal.aborted).toBe(true);
  });

  test('a drain lets streams end on their own, then ends those left at its grace', async () => {
    const streams = new OpenStreams();
    const finishing = openSseStream({ response: fakeResponse().response, heartbeatMs: 60_000 });
    const lingering = openSseStream({ response: fakeResponse().response, heartbeatMs: 60_000 });
    streams.add(finishing);
    streams.add(lingering);
    const drained = streams.drain(50);
    streams.delete(finishing);
    finishing.end();
    await drained;
    expect(lingering.signal.aborted).toBe(true);
    const empty = new OpenStreams();
    await empty.drain(60_000); // nothing open: no wait at all
  });
});

describe('serve host', () => {
  test('loopback only without API keys', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.4', 'example.com']) {
      expect(isLoopbackHost(host), host).toBe(false);
      expect(() => checkServiceHost({ host, tenants: undefined })).toThrow(/without API keys/);
      // With keys, any address: every request then needs one.
      expect(() =>
        checkServiceHost({ host, tenants: { tenants: [{ id: 'a', keys: [hashApiKey('k')] }] } }),
      ).not.toThrow();
    }
  });
});
