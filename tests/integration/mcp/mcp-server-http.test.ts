// MCP over Streamable HTTP at /mcp of `lagent serve`, behind its API keys: the SDK's own
// client against the real service, on Redis workers and on the embedded backend.
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tool as echoTool } from '../../fixtures/tools/echo-tool.ts';
import { hashApiKey } from '../../../workers/service/tenants.ts';
import { BACKENDS } from '../../support/job-backend-fixture.ts';
import {
  callTool,
  connectHttp,
  connectStdio,
  endSession,
  textOf,
} from '../../support/mcp-fixture.ts';
import { mcpServerSuite } from '../../support/mcp-server-suite.ts';
import type { TestService } from '../../support/service-fixture.ts';
import { startTestService } from '../../support/service-fixture.ts';

const KEYS = { alice: 'alice-mcp-0123456789abcdef', bob: 'bob-mcp-0123456789abcdef' };
const TENANTS = {
  tenants: [
    { id: 'alice', keys: [hashApiKey(KEYS.alice)] },
    { id: 'bob', keys: [hashApiKey(KEYS.bob)] },
  ],
};

describe.each(BACKENDS)('MCP over Streamable HTTP (%s)', (mode) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ mode, extraTools: [echoTool], service: { tenants: TENANTS } });
  }, 180_000);
  afterAll(async () => {
    await t?.close();
  });

  mcpServerSuite({ connect: () => connectHttp({ url: t.url, apiKey: KEYS.alice }) });

  test('without a valid API key the MCP session is refused (401)', async () => {
    for (const apiKey of [undefined, 'not-a-key-0123456789']) {
      const refused = connectHttp({ url: t.url, ...(apiKey ? { apiKey } : {}) });
      await expect(refused).rejects.toBeInstanceOf(StreamableHTTPError);
      await expect(refused).rejects.toMatchObject({ code: 401 });
    }
  });

  test('another tenant’s MCP session answers 404, as an unknown one does', async () => {
    const client = await connectHttp({ url: t.url, apiKey: KEYS.alice });
    try {
      await callTool(client, 'run_python', { code: 'secret = 1' });
      const sessionId = (client.transport as { sessionId?: string }).sessionId as string;
      const post = (key: string, id: string) =>
        fetch(new URL('/mcp', t.url), {
          method: 'POST',
          headers: {
            authorization: `Bearer ${key}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-session-id': id,
            'mcp-protocol-version': '2025-06-18',
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        });
      const stolen = await post(KEYS.bob, sessionId);
      const unknown = await post(KEYS.bob, 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6');
      expect(stolen.status).toBe(404);
      expect(await stolen.json()).toEqual(await unknown.json());
      expect(unknown.status).toBe(404);
      expect((await post(KEYS.alice, sessionId)).status).toBe(200);
    } finally {
      await endSession(client);
    }
  });

  test('the workers’ tools are listed and called; the ActionReturn comes back as content', async () => {
    const client = await connectHttp({ url: t.url, apiKey: KEYS.bob });
    try {
      const { tools } = await client.listTools();
      const echo = tools.find((listed) => listed.name === 'Echo');
      expect(echo?.inputSchema).toMatchObject({
        type: 'object',
        properties: { text: { type: 'string' } },
        required: ['text'],
      });
      const answer = await callTool(client, 'Echo', { text: 'hello' });
      expect(answer.isError).toBeFalsy();
      expect(textOf(answer)).toBe('hello');
      const bad = await callTool(client, 'Echo', { text: 5 });
      expect(bad.isError).toBe(true);
    } finally {
      await endSession(client);
    }
  });

  test('ending the MCP session (DELETE) closes its sandbox sessions', async () => {
    // A service of its own: the count of sandbox sessions is the workers', and no other
    // test's sessions come or go while this one watches it.
    const own = await startTestService({ mode, service: { tenants: TENANTS } });
    try {
      const sessions = async () => (await own.setup.jobs.queueStatus()).sessions;
      await expect.poll(sessions, { timeout: 30_000, interval: 100 }).toBe(0);
      const client = await connectHttp({ url: own.url, apiKey: KEYS.alice });
      try {
        await callTool(client, 'run_python', { code: 'x = 1', sessionId: 'one' });
        await callTool(client, 'run_python', { code: 'x = 2', sessionId: 'two' });
        await expect.poll(sessions, { timeout: 30_000, interval: 100 }).toBe(2);
        await (client.transport as StreamableHTTPClientTransport).terminateSession();
      } finally {
        await client.close();
      }
      await expect.poll(sessions, { timeout: 60_000, interval: 100 }).toBe(0);
    } finally {
      await own.close();
    }
  }, 240_000);

  test('lagent mcp --url: stdio in front of the service, as a tenant', async () => {
    const { client } = await connectStdio({ args: ['--url', t.url, '--api-key', KEYS.bob] });
    try {
      await callTool(client, 'run_python', { code: 'z = 5' });
      expect(textOf(await callTool(client, 'run_python', { code: 'z * 2' }))).toBe('10');
      // Its sessions are the tenant's: listed by the service under bob's key only.
      const listed = await fetch(new URL('/v1/sessions', t.url), {
        headers: { authorization: `Bearer ${KEYS.bob}` },
      });
      const { sessions } = (await listed.json()) as { sessions: { sessionId: string }[] };
      expect(sessions.map((session) => session.sessionId)).toContainEqual(
        expect.stringMatching(/^mcp\..*\.py\.default$/),
      );
    } finally {
      await endSession(client);
    }
  });
});
