import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { requireDocker } from './services.ts';

const CLI = join(import.meta.dirname, '../../workers/cli/main.ts');

/** A client of the SDK, named for the test. */
export function newClient(): Client {
  return new Client({ name: 'lagent-ts-test', version: '1' });
}

/**
 * `lagent mcp` as an MCP client starts it: a child process on stdio, here with sandboxes in
 * that process (no REDIS_URL) and container names of its own. Closing the client ends it.
 */
export async function connectStdio({ args = [] }: { args?: readonly string[] } = {}): Promise<{
  client: Client;
  stderr: () => string;
  /** Its sandbox containers' names start with this. */
  prefix: string;
}> {
  await requireDocker();
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && name !== 'REDIS_URL') env[name] = value;
  }
  const prefix = `mcp-${randomUUID().slice(0, 8)}`;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp', '--sandbox-prefix', prefix, '--pool-size', '1', ...args],
    env,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = newClient();
  await client.connect(transport, { timeout: 120_000 });
  return { client, stderr: () => stderr, prefix };
}

/** An MCP client of a service's /mcp, with an API key when given. */
export async function connectHttp({
  url,
  apiKey,
}: {
  url: string;
  apiKey?: string;
}): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', url), {
    ...(apiKey ? { requestInit: { headers: { authorization: `Bearer ${apiKey}` } } } : {}),
  });
  const client = newClient();
  await client.connect(transport);
  return client;
}

/** The text items of a tool result, joined. */
export function textOf(result: CallToolResult): string {
  return result.content.flatMap((item) => (item.type === 'text' ? [item.text] : [])).join('');
}

export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args }, undefined, {
    timeout: 120_000,
  })) as CallToolResult;
}

/**
 * Ends the client's MCP session as a client should: over HTTP a DELETE ends it (its sandbox
 * sessions are closed), over stdio closing stdin does; then the client is closed.
 */
export async function endSession(client: Client): Promise<void> {
  try {
    if (client.transport instanceof StreamableHTTPClientTransport) {
      await client.transport.terminateSession();
    }
  } finally {
    await client.close();
  }
}
