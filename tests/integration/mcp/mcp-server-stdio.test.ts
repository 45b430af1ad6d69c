// `lagent mcp` as an MCP client starts it (a child process on stdio), driven by the SDK's own
// client, with its code run in real Docker sandboxes.
import { describe, expect, test } from 'vitest';
import { callTool, connectStdio, textOf } from '../../support/mcp-fixture.ts';
import { dockerGet } from '../../support/services.ts';
import { mcpServerSuite } from '../../support/mcp-server-suite.ts';

describe('MCP over stdio (lagent mcp)', () => {
  mcpServerSuite({ connect: async () => (await connectStdio()).client });

  test('its logs go to stderr: stdout carries only the protocol', async () => {
    const { client, stderr } = await connectStdio();
    try {
      expect(textOf(await callTool(client, 'run_python', { code: 'print("hi")' }))).toBe('hi\n');
      expect(stderr()).toContain('serving MCP on stdio');
    } finally {
      await client.close();
    }
  });

  test('the client closing stdin ends the MCP session: its sandboxes are removed', async () => {
    const { client, prefix } = await connectStdio();
    const containers = async () => {
      const filters = encodeURIComponent(JSON.stringify({ name: [prefix] }));
      return ((await dockerGet(`/containers/json?all=1&filters=${filters}`)) as unknown[]).length;
    };
    try {
      await callTool(client, 'run_python', { code: 'x = 1', sessionId: 'one' });
      await callTool(client, 'run_python', { code: 'x = 2', sessionId: 'two' });
      expect(await containers()).toBeGreaterThanOrEqual(2);
    } finally {
      await client.close();
    }
    await expect.poll(containers, { timeout: 60_000, interval: 200 }).toBe(0);
  });
});
