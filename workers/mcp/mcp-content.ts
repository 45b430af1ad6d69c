import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ActionReturn, Execution, ExecutionResult } from '../../core/index.ts';
import { parseJson } from '../../core/index.ts';
import { sanitizeText } from '../../sandboxes/index.ts';
import type { JobResult, JobStatus } from '../queue/job-schema.ts';

// Results as MCP content. Text goes through sanitizeText (the code's output is the attacker's
// and goes to a model); figures become image content; the code's failure is an `isError`
// result that says what happened, never a protocol error.

type Content = CallToolResult['content'][number];

/** What `run_python` and `run_javascript` answer as structured content (their outputSchema). */
export const RunOutputSchema = z.object({
  stdout: z.string(),
  stderr: z.string(),
  /** The value of the last expression, as text. */
  result: z.string().optional(),
  /** JSON results (application/json), in order. */
  json: z.array(z.json()).optional(),
  error: z.object({ name: z.string(), value: z.string(), traceback: z.string() }).optional(),
  timedOut: z.enum(['interrupted', 'restarted', 'killed']).optional(),
  stateLost: z.boolean().optional(),
  truncated: z.boolean().optional(),
  /** How the job ended: `completed` unless the platform could not finish it. */
  status: z.string(),
  sessionId: z.string().optional(),
});
export type RunOutput = z.infer<typeof RunOutputSchema>;

const STATUS_TEXT: Record<Exclude<JobStatus, 'completed'>, string> = {
  'session-lost': 'The session was lost (its worker or sandbox went away); its state is gone.',
  'worker-lost': 'The worker running this call stopped; the call did not finish.',
  cancelled: 'The call was cancelled.',
  'timed-out': 'The call did not end in time and was stopped.',
  expired: 'No worker started the call in time; it did not run.',
  lost: 'The call was lost by the queue; it may not have run.',
  failed: 'The platform failed to run the call.',
};

function imageContent(mimeType: string, data: string): Content {
  return { type: 'image', data, mimeType };
}

function resultContent(result: ExecutionResult): Content[] {
  if (result.png !== undefined) return [imageContent('image/png', result.png)];
  if (result.jpeg !== undefined) return [imageContent('image/jpeg', result.jpeg)];
  if (result.svg !== undefined)
    return [imageContent('image/svg+xml', Buffer.from(result.svg).toString('base64'))];
  if (result.json !== undefined) return [{ type: 'text', text: JSON.stringify(result.json) }];
  if (result.text !== undefined) return [{ type: 'text', text: sanitizeText(result.text) }];
  return [];
}

/** An Execution (run_python, a run-code job) as an MCP tool result. */
export function executionToMcp({
  execution,
  status = 'completed',
  sessionId,
}: {
  execution: Execution | undefined;
  status?: JobStatus;
  sessionId?: string | undefined;
}): CallToolResult {
  const stdout = sanitizeText((execution?.logs.stdout ?? []).join(''));
  const stderr = sanitizeText((execution?.logs.stderr ?? []).join(''));
  const content: Content[] = [];
  if (stdout) content.push({ type: 'text', text: stdout });
  if (stderr) content.push({ type: 'text', text: `[stderr]\n${stderr}` });
  for (const result of execution?.results ?? []) content.push(...resultContent(result));
  const error = execution?.error ?? undefined;
  if (error) {
    const traceback = sanitizeText(error.traceback);
    content.push({
      type: 'text',
      text: traceback
        ? `${error.name}: ${error.value}\n${traceback}`
        : `${error.name}: ${error.value}`,
    });
  }
  if (status !== 'completed') content.push({ type: 'text', text: STATUS_TEXT[status] });
  if (content.length === 0) content.push({ type: 'text', text: '(no output)' });
  const main = execution?.results.find((result) => result.isMainResult)?.text;
  const json = (execution?.results ?? []).flatMap((result) =>
    result.json === undefined ? [] : [result.json],
  );
  const structured: RunOutput = {
    stdout,
    stderr,
    ...(main === undefined ? {} : { result: sanitizeText(main) }),
    ...(json.length === 0 ? {} : { json: json as RunOutput['json'] }),
    ...(error ? { error: { ...error, traceback: sanitizeText(error.traceback) } } : {}),
    ...(execution?.timedOut ? { timedOut: execution.timedOut } : {}),
    ...(execution?.stateLost ? { stateLost: true } : {}),
    ...(execution?.truncated ? { truncated: true } : {}),
    status,
    ...(sessionId === undefined ? {} : { sessionId }),
  };
  return {
    content,
    structuredContent: structured,
    ...(error !== undefined || status !== 'completed' ? { isError: true } : {}),
  };
}

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+);base64,(.*)$/s;

/**
 * A tool's ActionReturn as an MCP tool result: text items as text, images (data URLs) as
 * image content, an errmsg as an `isError` result. A single text item holding a JSON object
 * is also the structured content.
 */
export function actionReturnToMcp({
  actionReturn,
  status = 'completed',
}: {
  actionReturn: ActionReturn | undefined;
  status?: JobStatus;
}): CallToolResult {
  const content: Content[] = [];
  for (const item of actionReturn?.result ?? []) {
    const image = item.type === 'image' ? DATA_URL.exec(item.content) : null;
    if (image?.[1] !== undefined && image[2] !== undefined) {
      content.push(imageContent(image[1], image[2]));
    } else if (item.type === 'text') {
      content.push({ type: 'text', text: sanitizeText(item.content) });
    } else {
      content.push({ type: 'text', text: sanitizeText(`[${item.type}](${item.content})`) });
    }
  }
  const errmsg = actionReturn?.errmsg ?? null;
  if (errmsg !== null) content.push({ type: 'text', text: sanitizeText(errmsg) });
  if (status !== 'completed') content.push({ type: 'text', text: STATUS_TEXT[status] });
  if (content.length === 0) content.push({ type: 'text', text: '(no output)' });
  const structured = jsonObject(actionReturn);
  return {
    content,
    ...(structured ? { structuredContent: structured } : {}),
    ...(errmsg !== null || status !== 'completed' ? { isError: true } : {}),
  };
}

function jsonObject(actionReturn: ActionReturn | undefined): Record<string, unknown> | undefined {
  const items = actionReturn?.result ?? [];
  if (actionReturn?.errmsg != null || items.length !== 1 || items[0]?.type !== 'text') return;
  try {
    const value = parseJson(items[0].content);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A job's result as an MCP tool result: a run-code job's Execution (with the structured
 * content of RunOutputSchema), or a tool call's ActionReturn.
 */
export function jobResultToMcp({
  result,
  sessionId,
}: {
  result: JobResult;
  sessionId?: string | undefined;
}): CallToolResult {
  if (result.actionReturn !== undefined)
    return actionReturnToMcp({ actionReturn: result.actionReturn, status: result.status });
  return executionToMcp({ execution: result.execution, status: result.status, sessionId });
}
