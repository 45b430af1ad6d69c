import { z } from 'zod';
import { SESSION_ID_PATTERN } from '../../core/index.ts';
import { MAX_SESSION_IDLE_TTL_MS } from './session-registry.ts';

// Bodies of the session and file routes (see service-schemas.ts for the jobs').

const SessionIdSchema = z
  .string()
  .regex(SESSION_ID_PATTERN, 'use 1 to 128 letters, digits, _ . : -');

export const SessionParamsSchema = z.object({ sessionId: SessionIdSchema });

export const FileParamsSchema = z.object({
  sessionId: SessionIdSchema,
  '*': z.string().min(1).max(1024).describe('The file path, relative to the working directory'),
});

export const CreateSessionBodySchema = z
  .object({
    sessionId: SessionIdSchema.optional().describe('Yours to choose; random when absent.'),
    language: z.literal('python').default('python'),
    idleTtlMs: z
      .number()
      .int()
      .min(1_000)
      .max(MAX_SESSION_IDLE_TTL_MS)
      .optional()
      .describe('Closed after this long without a job. @default 15 minutes'),
  })
  .meta({ id: 'CreateSession' });

export const SessionSchema = z
  .object({
    sessionId: z.string(),
    language: z
      .enum(['python', 'javascript'])
      .describe('python: an IPython kernel; javascript: named by JavaScriptInterpreter calls'),
    createdAt: z.number().describe('Epoch milliseconds'),
    lastUsedAt: z.number().describe('Epoch milliseconds'),
    idleTtlMs: z.number(),
  })
  .meta({ id: 'Session' });

export const SessionListSchema = z
  .object({ sessions: z.array(SessionSchema) })
  .meta({ id: 'SessionList' });

export const ClosedSessionSchema = z
  .object({ closed: z.literal(true) })
  .meta({ id: 'ClosedSession' });

export const StoredFileSchema = z
  .object({ path: z.string(), sizeBytes: z.number() })
  .meta({ id: 'StoredFile' });

export const ListFilesQuerySchema = z.object({ path: z.string().min(1).max(1024).optional() });

export const FileListingSchema = z
  .object({ files: z.array(StoredFileSchema), truncated: z.boolean() })
  .meta({ id: 'FileListing' });

const nullableBytes = (what: string) => z.number().nonnegative().nullable().describe(what);

export const SessionStatsSchema = z
  .object({
    sessionId: z.string(),
    runtime: z
      .string()
      .nullable()
      .describe(
        "What isolates the session's sandbox: runc, runsc (gVisor), isolated-vm; null when its worker holds no sandbox that says (a tool's session)",
      ),
    memoryBytes: nullableBytes(
      'Memory in use now (under runsc: the whole gVisor sandbox); null when not reported',
    ),
    memoryLimitBytes: nullableBytes('Its memory limit; null when not reported'),
    pids: z
      .number()
      .int()
      .nonnegative()
      .nullable()
      .describe('Processes and threads running in it (runc only); null when not counted'),
  })
  .meta({ id: 'SessionStats' });
