// MCP servers reached over Streamable HTTP (--mcp-server <url>): the fixture served on
// 127.0.0.1 by the SDK's transport; its tools as Actions; the server down gives an error
// result and, back up, the next call works.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterEach, expect, test } from 'vitest';
import { ActionStatusCode, parseJson } from '../../../core/index.ts';
import { McpToolSource } from '../../../tools/index.ts';
import { createFixtureServer } from '../../fixtures/mcp/fixture-mcp-server.ts';

/** The fixture over Streamable HTTP, stateless (no session id generator): a server and a transport per request. */
async function serveFixture(port = 0): Promise<Server> {
  const http = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      void (async () => {
        const server = createFixtureServer();
        const transport = new StreamableHTTPServerTransport({});
        response.on('close', () => {
          void transport.close();
          void server.close();
        });
        await server.connect(transport);
        await transport.handleRequest(request, response, body ? parseJson(body) : undefined);
      })();
    });
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  return http;
}

async function stop(http: Server): Promise<void> {
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

test('a URL’s tools are Actions; down, a call is an error result; back up, the next call works', async () => {
  let http = await serveFixture();
  const { port } = http.address() as AddressInfo;
  cleanups.push(() => stop(http));
  const source = await McpToolSource.connect({
    server: { name: 'fx', url: `http://127.0.0.1:${port}/mcp` },
  });
  cleanups.push(() => source.close());
  expect(source.actions.map((action) => action.name).sort()).toEqual([
    'fx_chart',
    'fx_evaluate',
    'fx_refuse',
    'fx_sleep',
  ]);
  const evaluate = source.actions.find((action) => action.name === 'fx_evaluate');
  const first = await evaluate?.run({ inputs: { command: '6 * 7' } });
  expect(first?.result).toEqual([{ type: 'text', content: '42' }]);
  expect(first?.type).toBe('fx_evaluate');

  await stop(http);
  const down = await evaluate?.run({ inputs: '{"command": "1 + 1"}' });
  expect(down?.state).toBe(ActionStatusCode.API_ERROR);
  expect(down?.errmsg).toMatch(/^The MCP server fx could not be (reached|started)/);

  http = await serveFixture(port);
  const back = await evaluate?.run({ inputs: '{"command": "1 + 1"}' });
  expect(back?.errmsg).toBeNull();
  expect(back?.result).toEqual([{ type: 'text', content: '2' }]);
});

test('a server that cannot be reached at start is a ToolDefinitionError naming it', async () => {
  const http = await serveFixture();
  const { port } = http.address() as AddressInfo;
  await stop(http);
  await expect(
    McpToolSource.connect({ server: { url: `http://127.0.0.1:${port}/mcp` } }),
  ).rejects.toThrow(`MCP server http://127.0.0.1:${port}/mcp did not start`);
});
