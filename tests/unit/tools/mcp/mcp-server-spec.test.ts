import { describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../../../../core/index.ts';
import { parseMcpServerSpec } from '../../../../tools/mcp/mcp-server-spec.ts';

describe('parseMcpServerSpec (--mcp-server)', () => {
  test('a URL, with or without a name', () => {
    expect(parseMcpServerSpec('http://127.0.0.1:9000/mcp')).toEqual({
      url: 'http://127.0.0.1:9000/mcp',
    });
    expect(parseMcpServerSpec('docs=https://example.com/mcp')).toEqual({
      name: 'docs',
      url: 'https://example.com/mcp',
    });
  });

  test('a command and its arguments, split on spaces', () => {
    expect(parseMcpServerSpec('files=node server.js --root /data')).toEqual({
      name: 'files',
      command: 'node',
      args: ['server.js', '--root', '/data'],
    });
    expect(parseMcpServerSpec('  my-server  ')).toEqual({ command: 'my-server', args: [] });
  });

  test('a bad name, nothing to start or a broken URL is an InvalidArgumentError', () => {
    expect(() => parseMcpServerSpec('')).toThrow(InvalidArgumentError);
    expect(() => parseMcpServerSpec('name=')).toThrow(/URL .* or a command/);
    expect(() => parseMcpServerSpec('a_very_long_name_that_goes_on_and_on=x')).toThrow(
      /MCP server name/,
    );
    expect(() => parseMcpServerSpec('http://')).toThrow(/Not a valid URL/);
  });
});
