// What the service answers to bad input, with no worker, and when it stops; and its OpenAPI
// document, checked against real answers. Real HTTP on 127.0.0.1, real backends.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BACKENDS } from '../../support/job-backend-fixture.ts';
import type { TestService } from '../../support/service-fixture.ts';
import { call, readEvents, startTestService } from '../../support/service-fixture.ts';

interface ErrorBody {
  error: { code: string; message: string; issues?: string[]; isRetryable: boolean };
}

describe.each(BACKENDS)('service errors and OpenAPI (%s)', (mode) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ mode, service: { bodyLimitBytes: 2 * 1024 * 1024 } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const expectError = async (
    request: Parameters<typeof call>[0],
    status: number,
    code: string,
  ): Promise<ErrorBody> => {
    const answer = await call(request);
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    const body = answer.body as ErrorBody;
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error.code).toBe(code);
    expect(body.error.message).not.toMatch(/\n\s+at /); // never a stack
    return body;
  };

  test('bad input is a 400 naming the failing fields, and nothing runs', async () => {
    const url = t.url;
    const wrongKind = await expectError(
      { url, method: 'POST', path: '/v1/jobs', body: { request: { kind: 'nope' } } },
      400,
      'VALIDATION_FAILED',
    );
    expect(wrongKind.error.issues?.join()).toContain('body.request.kind');
    const missingCode = await expectError(
      { url, method: 'POST', path: '/v1/run-code', body: { timeoutMs: -1 } },
      400,
      'VALIDATION_FAILED',
    );
    expect(missingCode.error.issues?.join()).toMatch(
      /body\.code.*body\.timeoutMs|body\.timeoutMs.*body\.code/,
    );
    await expectError(
      { url, method: 'POST', path: '/v1/jobs', body: '{"request": ' },
      400,
      'VALIDATION_FAILED',
    );
    await expectError(
      {
        url,
        method: 'POST',
        path: '/v1/jobs',
        body: { request: { kind: 'run-code', code: '1' } },
        headers: { 'content-type': 'text/plain' },
      },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    await expectError(
      {
        url,
        method: 'POST',
        path: '/v1/jobs',
        body: { request: { kind: 'run-code', code: '1' }, jobId: 'a:b' },
      },
      400,
      'VALIDATION_FAILED',
    );
    await expectError({ url, path: '/v1/jobs/some-job?waitMs=999999' }, 400, 'VALIDATION_FAILED');
    await expectError(
      {
        url,
        method: 'POST',
        path: '/v1/jobs',
        body: { request: { kind: 'run-code', code: '1', envs: { LD_PRELOAD: '/x.so' } } },
      },
      400,
      'INVALID_ARGUMENT',
    );
    const status = await call({ url, path: '/v1/workers' });
    expect((status.body as { waiting: number; active: number }).waiting).toBe(0);
  });

  test('unknown jobs and routes are 404 on every job route', async () => {
    const url = t.url;
    const unknown = `never-submitted-${mode}`;
    await expectError({ url, path: `/v1/jobs/${unknown}` }, 404, 'JOB_NOT_FOUND');
    await expectError({ url, path: `/v1/jobs/${unknown}?waitMs=1000` }, 404, 'JOB_NOT_FOUND');
    await expectError({ url, path: `/v1/jobs/${unknown}/events` }, 404, 'JOB_NOT_FOUND');
    await expectError(
      { url, method: 'POST', path: `/v1/jobs/${unknown}/cancel` },
      404,
      'JOB_NOT_FOUND',
    );
    await expectError({ url, path: '/v1/nothing' }, 404, 'NOT_FOUND');
    await expectError({ url, method: 'DELETE', path: '/v1/jobs' }, 404, 'NOT_FOUND');
  });

  test('too large is a 413: a body over the limit, or code over the request limit', async () => {
    const url = t.url;
    // Over the service's body limit (2 MiB here): refused before it is parsed.
    await expectError(
      {
        url,
        method: 'POST',
        path: '/v1/run-code',
        body: { code: `# ${'x'.repeat(3 * 1024 * 1024)}` },
      },
      413,
      'PAYLOAD_TOO_LARGE',
    );
    // Within the body limit, over the code limit (1 MiB by default).
    const limited = await expectError(
      {
        url,
        method: 'POST',
        path: '/v1/jobs',
        body: { request: { kind: 'run-code', code: `# ${'x'.repeat(1536 * 1024)}` } },
      },
      413,
      'REQUEST_LIMIT_EXCEEDED',
    );
    expect(limited.error.message).toContain('code');
  });

  test('a Last-Event-ID that this stream never sent is a 400', async () => {
    const submitted = await call({
      url: t.url,
      method: 'POST',
      path: '/v1/run-code',
      body: { code: '1' },
    });
    const { jobId } = submitted.body as { jobId: string };
    await expectError(
      { url: t.url, path: `/v1/jobs/${jobId}/events`, headers: { 'last-event-id': 'abc' } },
      400,
      'INVALID_ARGUMENT',
    );
  });

  test('the OpenAPI document describes every route, and real answers match its schemas', async () => {
    const document = (await call({ url: t.url, path: '/openapi.json' })).body as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, object> };
    };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths).sort()).toEqual(
      [
        '/healthz',
        '/readyz',
        '/v1/batches',
        '/v1/batches/{batchId}',
        '/v1/failed-jobs',
        '/v1/job-events',
        '/v1/jobs',
        '/v1/jobs/{jobId}',
        '/v1/jobs/{jobId}/cancel',
        '/v1/jobs/{jobId}/events',
        '/v1/run-code',
        '/v1/sessions',
        '/v1/sessions/{sessionId}',
        '/v1/sessions/{sessionId}/files',
        '/v1/sessions/{sessionId}/files/{*}',
        '/v1/sessions/{sessionId}/stats',
        '/v1/tool-calls',
        '/v1/tools',
        '/v1/workers',
        '/v1/workers/events',
      ].sort(),
    );
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema({ $id: 'openapi', components: document.components });
    const check = (schema: string, value: unknown) => {
      const validate = ajv.getSchema(`openapi#/components/schemas/${schema}`);
      expect(validate, schema).toBeDefined();
      const valid = validate?.(value);
      expect(valid, `${schema}: ${JSON.stringify(validate?.errors)}`).toBe(true);
    };
    const ran = await call({
      url: t.url,
      method: 'POST',
      path: '/v1/run-code',
      body: { code: 'print(1)\n2' },
    });
    check('JobResult', ran.body);
    const { jobId } = ran.body as { jobId: string };
    const info = (await call({ url: t.url, path: `/v1/jobs/${jobId}` })).body;
    expect(info).toHaveProperty('request.code', 'print(1)\n2');
    check('JobInfo', info);
    const listed = (await call({ url: t.url, path: '/v1/jobs' })).body as { jobs: unknown[] };
    expect(listed.jobs.length).toBeGreaterThan(0);
    check('JobList', listed);
    const batch = await call({
      url: t.url,
      method: 'POST',
      path: '/v1/batches',
      body: { name: 'openapi', requests: [{ kind: 'run-code', code: '1', fresh: true }] },
    });
    check('CreatedBatch', batch.body);
    const { batchId } = (batch.body as { batch: { batchId: string } }).batch;
    check('BatchDetail', (await call({ url: t.url, path: `/v1/batches/${batchId}` })).body);
    check('BatchList', (await call({ url: t.url, path: '/v1/batches' })).body);
    const events = await readEvents({ url: t.url, jobId });
    for (const event of events.events) check('JobEvent', event.data);
    const session = `openapi-${mode}`;
    const opened = await call({
      url: t.url,
      method: 'POST',
      path: '/v1/sessions',
      body: { sessionId: session },
    });
    check('Session', opened.body);
    check('SessionList', (await call({ url: t.url, path: '/v1/sessions' })).body);
    const stored = await call({
      url: t.url,
      method: 'PUT',
      path: `/v1/sessions/${session}/files/a.txt`,
      body: 'abc',
      headers: { 'content-type': 'application/octet-stream' },
    });
    check('StoredFile', stored.body);
    check('FileListing', (await call({ url: t.url, path: `/v1/sessions/${session}/files` })).body);
    check('SessionStats', (await call({ url: t.url, path: `/v1/sessions/${session}/stats` })).body);
    const upload = document.paths['/v1/sessions/{sessionId}/files/{*}']?.['put'] as unknown as {
      requestBody: { content: Record<string, unknown> };
    };
    expect(Object.keys(upload.requestBody.content)).toEqual(['application/octet-stream']);
    const closed = await call({ url: t.url, method: 'DELETE', path: `/v1/sessions/${session}` });
    check('ClosedSession', closed.body);
    check('QueueStatus', (await call({ url: t.url, path: '/v1/workers' })).body);
    for (const tool of (await call({ url: t.url, path: '/v1/tools' })).body as unknown[]) {
      check('ToolDescriptor', tool);
    }
    check('Readiness', (await call({ url: t.url, path: '/readyz' })).body);
    check('ApiError', (await call({ url: t.url, path: '/v1/jobs/nope-x' })).body);
    // The docs page (Swagger UI) reads the same document.
    expect((await call({ url: t.url, path: '/docs/json' })).body).toEqual(document);
    const page = await fetch(`${t.url}/docs/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger-ui');
    // And a wrong value fails the same check, so the check can fail.
    const validate = ajv.getSchema('openapi#/components/schemas/JobResult');
    expect(validate?.({ jobId, status: 'finished', workerId: null })).toBe(false);
  });
});

describe('service with no worker (redis)', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ mode: 'redis', withWorker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('submits are 503 with Retry-After, and readiness says why', async () => {
    for (const [path, body] of [
      ['/v1/jobs', { request: { kind: 'run-code', code: '1' } }],
      ['/v1/run-code', { code: '1' }],
    ] as const) {
      const answer = await call({ url: t.url, method: 'POST', path, body });
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(answer.body).toMatchObject({ error: { code: 'NO_WORKER', isRetryable: true } });
    }
    const ready = await call({ url: t.url, path: '/readyz' });
    expect(ready).toMatchObject({
      status: 503,
      body: { status: 'not-ready', backend: 'redis', workers: 0 },
    });
    expect((await call({ url: t.url, path: '/healthz' })).status).toBe(200);
  });
});

describe('service stop (embedded)', () => {
  test('a stop ends open event streams after its grace, refuses new requests, and leaves jobs running', async () => {
    const t = await startTestService({ mode: 'embedded', service: { streamGraceMs: 300 } });
    const jobs = t.setup.jobs;
    try {
      const submitted = await call({
        url: t.url,
        method: 'POST',
        path: '/v1/jobs',
        body: {
          request: {
            kind: 'run-code',
            code: 'import time\nprint("start", flush=True)\ntime.sleep(600)',
          },
        },
      });
      const { jobId } = submitted.body as { jobId: string };
      const streaming = readEvents({ url: t.url, jobId });
      await readEvents({
        url: t.url,
        jobId,
        stopWhen: (events) => events.some(({ type }) => type === 'stdout'),
      });
      await t.service.close();
      const stream = await streaming;
      expect(stream.endedByServer).toBe(true);
      expect(stream.events.map(({ type }) => type)).not.toContain('end');
      await expect(fetch(`${t.url}/healthz`)).rejects.toThrow();
      // The job was left running: only its own backend ends it.
      expect((await jobs.getJob({ jobId })).state).toBe('running');
      expect(await jobs.cancel({ jobId })).toBe(true);
      expect((await jobs.wait({ jobId })).status).toBe('cancelled');
    } finally {
      await t.setup.close();
    }
  });
});
