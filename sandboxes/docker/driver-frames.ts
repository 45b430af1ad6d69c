import { z } from 'zod';

// What the driver inside the container may say. It runs next to the user's code, so every
// frame is validated and anything else ends the container.

const id = z.number().int().nullable().optional();

export const DriverFrameSchema = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('ready'),
    id,
    reason: z.string(),
    pid: z.number().int().optional(),
    /** Fresh mode: the modules the fork server imported. */
    preloaded: z.array(z.string()).optional(),
    anomaly: z.string().optional(),
  }),
  z.object({ t: z.literal('stream'), id, name: z.enum(['stdout', 'stderr']), text: z.string() }),
  z.object({ t: z.literal('result'), id, main: z.boolean(), data: z.record(z.string(), z.json()) }),
  z.object({
    t: z.literal('error'),
    id,
    name: z.string(),
    value: z.string(),
    traceback: z.array(z.string()),
  }),
  z.object({
    t: z.literal('end'),
    id,
    count: z.number().int().nullable(),
    status: z.string(),
    dropped: z.number().int().nonnegative(),
    droppedResults: z.number().int().nonnegative().optional(),
  }),
  z.object({
    t: z.literal('died'),
    id,
    code: z.number().int().nullable(),
    signal: z.number().int().nullable(),
  }),
  z.object({ t: z.literal('ok'), id }),
  // Fresh mode (fresh_server.py): one run's whole outcome, and a reason to replace the container.
  z.object({
    t: z.literal('run-end'),
    id,
    stdout: z.string(),
    stderr: z.string(),
    error: z
      .object({ name: z.string(), value: z.string(), traceback: z.array(z.string()) })
      .nullable(),
    results: z.array(z.object({ main: z.boolean(), data: z.record(z.string(), z.json()) })),
    truncated: z.boolean(),
    timedOut: z.boolean(),
    cancelled: z.boolean(),
    exitCode: z.number().int().nullable(),
    signal: z.number().int().nullable(),
    elapsedMs: z.number(),
    dropped: z.number().int().nonnegative(),
    droppedResults: z.number().int().nonnegative(),
    /** Found by the sweep after a stopped run: the container must be replaced. */
    anomaly: z.string().nullable(),
  }),
  z.object({ t: z.literal('anomaly'), id, reason: z.string() }),
  z.object({ t: z.literal('file'), id, data: z.string() }),
  z.object({ t: z.literal('fail'), id, message: z.string() }),
]);

export type DriverFrame = z.infer<typeof DriverFrameSchema>;

/** Commands the host sends to the driver. */
export type DriverCommand =
  | {
      op: 'execute';
      id: number;
      code: string;
      env?: Record<string, string>;
      maxOutputBytes: number;
      maxResults: number;
      /** The died frames the host has had from this driver: one it has not had means this code is not run. */
      deaths: number;
    }
  | { op: 'interrupt' }
  | { op: 'restart'; id: number }
  | { op: 'set_env'; id: number; env: Record<string, string> }
  | { op: 'write_file'; id: number; path: string; data: string }
  | { op: 'read_file'; id: number; path: string; maxBytes: number }
  | { op: 'list_files'; id: number; path: string; maxFiles: number; maxBytes: number }
  | { op: 'ping'; id: number }
  | {
      op: 'run';
      id: number;
      code: string;
      timeoutMs: number;
      env?: Record<string, string>;
      maxOutputBytes: number;
      maxResults: number;
      memoryMb?: number;
    }
  | { op: 'cancel'; id: number };
