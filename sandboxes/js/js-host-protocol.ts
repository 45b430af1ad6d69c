// Messages between the caller's process, the JS host child process and its pool threads.
// Everything crossing a process boundary is validated here; thread messages stay typed.
import { z } from 'zod';
import { ExecutionSchema } from '../../core/sandbox/execution.ts';
import type { Execution } from '../../core/sandbox/execution.ts';

export const JsLimitsSchema = z.object({
  memoryLimitMb: z.number().int().min(8),
  cpuTimeLimitMs: z.number().int().positive(),
  wallTimeLimitMs: z.number().int().positive(),
  maxOutputChars: z.number().int().nonnegative(),
  allowWasm: z.boolean(),
  allowSharedArrayBuffer: z.boolean(),
});

/** What the child is started with (its argv), and what each pool thread gets as workerData. */
export const JsHostConfigSchema = z.object({
  threads: z.number().int().positive(),
  limits: JsLimitsSchema,
  hostFunctionNames: z.array(z.string()),
  freshIsolatesPerThread: z.number().int().nonnegative(),
  isolateReuse: z.number().int().positive(),
  /** Names the control channel between the child's main thread and its pool threads. */
  channel: z.string().optional(),
});
export type JsHostConfig = z.infer<typeof JsHostConfigSchema>;

const id = z.number().int();
const sessionId = z.string().min(1);

export const HostRequestSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('run'),
    id,
    code: z.string(),
    sessionId: sessionId.optional(),
    timeoutMs: z.number().int().positive().optional(),
    /** This call's environment, over the session's. */
    envs: z.record(z.string(), z.string()).optional(),
  }),
  z.object({ type: z.literal('open'), id, sessionId }),
  z.object({ type: z.literal('close'), id, sessionId }),
  z.object({ type: z.literal('restart'), id, sessionId }),
  z.object({
    type: z.literal('set-envs'),
    id,
    sessionId,
    envs: z.record(z.string(), z.string()),
  }),
  z.object({ type: z.literal('abort'), id }),
  z.object({ type: z.literal('host-reply'), callId: id, reply: z.string() }),
]);
export type HostRequest = z.infer<typeof HostRequestSchema>;

export const HostReplySchema = z.union([
  z.object({ type: z.literal('ready') }),
  z.object({
    type: z.literal('reply'),
    id,
    ok: z.literal(true),
    execution: ExecutionSchema.extend({
      stateLost: z.boolean(),
      aborted: z.enum(['before-start', 'during']).optional(),
      sessionLost: z.boolean().optional(),
    }).optional(),
  }),
  z.object({ type: z.literal('reply'), id, ok: z.literal(false), message: z.string() }),
  z.object({ type: z.literal('host-call'), callId: id, name: z.string(), argsJson: z.string() }),
]);
/** Written by hand: an Execution's `json` is any JSON value, which zod's inferred type narrows. */
export type HostReply =
  | { type: 'ready' }
  | { type: 'reply'; id: number; ok: true; execution?: RunOutcome }
  | { type: 'reply'; id: number; ok: false; message: string }
  | { type: 'host-call'; callId: number; name: string; argsJson: string };

/** The result of one run as it travels back: an Execution, and what the caller must know. */
export type RunOutcome = Execution & {
  stateLost: boolean;
  /** An abort stopped the run: before its code started (nothing ran) or while it ran. */
  aborted?: 'before-start' | 'during';
  /** The session itself is gone from the JS host (its thread went away): open it again. */
  sessionLost?: boolean;
};

/** A run's abort flag: one Int32 the child's main thread sets, read by the pool thread. */
export type AbortFlag = Int32Array;

/** A run as a pool thread gets it (as a piscina task, or on a session's port). */
export interface RunTask {
  execId: number;
  code: string;
  timeoutMs?: number | undefined;
  envs?: Record<string, string> | undefined;
  abort: AbortFlag;
}

/** Messages on a session's port (child main thread → pool thread) and their replies. */
export type SessionCommand =
  | ({ type: 'run' } & RunTask)
  | { type: 'restart'; execId: number }
  | { type: 'set-envs'; execId: number; envs: Record<string, string> }
  | { type: 'close'; execId: number };

export type SessionReply =
  | { execId: number; ok: true; execution?: RunOutcome }
  | { execId: number; ok: false; message: string; gone?: true };

/** Messages on the control channel shared by the child's threads. */
export type ControlMessage =
  | { type: 'abort'; execId: number }
  | { type: 'host-call'; callId: number; name: string; argsJson: string }
  | { type: 'host-reply'; callId: number; reply: string };
