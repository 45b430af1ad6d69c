// API keys and tenants through real HTTP on 127.0.0.1: a key is needed for every /v1 route,
// a tenant sees only its own jobs, sessions, files and events (another tenant's id is a 404
// like an id nobody used), and quotas answer 429/400/413 and free up again.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { platformErrorTool } from '../../fixtures/tools/flaky-tools.ts';
import type { ApiAnswer, TestService } from '../../support/service-fixture.ts';
import { call, readEvents, startTestService } from '../../support/service-fixture.ts';
import { BACKENDS } from '../../support/job-backend-fixture.ts';
import { hashApiKey } from '../../../workers/service/tenants.ts';

const KEYS = {
  alice: 'alice-0123456789abcdef',
  bob: 'bob-0123456789abcdef',
  tight: 'tight-0123456789abcdef',
  slow: 'slow-0123456789abcdef',
};

const TENANTS = {
  tenants: [
    { id: 'alice', keys: [hashApiKey(KEYS.alice)] },
    { id: 'bob', keys: [hashApiKey(KEYS.bob)] },
    {
      id: 'tight',
      keys: [hashApiKey(KEYS.tight)],
      quotas: { maxConcurrentJobs: 1, maxSessions: 1, maxRunTimeMs: 5_000, maxUploadBytes: 16 },
    },
    { id: 'slow', keys: [hashApiKey(KEYS.slow)], quotas: { requestsPerMinute: 2 } },
  ],
};

type Caller = (options: {
  method?: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}) => Promise<ApiAnswer>;

function callerFor(t: TestService, key: string): Caller {
  return (options) =>
    call({
      url: t.url,
      ...options,
      headers: { authorization: `Bearer ${key}`, ...options.headers },
    });
}

function errorOf(answer: ApiAnswer): { code: string; message: string } {
  return (answer.body as { error: { code: string; message: string } }).error;
}

/** Runs code (`/v1/run-code`) and answers its text output. */
async function runText(as: Caller, code: string, sessionId: string): Promise<string> {
  const answer = await as({ method: 'POST', path: '/v1/run-code', body: { code, sessionId } });
  expect(answer.status).toBe(200);
  const { execution } = answer.body as {
    execution: {
      results: { text?: string }[];
      logs: { stdout: string[] };
      error?: { name: string };
    };
  };
  if (execution.error) return `error:${execution.error.name}`;
  return execution.logs.stdout.join('') + execution.results.map((r) => r.text ?? '').join('');
}

