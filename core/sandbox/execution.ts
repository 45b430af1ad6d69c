import { z } from 'zod';

/**
 * One rich output of an execution, keyed by MIME kind as E2B's `Result`: `png` and `jpeg`
 * are base64, the rest text. `isMainResult` marks the cell's value (execute_result) as
 * opposed to a display (display_data).
 */
export interface ExecutionResult {
  text?: string;
  html?: string;
  markdown?: string;
  svg?: string;
  png?: string;
  jpeg?: string;
  pdf?: string;
  latex?: string;
  json?: unknown;
  javascript?: string;
  isMainResult: boolean;
  /** MIME types without a field above, by MIME type. */
  extra?: Record<string, unknown>;
}

/**
 * Output in the chunks it arrived in. Where one chunk ends is timing, not content: a kernel
 * sends what is buffered every 200 ms, so one print() can arrive as two chunks on a busy
 * machine. Join the chunks to read the text.
 */
export interface ExecutionLogs {
  stdout: string[];
  stderr: string[];
}

/** A failure of the user's code: data, never thrown. */
export interface ExecutionError {
  name: string;
  value: string;
  traceback: string;
}

/** How an execution that hit its deadline was stopped. */
export type ExecutionStop = 'interrupted' | 'restarted' | 'killed';

/** The outcome of running code, in the shape users of E2B know. */
export interface Execution {
  results: ExecutionResult[];
  logs: ExecutionLogs;
  /** The code's failure (a traceback, a timeout, a dead kernel): data, never thrown. */
  error: ExecutionError | null;
  executionCount: number | null;
  /** Set when output was cut at a cap; a notice in `logs.stderr` says what was cut. */
  truncated?: boolean;
  /** Set when the deadline passed, saying what it took to stop the code. */
  timedOut?: ExecutionStop;
  /**
   * True when this call lost the session's state (the interpreter died, ran out of memory,
   * was restarted or replaced); `error` says how. Reported once: the next call runs on
   * fresh state and does not report it again.
   */
  stateLost?: boolean;
}

export const ExecutionErrorSchema = z.object({
  name: z.string(),
  value: z.string(),
  traceback: z.string(),
});

export const ExecutionResultSchema = z.object({
  text: z.string().optional(),
  html: z.string().optional(),
  markdown: z.string().optional(),
  svg: z.string().optional(),
  png: z.string().optional(),
  jpeg: z.string().optional(),
  pdf: z.string().optional(),
  latex: z.string().optional(),
  json: z.json().optional(),
  javascript: z.string().optional(),
  isMainResult: z.boolean(),
  extra: z.record(z.string(), z.json()).optional(),
});

export const ExecutionSchema = z.object({
  results: z.array(ExecutionResultSchema),
  logs: z.object({ stdout: z.array(z.string()), stderr: z.array(z.string()) }),
  error: ExecutionErrorSchema.nullable(),
  executionCount: z.number().int().nullable(),
  truncated: z.boolean().optional(),
  timedOut: z.enum(['interrupted', 'restarted', 'killed']).optional(),
  stateLost: z.boolean().optional(),
});

/** The main result's text, as E2B's `execution.text`. */
export function executionText(execution: Execution): string | undefined {
  return execution.results.find((result) => result.isMainResult)?.text;
}
