// GET /v1/sessions/{id}/stats through real HTTP, on both backends: the runtime of the
// session's sandbox and its memory, read on the worker that owns it (real Docker), rising
// with what the code holds and going down when it frees it. Tenant-scoped as the files
// routes are; a reading does not restart the session's idle clock.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ApiAnswer, TestService } from '../../support/service-fixture.ts';
import { call, startTestService } from '../../support/service-fixture.ts';
import { BACKENDS } from '../../support/job-backend-fixture.ts';
import { hashApiKey } from '../../../workers/service/tenants.ts';

const MiB = 1024 * 1024;
const KEYS = { alice: 'alice-stats-0123456789', bob: 'bob-stats-0123456789' };
const TENANTS = {
  tenants: [
    { id: 'alice', keys: [hashApiKey(KEYS.alice)] },
    { id: 'bob', keys: [hashApiKey(KEYS.bob)] },
  ],
};

interface Stats {
  sessionId: string;
  runtime: string | null;
  memoryBytes: number | null;
  memoryLimitBytes: number | null;
  pids: number | null;
}

type Caller = (options: { method?: string; path: string; body?: unknown }) => Promise<ApiAnswer>;

describe.each(BACKENDS)('session stats (%s)', (mode) => {
  let t: TestService;
  let alice: Caller;
  let bob: Caller;
  beforeAll(async () => {
    t = await startTestService({ mode, service: { tenants: TENANTS } });
    const callerFor =
      (key: string): Caller =>
      (options) =>
        call({ url: t.url, ...options, headers: { authorization: `Bearer ${key}` } });
    alice = callerFor(KEYS.alice);
    bob = callerFor(KEYS.bob);
  }, 180_000);
  afterAll(async () => {
    await t?.close();
  });

  async function run(code: string, sessionId: string): Promise<void> {
    const answer = await alice({ method: 'POST', path: '/v1/run-code', body: { code, sessionId } });
    expect(answer.status).toBe(200);
    expect((answer.body as { execution: { error: unknown } }).execution.error).toBeNull();
  }

  async function stats(sessionId: string): Promise<Stats> {
    const answer = await alice({ path: `/v1/sessions/${sessionId}/stats` });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as Stats;
  }

  test('memory rises with what the code holds and goes down when it frees it', async () => {
    const opened = await alice({
      method: 'POST',
      path: '/v1/sessions',
      body: { sessionId: 'mem' },
    });
    expect(opened.status).toBe(201);
    const idle = await stats('mem');
    // The test workers' sandboxes run under runc, the default runtime, with 512 MiB.
    expect(idle).toMatchObject({ sessionId: 'mem', runtime: 'runc', memoryLimitBytes: 512 * MiB });
    expect(idle.pids).toBeGreaterThanOrEqual(1);

    await run('x = bytearray(100 * 1024 * 1024)', 'mem');
    const held = await stats('mem');
    expect(held.memoryBytes).toBeGreaterThan(100 * MiB);
    expect(held.memoryBytes).toBeLessThan(held.memoryLimitBytes ?? 0);

    // A reading is not a use: the session's idle clock goes on.
    const before = (await alice({ path: '/v1/sessions/mem' })).body as { lastUsedAt: number };
    await stats('mem');
    const after = (await alice({ path: '/v1/sessions/mem' })).body as { lastUsedAt: number };
    expect(after.lastUsedAt).toBe(before.lastUsedAt);

    await run('del x\nimport gc\ngc.collect()', 'mem');
    const freed = await stats('mem');
    expect(freed.memoryBytes).toBeLessThan((held.memoryBytes ?? 0) - 50 * MiB);
    console.log(
      `${mode}: idle ${String(idle.memoryBytes)} B, holding 100 MiB ${String(held.memoryBytes)} B, freed ${String(freed.memoryBytes)} B, limit ${String(freed.memoryLimitBytes)} B`,
    );

    const closed = await alice({ method: 'DELETE', path: '/v1/sessions/mem' });
    expect(closed.status).toBe(200);
    const gone = await alice({ path: '/v1/sessions/mem/stats' });
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ error: { code: 'SESSION_NOT_FOUND' } });
  });

  test("another tenant's session is a 404, exactly as a session nobody opened", async () => {
    const opened = await alice({
      method: 'POST',
      path: '/v1/sessions',
      body: { sessionId: 'private' },
    });
    expect(opened.status).toBe(201);
    expect((await stats('private')).runtime).toBe('runc');
    const theirs = await bob({ path: '/v1/sessions/private/stats' });
    const nobodys = await bob({ path: '/v1/sessions/nobody/stats' });
    for (const answer of [theirs, nobodys]) {
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ error: { code: 'SESSION_NOT_FOUND' } });
    }
    const message = (answer: ApiAnswer) =>
      (answer.body as { error: { message: string } }).error.message.replace(
        /private|nobody/,
        '<id>',
      );
    expect(message(theirs)).toBe(message(nobodys));
    const unknown = await alice({ path: '/v1/sessions/never-opened/stats' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'SESSION_NOT_FOUND' } });
  });

  test('a session whose sandbox belongs to a tool answers nulls, and starts no sandbox', async () => {
    const ran = await alice({
      method: 'POST',
      path: '/v1/tool-calls',
      body: {
        name: 'JavaScriptInterpreter',
        parameters: { command: 'let a = 1' },
        sessionId: 'js',
      },
    });
    expect(ran.status).toBe(200);
    const listed = (await alice({ path: '/v1/sessions/js' })).body as { language: string };
    expect(listed.language).toBe('javascript');
    // A reading starts no sandbox: the worker holds none for the session (its tool does).
    expect(await stats('js')).toEqual({
      sessionId: 'js',
      runtime: null,
      memoryBytes: null,
      memoryLimitBytes: null,
      pids: null,
    });
  });
});