describe.each(BACKENDS)('tenants (%s)', (mode) => {
  let t: TestService;
  let alice: Caller;
  let bob: Caller;
  beforeAll(async () => {
    t = await startTestService({
      mode,
      extraTools: [platformErrorTool],
      client: { backoffMs: 10 },
      service: { tenants: TENANTS },
    });
    alice = callerFor(t, KEYS.alice);
    bob = callerFor(t, KEYS.bob);
  }, 180_000);
  afterAll(async () => {
    await t?.close();
  });

  test('every /v1 route needs a valid key; health and the API description do not', async () => {
    for (const path of ['/v1/jobs/x', '/v1/sessions', '/v1/tools', '/v1/no-such-route']) {
      const none = await call({ url: t.url, path });
      expect(none.status, path).toBe(401);
      expect(errorOf(none).code).toBe('UNAUTHORIZED');
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      const wrong = await call({ url: t.url, path, headers: { authorization: 'Bearer nope' } });
      expect(wrong.status, path).toBe(401);
    }
    const submit = await call({
      url: t.url,
      method: 'POST',
      path: '/v1/run-code',
      body: { code: 'print(1)' },
    });
    expect(submit.status).toBe(401);
    expect((await call({ url: t.url, path: '/healthz' })).status).toBe(200);
    expect((await call({ url: t.url, path: '/openapi.json' })).status).toBe(200);
    expect((await alice({ path: '/v1/tools' })).status).toBe(200);
  });

  test("another tenant's ids answer exactly as ids nobody used, on every route", async () => {
    // Alice's job, session, file and failed job.
    const submitted = await alice({
      method: 'POST',
      path: '/v1/jobs',
      body: {
        jobId: 'alice-job',
        request: { kind: 'run-code', code: 'x = 41', sessionId: 'shared' },
      },
    });
    expect(submitted).toMatchObject({ status: 202, body: { jobId: 'alice-job' } });
    const read = await alice({ path: '/v1/jobs/alice-job?waitMs=60000' });
    expect(read.body).toMatchObject({ jobId: 'alice-job', state: 'ended' });
    expect((read.body as { result: { jobId: string } }).result.jobId).toBe('alice-job');
    const opened = await alice({
      method: 'POST',
      path: '/v1/sessions',
      body: { sessionId: 'files' },
    });
    expect(opened.status).toBe(201);
    const put = await alice({
      method: 'PUT',
      path: '/v1/sessions/files/files/secret.txt',
      body: 'alice only',
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(put).toMatchObject({ status: 201, body: { path: 'secret.txt', sizeBytes: 10 } });
    const poison = await alice({
      method: 'POST',
      path: '/v1/jobs',
      body: {
        jobId: 'alice-poison',
        request: { kind: 'tool-call', call: { name: 'Unavailable', parameters: {} } },
      },
    });
    expect(poison.status).toBe(202);
    await alice({ path: '/v1/jobs/alice-poison?waitMs=60000' });
    const aliceFailed = await alice({ path: '/v1/failed-jobs' });
    expect((aliceFailed.body as { jobId: string }[]).map((f) => f.jobId)).toContain('alice-poison');

    // Bob, with Alice's ids, and with ids nobody used: the same answers.
    const same = async (
      request: { method?: string; path: string; body?: unknown; headers?: Record<string, string> },
      unused: { path: string },
    ) => {
      const theirs = await bob(request);
      const nobodys = await bob({ ...request, path: unused.path });
      expect(theirs.status, request.path).toBe(404);
      expect(nobodys.status, unused.path).toBe(404);
      expect(errorOf(theirs).code).toBe(errorOf(nobodys).code);
      const strip = (answer: ApiAnswer) =>
        errorOf(answer).message.replace(/alice-job|never-used|files|nobody/g, '<id>');
      expect(strip(theirs)).toBe(strip(nobodys));
    };
    await same({ path: '/v1/jobs/alice-job' }, { path: '/v1/jobs/never-used' });
    await same({ path: '/v1/jobs/alice-job?waitMs=50' }, { path: '/v1/jobs/never-used?waitMs=50' });
    await same({ path: '/v1/jobs/alice-job/events' }, { path: '/v1/jobs/never-used/events' });
    await same(
      { method: 'POST', path: '/v1/jobs/alice-job/cancel' },
      { path: '/v1/jobs/never-used/cancel' },
    );
    await same({ path: '/v1/sessions/files' }, { path: '/v1/sessions/nobody' });
    await same({ method: 'DELETE', path: '/v1/sessions/files' }, { path: '/v1/sessions/nobody' });
    await same({ path: '/v1/sessions/files/files' }, { path: '/v1/sessions/nobody/files' });
    await same(
      { path: '/v1/sessions/files/files/secret.txt' },
      { path: '/v1/sessions/nobody/files/secret.txt' },
    );
    await same(
      {
        method: 'PUT',
        path: '/v1/sessions/files/files/secret.txt',
        body: 'bob was here',
        headers: { 'content-type': 'application/octet-stream' },
      },
      { path: '/v1/sessions/nobody/files/secret.txt' },
    );
    const bobSessions = await bob({ path: '/v1/sessions' });
    expect(bobSessions).toMatchObject({ status: 200, body: { sessions: [] } });
    const bobFailed = await bob({ path: '/v1/failed-jobs' });
    expect(bobFailed).toMatchObject({ status: 200, body: [] });

    // The same session id is two sessions; the same job id is two jobs.
    expect(await runText(bob, 'print(x)', 'shared')).toBe('error:NameError');
    expect(await runText(alice, 'print(x + 1)', 'shared')).toBe('42\n');
    const bobJob = await bob({
      method: 'POST',
      path: '/v1/jobs',
      body: { jobId: 'alice-job', request: { kind: 'run-code', code: 'print("bob")' } },
    });
    expect(bobJob.status).toBe(202);
    const bobRead = await bob({ path: '/v1/jobs/alice-job?waitMs=60000' });
    const bobResult = (bobRead.body as { result: { execution: { logs: { stdout: string[] } } } })
      .result;
    expect(bobResult.execution.logs.stdout.join('')).toBe('bob\n');
    const events = await readEvents({
      url: t.url,
      jobId: 'alice-job',
      headers: { authorization: `Bearer ${KEYS.bob}` },
    });
    const end = events.events.at(-1);
    expect(end?.type).toBe('end');
    expect((end?.data as { result: { jobId: string } }).result.jobId).toBe('alice-job');
    // Alice's file is untouched by Bob's attempt.
    const file = await fetch(`${t.url}/v1/sessions/files/files/secret.txt`, {
      headers: { authorization: `Bearer ${KEYS.alice}` },
    });
    expect(await file.text()).toBe('alice only');
  }, 300_000);
});

describe('tenant quotas', () => {
  let t: TestService;
  let tight: Caller;
  beforeAll(async () => {
    t = await startTestService({ mode: 'embedded', service: { tenants: TENANTS } });
    tight = callerFor(t, KEYS.tight);
  }, 180_000);
  afterAll(async () => {
    await t?.close();
  });

  test('concurrent jobs: one over is 429 with Retry-After, and the place frees when the job ends', async () => {
    const running = await tight({
      method: 'POST',
      path: '/v1/jobs',
      body: { request: { kind: 'run-code', code: 'import time\ntime.sleep(60)' } },
    });
    expect(running.status).toBe(202);
    const over = await tight({
      method: 'POST',
      path: '/v1/jobs',
      body: { request: { kind: 'run-code', code: 'print(2)' } },
    });
    expect(over.status).toBe(429);
    expect(errorOf(over).code).toBe('RATE_LIMITED');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const { jobId } = running.body as { jobId: string };
    await tight({ method: 'POST', path: `/v1/jobs/${jobId}/cancel` });
    // Cancelled, or ended by its 5 s run time (the quota) if that came first.
    const ended = await tight({ path: `/v1/jobs/${jobId}?waitMs=60000` });
    expect(ended.body).toMatchObject({ state: 'ended' });
    await expect
      .poll(
        async () =>
          (await tight({ method: 'POST', path: '/v1/run-code', body: { code: 'print(3)' } }))
            .status,
        { timeout: 60_000, interval: 100 },
      )
      .toBe(200);
  }, 180_000);

  test('run time over the quota is refused; sessions over the quota are 429 until one closes', async () => {
    const long = await tight({
      method: 'POST',
      path: '/v1/run-code',
      body: { code: 'print(1)', timeoutMs: 6_000 },
    });
    expect(long.status).toBe(400);
    expect(errorOf(long).message).toMatch(/timeoutMs: at most 5000 ms/);
    const first = await tight({ method: 'POST', path: '/v1/sessions', body: { sessionId: 'one' } });
    expect(first.status).toBe(201);
    const second = await tight({
      method: 'POST',
      path: '/v1/sessions',
      body: { sessionId: 'two' },
    });
    expect(second.status).toBe(429);
    // A job naming a new session is held to the same quota.
    const implicit = await tight({
      method: 'POST',
      path: '/v1/run-code',
      body: { code: 'print(1)', sessionId: 'three' },
    });
    expect(implicit.status).toBe(429);
    expect((await tight({ method: 'DELETE', path: '/v1/sessions/one' })).status).toBe(200);
    const again = await tight({ method: 'POST', path: '/v1/sessions', body: { sessionId: 'two' } });
    expect(again.status).toBe(201);
  }, 180_000);

  test('uploads over the quota are 413; a file within it comes back byte for byte', async () => {
    const session = 'uploads';
    await tight({ method: 'DELETE', path: '/v1/sessions/two' });
    expect(
      (await tight({ method: 'POST', path: '/v1/sessions', body: { sessionId: session } })).status,
    ).toBe(201);
    const headers = { 'content-type': 'application/octet-stream' };
    const tooBig = await fetch(`${t.url}/v1/sessions/${session}/files/big.bin`, {
      method: 'PUT',
      headers: { ...headers, authorization: `Bearer ${KEYS.tight}` },
      body: new Uint8Array(17),
    });
    expect(tooBig.status).toBe(413);
    const bytes = new Uint8Array([0, 255, 1, 254, 10, 13, 0, 128, 7, 6, 5, 4, 3, 2, 1, 0]);
    const stored = await fetch(`${t.url}/v1/sessions/${session}/files/dir/ok.bin`, {
      method: 'PUT',
      headers: { ...headers, authorization: `Bearer ${KEYS.tight}` },
      body: bytes,
    });
    expect(stored.status).toBe(201);
    const back = await fetch(`${t.url}/v1/sessions/${session}/files/dir/ok.bin`, {
      headers: { authorization: `Bearer ${KEYS.tight}` },
    });
    expect(back.headers.get('content-type')).toBe('application/octet-stream');
    expect(new Uint8Array(await back.arrayBuffer())).toEqual(bytes);
    const listed = await tight({ path: `/v1/sessions/${session}/files` });
    expect(listed.body).toEqual({
      files: [{ path: 'dir/ok.bin', sizeBytes: 16 }],
      truncated: false,
    });
    // The code sees the uploaded file.
    expect(await runText(tight, "print(len(open('dir/ok.bin','rb').read()))", session)).toBe(
      '16\n',
    );
    const missing = await tight({ path: `/v1/sessions/${session}/files/nope.txt` });
    expect(missing.status).toBe(404);
  }, 180_000);

  test('requests per minute: over the rate is 429 with the wait in Retry-After', async () => {
    const slow = callerFor(t, KEYS.slow);
    expect((await slow({ path: '/v1/sessions' })).status).toBe(200);
    expect((await slow({ path: '/v1/sessions' })).status).toBe(200);
    const over = await slow({ path: '/v1/sessions' });
    expect(over.status).toBe(429);
    expect(errorOf(over).code).toBe('RATE_LIMITED');
    // One token comes back every 30 s at 2 per minute.
    const wait = Number(over.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(30);
  });

  test('a session idle past its time is closed: its state is gone', async () => {
    const as = callerFor(t, KEYS.alice);
    const opened = await as({
      method: 'POST',
      path: '/v1/sessions',
      body: { sessionId: 'brief', idleTtlMs: 1_000 },
    });
    expect(opened).toMatchObject({ status: 201, body: { sessionId: 'brief', idleTtlMs: 1_000 } });
    expect(await runText(as, 'y = 7\nprint(y)', 'brief')).toBe('7\n');
    await expect
      .poll(async () => (await as({ path: '/v1/sessions/brief' })).status, {
        timeout: 60_000,
        interval: 200,
      })
      .toBe(404);
    // Its close-session job was submitted when it was forgotten; once it has run, a call
    // naming the session starts a new one.
    await expect
      .poll(() => runText(as, 'print(y)', 'brief'), { timeout: 60_000, interval: 200 })
      .toBe('error:NameError');
  }, 180_000);
});
