import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ErrorCode } from '../../core/index.ts';
import { JobNotFoundError, PlatformError, ValidationError } from '../../core/index.ts';

// Every error the service answers has one body shape and a stable string code: the
// platform's own codes, plus those only HTTP has.

/** Codes that only the HTTP service answers with. */
export type HttpOnlyErrorCode =
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'INTERNAL';
export type ApiErrorCode = ErrorCode | HttpOnlyErrorCode;

export const ApiErrorSchema = z
  .object({
    error: z.object({
      code: z.string().describe('Stable, machine-readable: VALIDATION_FAILED, JOB_NOT_FOUND, ...'),
      message: z.string(),
      /** The failing fields, `path: message`, for a request that does not match its schema. */
      issues: z.array(z.string()).optional(),
      /** Whether sending the same request again later may succeed. */
      isRetryable: z.boolean(),
    }),
  })
  .meta({ id: 'ApiError' });
export type ApiErrorBody = z.infer<typeof ApiErrorSchema>;

/** Seconds a client is told to wait (`Retry-After`) when the queue cannot take a job now. */
export const DEFAULT_RETRY_AFTER_S = 1;

const STATUS_BY_CODE: Partial<Record<ApiErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  SESSION_NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  REQUEST_LIMIT_EXCEEDED: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  QUEUE_FULL: 503,
  QUEUE_UNAVAILABLE: 503,
  NO_WORKER: 503,
  SANDBOX_UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** An error the service answers with as is: its code, status and message are the client's. */
export class HttpError extends Error {
  readonly code: ApiErrorCode;
  readonly statusCode: number;
  readonly retryAfterS: number | undefined;

  constructor({
    code,
    message,
    retryAfterS,
  }: {
    code: ApiErrorCode;
    message: string;
    retryAfterS?: number;
  }) {
    super(message);
    this.name = 'HttpError';
    this.code = code;
    this.statusCode = STATUS_BY_CODE[code] ?? 500;
    this.retryAfterS = retryAfterS;
  }
}

interface Answer {
  status: number;
  body: ApiErrorBody;
  retryAfterS?: number;
}

function answer(
  code: ApiErrorCode,
  message: string,
  extra: { issues?: readonly string[]; isRetryable?: boolean; retryAfterS?: number } = {},
): Answer {
  const status = STATUS_BY_CODE[code] ?? 500;
  const isRetryable = extra.isRetryable ?? status >= 500;
  return {
    status,
    body: {
      error: {
        code,
        message,
        ...(extra.issues ? { issues: [...extra.issues] } : {}),
        isRetryable,
      },
    },
    ...(extra.retryAfterS === undefined ? {} : { retryAfterS: extra.retryAfterS }),
  };
}

function zodIssues(error: FastifyError): string[] {
  return (error.validation ?? []).map((issue) => {
    const path = String(issue.instancePath ?? '')
      .replace(/^\//, '')
      .replaceAll('/', '.');
    const where = [error.validationContext, path].filter(Boolean).join('.');
    return `${where || '(root)'}: ${issue.message ?? 'invalid'}`;
  });
}

/** What the client is told about an error: never a stack, never an unexpected message. */
export function describeError(error: unknown): Answer {
  if (error instanceof HttpError) {
    return answer(error.code, error.message, {
      ...(error.retryAfterS === undefined ? {} : { retryAfterS: error.retryAfterS }),
    });
  }
  if (PlatformError.isInstance(error)) {
    const retryAfterS =
      error.code === 'QUEUE_FULL' ||
      error.code === 'NO_WORKER' ||
      error.code === 'QUEUE_UNAVAILABLE'
        ? DEFAULT_RETRY_AFTER_S
        : undefined;
    return answer(error.code, error.message, {
      isRetryable: error.isRetryable,
      ...(error instanceof ValidationError ? { issues: error.issues } : {}),
      ...(retryAfterS === undefined ? {} : { retryAfterS }),
    });
  }
  const fastifyError = error as Partial<FastifyError> | null;
  if (fastifyError && hasZodFastifySchemaValidationErrors(fastifyError)) {
    const issues = zodIssues(fastifyError);
    return answer('VALIDATION_FAILED', `Invalid request: ${issues.join('; ')}`, {
      issues,
      isRetryable: false,
    });
  }
  switch (fastifyError?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return answer('PAYLOAD_TOO_LARGE', 'The request body is larger than the service accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return answer('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return answer('VALIDATION_FAILED', 'The request body is not valid JSON', {
        isRetryable: false,
      });
    default:
      break;
  }
  // Fastify's own client errors (a malformed URL, a bad header) keep their 4xx status.
  if (
    fastifyError &&
    typeof fastifyError.statusCode === 'number' &&
    fastifyError.statusCode >= 400 &&
    fastifyError.statusCode < 500
  ) {
    return {
      status: fastifyError.statusCode,
      body: {
        error: {
          code: 'INVALID_ARGUMENT',
          message: fastifyError.message ?? '',
          isRetryable: false,
        },
      },
    };
  }
  return answer('INTERNAL', 'The service failed on this request; it has been logged');
}

/** Fastify's error handler: one body shape, a `Retry-After` where waiting helps. */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  // The id as the caller sent it, without its tenant's prefix.
  const shown =
    error instanceof JobNotFoundError && request.scope
      ? new JobNotFoundError({ jobId: request.scope.publicId(error.jobId) ?? error.jobId })
      : error;
  const { status, body, retryAfterS } = describeError(shown);
  if (status >= 500 && body.error.code === 'INTERNAL') {
    request.log.error({ err: error }, 'request failed');
  }
  if (retryAfterS !== undefined) void reply.header('retry-after', String(retryAfterS));
  void reply.code(status).send(body);
}
