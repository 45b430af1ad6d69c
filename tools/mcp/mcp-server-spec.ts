import { InvalidArgumentError } from '../../core/index.ts';

/** An MCP server whose tools a worker serves: a command it starts (stdio), or a URL. */
export type McpServerSpec = {
  /**
   * Put before each of its tools' names (`files_read`), so two servers' tools cannot clash.
   * @default no prefix: the tools keep their own names
   */
  name?: string;
} & (
  | {
      command: string;
      args?: readonly string[];
      /** Added to the environment the server starts with (which is otherwise this one's). */
      env?: Readonly<Record<string, string>>;
      cwd?: string;
    }
  | {
      /** A Streamable HTTP endpoint. */
      url: string;
      headers?: Readonly<Record<string, string>>;
    }
);

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

/**
 * `--mcp-server` as the CLI takes it: `[name=]<url>` for a Streamable HTTP endpoint, or
 * `[name=]<command> [args...]` for a server started over stdio (split on spaces: give a
 * server whose arguments hold spaces from code, with McpServerSpec).
 */
export function parseMcpServerSpec(value: string): McpServerSpec {
  const match = /^([A-Za-z][A-Za-z0-9_-]*)=(.*)$/s.exec(value.trim());
  const name = match?.[1];
  const rest = (match?.[2] ?? value).trim();
  if (name !== undefined && !NAME.test(name)) {
    throw new InvalidArgumentError({
      message: `MCP server name "${name}": use a letter, then up to 31 letters, digits, _ or -`,
    });
  }
  if (rest === '') {
    throw new InvalidArgumentError({
      message: 'An MCP server is a URL (http:// or https://) or a command to start',
    });
  }
  const named = name === undefined ? {} : { name };
  if (/^https?:\/\//i.test(rest)) {
    try {
      new URL(rest);
    } catch {
      throw new InvalidArgumentError({ message: `Not a valid URL: ${rest}` });
    }
    return { ...named, url: rest };
  }
  const [command, ...args] = rest.split(/\s+/);
  return { ...named, command: command as string, args };
}
