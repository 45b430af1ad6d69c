import { InvalidArgumentError } from '../errors/invalid-argument-error.ts';
import { RequestLimitError } from '../errors/request-limit-error.ts';
import { measureJson, utf8ByteLength } from '../internal/json-bounds.ts';

// The bounds of one request (a job, a tool call): what a caller may send before anything is
// written to the queue or run. Each is an option of the job client, the job runner (the
// worker) and the ActionExecutor, with these defaults.

/** Code in one run-code request, in UTF-8 bytes. */
export const DEFAULT_MAX_CODE_BYTES = 1024 * 1024;
/** One call's arguments, as approximate UTF-8 bytes of their JSON. */
export const DEFAULT_MAX_ARGUMENT_BYTES = 1024 * 1024;
/**
 * Nesting levels of one call's arguments (`{"a": [1]}` is 2). Deeper values are refused
 * before anything recursive (serialising, cloning, validating) touches them.
 */
export const DEFAULT_MAX_ARGUMENT_DEPTH = 64;
/** The longest `timeoutMs` a request may ask for. */
export const DEFAULT_MAX_EXECUTION_TIMEOUT_MS = 10 * 60_000;

export interface RequestLimits {
  /** @default DEFAULT_MAX_CODE_BYTES */
  maxCodeBytes: number;
  /** @default DEFAULT_MAX_ARGUMENT_BYTES */
  maxArgumentBytes: number;
  /** @default DEFAULT_MAX_ARGUMENT_DEPTH */
  maxArgumentDepth: number;
  /** @default DEFAULT_MAX_EXECUTION_TIMEOUT_MS */
  maxExecutionTimeoutMs: number;
}

export const DEFAULT_REQUEST_LIMITS: Readonly<RequestLimits> = Object.freeze({
  maxCodeBytes: DEFAULT_MAX_CODE_BYTES,
  maxArgumentBytes: DEFAULT_MAX_ARGUMENT_BYTES,
  maxArgumentDepth: DEFAULT_MAX_ARGUMENT_DEPTH,
  maxExecutionTimeoutMs: DEFAULT_MAX_EXECUTION_TIMEOUT_MS,
});

/** Every limit, defaults filled in; InvalidArgumentError for one that is not a positive integer. */
export function resolveRequestLimits(limits: Partial<RequestLimits> = {}): RequestLimits {
  const resolved = { ...DEFAULT_REQUEST_LIMITS, ...limits };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new InvalidArgumentError({
        message: `${name} must be a positive integer, got ${String(value)}`,
      });
    }
  }
  return resolved;
}

function describeBytes(bytes: number): string {
  return bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0
    ? `${bytes / (1024 * 1024)} MiB`
    : bytes >= 1024 && bytes % 1024 === 0
      ? `${bytes / 1024} KiB`
      : `${bytes} bytes`;
}

/** Why these arguments are refused (one line, for an errmsg), or undefined when they are within bounds. */
export function argumentsProblem({
  value,
  limits,
  what = 'The arguments',
}: {
  value: unknown;
  limits: Pick<RequestLimits, 'maxArgumentBytes' | 'maxArgumentDepth'>;
  what?: string;
}): { limit: 'maxArgumentBytes' | 'maxArgumentDepth'; max: number; message: string } | undefined {
  const bounds = measureJson({
    value,
    maxDepth: limits.maxArgumentDepth,
    maxBytes: limits.maxArgumentBytes,
  });
  if (bounds.ok) return undefined;
  if (bounds.exceeded === 'depth') {
    return {
      limit: 'maxArgumentDepth',
      max: limits.maxArgumentDepth,
      message: `${what} are nested more than ${limits.maxArgumentDepth} levels deep (maxArgumentDepth)`,
    };
  }
  return {
    limit: 'maxArgumentBytes',
    max: limits.maxArgumentBytes,
    message: `${what} are larger than ${describeBytes(limits.maxArgumentBytes)} (maxArgumentBytes)`,
  };
}

/** RequestLimitError when a call's arguments are too large or too deeply nested. */
export function checkArguments(options: Parameters<typeof argumentsProblem>[0]): void {
  const problem = argumentsProblem(options);
  if (problem) throw new RequestLimitError(problem);
}

/** Why this code is refused, or undefined when it is within `maxCodeBytes`. */
export function codeProblem({
  code,
  maxCodeBytes,
}: {
  code: string;
  maxCodeBytes: number;
}): string | undefined {
  if (utf8ByteLength(code, maxCodeBytes) <= maxCodeBytes) return undefined;
  return `The code is larger than ${describeBytes(maxCodeBytes)} (maxCodeBytes): send data as a file or fetch it from the code instead`;
}

/** RequestLimitError when the code is larger than `maxCodeBytes`. */
export function checkCode({ code, maxCodeBytes }: { code: string; maxCodeBytes: number }): void {
  const message = codeProblem({ code, maxCodeBytes });
  if (message) throw new RequestLimitError({ limit: 'maxCodeBytes', max: maxCodeBytes, message });
}

/** Why this timeout is refused, or undefined when it is at most `maxExecutionTimeoutMs`. */
export function timeoutProblem({
  timeoutMs,
  maxExecutionTimeoutMs,
}: {
  timeoutMs: number;
  maxExecutionTimeoutMs: number;
}): string | undefined {
  if (timeoutMs <= maxExecutionTimeoutMs) return undefined;
  return `A timeout of ${timeoutMs} ms is longer than the ${maxExecutionTimeoutMs} ms allowed (maxExecutionTimeoutMs)`;
}

/** RequestLimitError when a timeout is over `maxExecutionTimeoutMs` (refused, never clamped). */
export function checkTimeout(options: Parameters<typeof timeoutProblem>[0]): void {
  const message = timeoutProblem(options);
  if (message) {
    throw new RequestLimitError({
      limit: 'maxExecutionTimeoutMs',
      max: options.maxExecutionTimeoutMs,
      message,
    });
  }
}

/**
 * What a session id of the job API may be: it becomes part of Redis keys, container labels
 * and log lines, so it is short and plain.
 */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

/** InvalidArgumentError unless the session id matches SESSION_ID_PATTERN. */
export function checkSessionId(sessionId: string): void {
  if (SESSION_ID_PATTERN.test(sessionId)) return;
  const shown = JSON.stringify(sessionId.slice(0, 40)) + (sessionId.length > 40 ? '...' : '');
  throw new InvalidArgumentError({
    message: `Session id ${shown} is not valid: use 1 to 128 letters, digits, _ . : -`,
  });
}
