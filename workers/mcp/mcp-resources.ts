import type { ReadResourceResult, Resource } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { extname } from 'node:path';
import type { JobResult, ParsedJobRequest } from '../queue/job-schema.ts';
import type { McpJobGateway } from './mcp-job-gateway.ts';
import type { McpSandboxSessions } from './mcp-sandbox-sessions.ts';

// A Python session's files are MCP resources: `sandbox://<session>/<path>`, listed from the
// sessions this MCP session has opened, read through the session's worker like any call.

/** MCP's "resource not found" (the specification's code for an unknown URI). */
const RESOURCE_NOT_FOUND = -32002;
const SCHEME = 'sandbox:';

const MIME_TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.py': 'text/x-python',
  '.html': 'text/html',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.pdf': 'application/pdf',
};

function mimeType(path: string): string {
  return MIME_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

function resourceUri(sessionId: string, path: string): string {
  return `${SCHEME}//${sessionId}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

async function runJob(gateway: McpJobGateway, request: ParsedJobRequest): Promise<JobResult> {
  const jobId = await gateway.submit(request);
  return gateway.result({ jobId });
}

/** The files of every Python session this MCP session has open. */
export async function listSessionFiles({
  gateway,
  sessions,
}: {
  gateway: McpJobGateway;
  sessions: McpSandboxSessions;
}): Promise<Resource[]> {
  const open = sessions.list().filter((session) => session.language === 'python');
  const listed = await Promise.all(
    open.map(async ({ sessionId, jobSessionId }) => {
      const result = await runJob(gateway, { kind: 'list-files', sessionId: jobSessionId });
      const files = result.status === 'completed' ? (result.session?.files ?? []) : [];
      return files.map((file): Resource => ({
        uri: resourceUri(sessionId, file.path),
        name: file.path,
        title: `${file.path} (session ${sessionId})`,
        mimeType: mimeType(file.path),
        size: file.sizeBytes,
      }));
    }),
  );
  return listed.flat();
}

function notFound(uri: string, why: string): McpError {
  return new McpError(RESOURCE_NOT_FOUND, `Resource not found: ${uri} (${why})`, { uri });
}

/** One file of a session, as text when it is UTF-8, else as a blob. */
export async function readSessionFile({
  gateway,
  sessions,
  uri,
}: {
  gateway: McpJobGateway;
  sessions: McpSandboxSessions;
  uri: string;
}): Promise<ReadResourceResult['contents'][number]> {
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    throw new McpError(ErrorCode.InvalidParams, `Not a URI: ${uri}`);
  }
  if (parsed.protocol !== SCHEME) throw notFound(uri, `only ${SCHEME}// resources are served`);
  const session = sessions
    .list()
    .find((entry) => entry.language === 'python' && entry.sessionId === parsed.hostname);
  if (!session) throw notFound(uri, `no open session "${parsed.hostname}" in this MCP session`);
  const path = parsed.pathname.slice(1).split('/').map(decodeURIComponent).join('/');
  const result = await runJob(gateway, {
    kind: 'read-file',
    sessionId: session.jobSessionId,
    path,
  });
  const outcome = result.session;
  if (result.status !== 'completed' || !outcome || outcome.dataBase64 === undefined) {
    throw notFound(uri, outcome?.error?.value ?? `the read ended ${result.status}`);
  }
  const bytes = Buffer.from(outcome.dataBase64, 'base64');
  const type = mimeType(path);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const isText = !text.includes('\ufffd') && !text.includes('\u0000');
  return isText ? { uri, mimeType: type, text } : { uri, mimeType: type, blob: outcome.dataBase64 };
}
