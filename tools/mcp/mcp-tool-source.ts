import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Action } from '../../core/index.ts';
import { ToolDefinitionError } from '../../core/index.ts';
import { McpRemoteTool } from './mcp-remote-tool.ts';
import type { McpServerSpec } from './mcp-server-spec.ts';

/** A remote call that has not answered by then is a hang: the server is restarted. */
export const DEFAULT_MCP_CALL_TIMEOUT_MS = 60_000;
/** Starting a server (spawn or connect, then initialize) must take no longer. */
export const DEFAULT_MCP_START_TIMEOUT_MS = 30_000;
/** How much of a stdio server's stderr is kept to say why it died. */
const STDERR_TAIL_CHARS = 2_000;

export interface McpToolSourceOptions {
  server: McpServerSpec;
  /** @default DEFAULT_MCP_CALL_TIMEOUT_MS */
  callTimeoutMs?: number;
  /** @default DEFAULT_MCP_START_TIMEOUT_MS */
  startTimeoutMs?: number;
}

type ResolvedOptions = Required<Omit<McpToolSourceOptions, 'server'>> & { server: McpServerSpec };

/** Why a remote call did not answer: said to the model in the ActionReturn's errmsg. */
export class McpCallFailure extends Error {
  override readonly name = 'McpCallFailure';
}

/**
 * One MCP server, as tools of this platform: each remote tool is an Action (see
 * McpRemoteTool). The connection is made again on the next call after the server dies, and
 * the server is restarted after a call that hangs; neither ever throws out of a tool.
 */
export class McpToolSource {
  readonly label: string;
  readonly actions: readonly Action[];
  readonly #options: ResolvedOptions;
  #client: Client | undefined;
  #connecting: Promise<Client> | undefined;
  #stderr = '';
  #closed = false;

  private constructor(options: ResolvedOptions, client: Client, tools: Tool[]) {
    this.#options = options;
    this.#client = client;
    const { server } = options;
    this.label = server.name ?? ('url' in server ? server.url : server.command);
    this.actions = tools.map(
      (tool) =>
        new McpRemoteTool({ source: this, tool, ...(server.name ? { prefix: server.name } : {}) }),
    );
  }

  /** Starts (or reaches) the server and reads its tools. ToolDefinitionError if it cannot. */
  static async connect({
    server,
    callTimeoutMs = DEFAULT_MCP_CALL_TIMEOUT_MS,
    startTimeoutMs = DEFAULT_MCP_START_TIMEOUT_MS,
  }: McpToolSourceOptions): Promise<McpToolSource> {
    const options = { server, callTimeoutMs, startTimeoutMs };
    const probe = { stderr: '' };
    let client: Client | undefined;
    try {
      client = await openClient(options, probe);
      const { tools } = await client.listTools(undefined, { timeout: startTimeoutMs });
      const source = new McpToolSource(options, client, tools);
      source.#watch(client);
      return source;
    } catch (error) {
      await client?.close().catch(() => undefined);
      const label = server.name ?? ('url' in server ? server.url : server.command);
      throw new ToolDefinitionError({
        message: `MCP server ${label} did not start: ${describe(error)}${tail(probe.stderr)}`,
      });
    }
  }

  /** Calls a remote tool; McpCallFailure when the server dies, hangs or cannot be reached. */
  async callTool({
    name,
    args,
    signal,
  }: {
    name: string;
    args: Record<string, unknown>;
    signal?: AbortSignal | undefined;
  }): Promise<CallToolResult> {
    let client: Client;
    try {
      client = await this.#connected();
    } catch (error) {
      throw new McpCallFailure(
        `The MCP server ${this.label} could not be started: ${describe(error)}${tail(this.#stderr)}`,
      );
    }
    try {
      return (await client.callTool({ name, arguments: args }, undefined, {
        timeout: this.#options.callTimeoutMs,
        ...(signal ? { signal } : {}),
      })) as CallToolResult;
    } catch (error) {
      if (signal?.aborted) throw error;
      if (error instanceof McpError && error.code === (ErrorCode.RequestTimeout as number)) {
        await this.#restart(client);
        throw new McpCallFailure(
          `The MCP server ${this.label} did not answer within ${this.#options.callTimeoutMs} ms; it was restarted for the next call.`,
        );
      }
      if (error instanceof McpError && error.code === (ErrorCode.ConnectionClosed as number)) {
        this.#dropped(client);
        throw new McpCallFailure(
          `The MCP server ${this.label} exited during the call; it is started again for the next call.${tail(this.#stderr)}`,
        );
      }
      if (error instanceof McpError) {
        // The server answered with an error (an unknown tool, bad arguments): its own words.
        throw new McpCallFailure(`The MCP server ${this.label} answered: ${describe(error)}`);
      }
      // Not reached (an HTTP server down, a refused connection): connect again next time.
      await this.#restart(client);
      throw new McpCallFailure(
        `The MCP server ${this.label} could not be reached: ${describe(error)}; the next call connects again.`,
      );
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = undefined;
    await client?.close().catch(() => undefined);
  }

  async #connected(): Promise<Client> {
    if (this.#closed) throw new Error('the tool source was closed');
    if (this.#client) return this.#client;
    this.#connecting ??= (async () => {
      this.#stderr = '';
      const holder = { stderr: '' };
      const client = await openClient(this.#options, holder, (text) => {
        this.#stderr = (this.#stderr + text).slice(-STDERR_TAIL_CHARS);
      });
      this.#client = client;
      this.#watch(client);
      return client;
    })().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  #watch(client: Client): void {
    client.onclose = () => this.#dropped(client);
  }

  #dropped(client: Client): void {
    if (this.#client === client) this.#client = undefined;
  }

  async #restart(client: Client): Promise<void> {
    this.#dropped(client);
    // Closing a stdio client ends the server process (stdin closed, then signals).
    await client.close().catch(() => undefined);
  }
}

async function openClient(
  { server, startTimeoutMs }: { server: McpServerSpec; startTimeoutMs: number },
  probe: { stderr: string },
  onStderr?: (text: string) => void,
): Promise<Client> {
  const client = new Client({ name: 'lagent-ts-worker', version: '1' });
  if ('url' in server) {
    const transport = new StreamableHTTPClientTransport(new URL(server.url), {
      ...(server.headers ? { requestInit: { headers: { ...server.headers } } } : {}),
    });
    await client.connect(transport, { timeout: startTimeoutMs });
    return client;
  }
  const transport = new StdioClientTransport({
    command: server.command,
    args: [...(server.args ?? [])],
    env: { ...getDefaultEnvironment(), ...server.env },
    ...(server.cwd === undefined ? {} : { cwd: server.cwd }),
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    probe.stderr = (probe.stderr + text).slice(-STDERR_TAIL_CHARS);
    onStderr?.(text);
  });
  await client.connect(transport, { timeout: startTimeoutMs });
  return client;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function tail(stderr: string): string {
  const text = stderr.trim();
  return text ? ` Its last words on stderr: ${text.slice(-500)}` : '';
}
