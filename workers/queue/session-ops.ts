import type { Sandbox } from '../../core/index.ts';
import { InvalidArgumentError } from '../../core/index.ts';
import type { ParsedJobRequest, SessionOutcome, SessionRequest } from './job-schema.ts';
import { SESSION_REQUEST_KINDS } from './job-schema.ts';

export function isSessionRequest(request: ParsedJobRequest): request is SessionRequest {
  return (SESSION_REQUEST_KINDS as readonly string[]).includes(request.kind);
}

/**
 * A file operation on a session's sandbox. What the caller got wrong (a missing file, a path
 * outside the working directory, a sandbox without files) is data, as a failing run is: the
 * worker goes on, and the service answers it as the client's error.
 */
export async function runFileOperation({
  request,
  sandbox,
  signal,
}: {
  request: Exclude<SessionRequest, { kind: 'open-session' | 'close-session' | 'session-stats' }>;
  sandbox: Sandbox;
  signal: AbortSignal;
}): Promise<SessionOutcome> {
  try {
    switch (request.kind) {
      case 'write-file': {
        const data = Buffer.from(request.dataBase64, 'base64');
        await sandbox.writeFile({ path: request.path, data, signal });
        return { path: request.path, sizeBytes: data.length };
      }
      case 'read-file': {
        const data = await sandbox.readFile({ path: request.path, signal });
        return {
          path: request.path,
          sizeBytes: data.length,
          dataBase64: Buffer.from(data).toString('base64'),
        };
      }
      case 'list-files': {
        const listing = await sandbox.listFiles({
          ...(request.path === undefined ? {} : { path: request.path }),
          signal,
        });
        return { files: listing.files, truncated: listing.truncated };
      }
    }
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    return { error: { name: 'FileError', value: error.message } };
  }
}

/** What a session-stats job answers for a session with no sandbox here, or one without `stats`. */
export const UNKNOWN_STATS: NonNullable<SessionOutcome['stats']> = {
  runtime: null,
  memoryBytes: null,
  memoryLimitBytes: null,
  pids: null,
};

/** A session-stats job: the sandbox's reading, or nulls where it has none to give. */
export async function readSessionStats({
  sandbox,
  signal,
}: {
  sandbox: Sandbox | undefined;
  signal: AbortSignal;
}): Promise<SessionOutcome> {
  if (!sandbox?.stats) return { stats: UNKNOWN_STATS };
  const { runtime, memoryBytes, memoryLimitBytes, pids = null } = await sandbox.stats({ signal });
  return { stats: { runtime, memoryBytes, memoryLimitBytes, pids } };
}
