import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect, test } from 'vitest';
import { callTool, endSession, textOf } from './mcp-fixture.ts';

/**
 * What every transport of the MCP server must do, against the real server and a real Docker
 * sandbox: `connect` opens a new MCP session (a new client) each time it is called.
 */
export function mcpServerSuite({ connect }: { connect: () => Promise<Client> }): void {
  const withClient = async (run: (client: Client) => Promise<void>) => {
    const client = await connect();
    try {
      await run(client);
    } finally {
      await endSession(client);
    }
  };

  test('lists run_python and run_javascript with their input schemas', async () => {
    await withClient(async (client) => {
      const { tools } = await client.listTools();
      const python = tools.find((tool) => tool.name === 'run_python');
      expect(python?.inputSchema).toMatchObject({
        type: 'object',
        properties: { code: { type: 'string' }, sessionId: { type: 'string' } },
        required: ['code'],
      });
      expect(python?.outputSchema).toMatchObject({ type: 'object' });
      expect(tools.map((tool) => tool.name)).toContain('run_javascript');
      // The interpreters run_python and run_javascript stand for are not listed again.
      expect(tools.map((tool) => tool.name)).not.toContain('IPythonInteractive');
    });
  });

  test('state is kept in a session; two sessions, and two MCP sessions, never share it', async () => {
    await withClient(async (client) => {
      const set = await callTool(client, 'run_python', {
        code: 'x = 41\nprint("set")',
        sessionId: 'a',
      });
      expect(set.isError).toBeFalsy();
      expect(textOf(set)).toBe('set\n');
      const read = await callTool(client, 'run_python', { code: 'x + 1', sessionId: 'a' });
      expect(textOf(read)).toBe('42');
      expect(read.structuredContent).toMatchObject({
        result: '42',
        status: 'completed',
        sessionId: 'a',
      });
      const other = await callTool(client, 'run_python', { code: 'x', sessionId: 'b' });
      expect(other.isError).toBe(true);
      expect((other.structuredContent as { error: { name: string } }).error.name).toBe('NameError');
      const js = await callTool(client, 'run_javascript', { code: 'let y = 20; y + 1' });
      expect(textOf(js)).toBe('21');
      expect(textOf(await callTool(client, 'run_javascript', { code: 'y * 2' }))).toBe('40');
      await withClient(async (second) => {
        const apart = await callTool(second, 'run_python', { code: 'x', sessionId: 'a' });
        expect(apart.isError).toBe(true);
        expect(textOf(apart)).toContain("NameError: name 'x' is not defined");
      });
    });
  });

  test('a figure comes back as image content; a traceback is an isError result', async () => {
    await withClient(async (client) => {
      const figure = await callTool(client, 'run_python', {
        code: 'import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.show()',
      });
      expect(figure.isError).toBeFalsy();
      const image = figure.content.find((item) => item.type === 'image');
      expect(image).toMatchObject({ type: 'image', mimeType: 'image/png' });
      const png = Buffer.from((image as { data: string }).data, 'base64');
      expect(png.subarray(1, 4).toString()).toBe('PNG');

      const failed = await callTool(client, 'run_python', { code: 'def f():\n    1/0\nf()' });
      expect(failed.isError).toBe(true);
      const text = textOf(failed);
      expect(text).toContain('ZeroDivisionError: division by zero');
      expect(text).toContain('----> 2     1/0');
      expect(text).not.toContain('\u001b['); // colours are gone
    });
  });

  test('a timeout is an isError result that says so, and the session goes on', async () => {
    await withClient(async (client) => {
      await callTool(client, 'run_python', { code: 'kept = "yes"' });
      const slow = await callTool(client, 'run_python', {
        code: 'import time\ntime.sleep(60)',
        timeoutMs: 1_000,
      });
      expect(slow.isError).toBe(true);
      expect(slow.structuredContent).toMatchObject({
        timedOut: 'interrupted',
        error: { name: 'TimeoutError' },
      });
      expect(textOf(slow)).toContain('exceeded 1000 ms');
      expect(textOf(await callTool(client, 'run_python', { code: 'kept' }))).toBe("'yes'");
    });
  });

  test('progress notifications carry the output so far; cancelling interrupts the kernel', async () => {
    await withClient(async (client) => {
      const controller = new AbortController();
      const messages: string[] = [];
      const running = client.callTool(
        {
          name: 'run_python',
          arguments: {
            code: 'import time\nprint("go", flush=True)\nfor n in range(600):\n    time.sleep(0.1)',
          },
        },
        undefined,
        {
          signal: controller.signal,
          timeout: 120_000,
          onprogress: ({ message }) => {
            messages.push(message ?? '');
            if (message?.includes('go')) controller.abort();
          },
        },
      );
      await expect(running).rejects.toThrow();
      expect(messages[0]).toBe('go\n');
      // Still running, the loop would hold the session: this call would wait behind it.
      const after = await callTool(client, 'run_python', { code: 'n < 599' });
      expect(after.isError).toBeFalsy();
      expect(textOf(after)).toBe('True');
    });
  });

  test('a session’s files are resources: listed and read', async () => {
    await withClient(async (client) => {
      await callTool(client, 'run_python', {
        code: 'open("notes.txt", "w").write("hello")\nopen("data.bin", "wb").write(bytes([0, 255]))',
        sessionId: 'files',
      });
      const { resources } = await client.listResources();
      expect(resources.map((resource) => [resource.uri, resource.size])).toEqual(
        expect.arrayContaining([
          ['sandbox://files/notes.txt', 5],
          ['sandbox://files/data.bin', 2],
        ]),
      );
      const text = await client.readResource({ uri: 'sandbox://files/notes.txt' });
      expect(text.contents).toEqual([
        { uri: 'sandbox://files/notes.txt', mimeType: 'text/plain', text: 'hello' },
      ]);
      const binary = await client.readResource({ uri: 'sandbox://files/data.bin' });
      expect(binary.contents[0]).toMatchObject({ blob: Buffer.from([0, 255]).toString('base64') });
      await expect(client.readResource({ uri: 'sandbox://files/missing.txt' })).rejects.toThrow(
        /Resource not found/,
      );
      await expect(client.readResource({ uri: 'sandbox://nosuch/notes.txt' })).rejects.toThrow(
        /no open session "nosuch"/,
      );
    });
  });

  test('a broken request is a protocol error; the server goes on', async () => {
    await withClient(async (client) => {
      await expect(callTool(client, 'run_python', { source: 'print(1)' })).rejects.toThrow(/code/);
      await expect(callTool(client, 'no_such_tool', {})).rejects.toThrow(/Unknown tool/);
      await expect(
        callTool(client, 'run_python', { code: '1', sessionId: 'not ok!' }),
      ).rejects.toThrow(/sessionId/);
      const fine: CallToolResult = await callTool(client, 'run_python', { code: '6 * 7' });
      expect(textOf(fine)).toBe('42');
    });
  });
}
