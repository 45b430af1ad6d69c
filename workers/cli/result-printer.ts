import type { ActionReturn, Execution } from '../../core/index.ts';
import type { JobResult } from '../queue/job-schema.ts';
import type { OutputFiles, SavedOutput } from './output-files.ts';

/** How the sandbox marks output it cut (sandboxes/docker/execution-collector.ts). */
const TRUNCATION_LINE = /^\[output truncated\b/;

export interface PrintResultOptions {
  result: JobResult;
  files: OutputFiles;
  /** The code's stdout and stderr were already shown, as they streamed. */
  logsShown: boolean;
}

const line = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);
const out = (text: string) => void process.stdout.write(line(text));
const err = (text: string) => void process.stderr.write(line(text));
const link = ({ kind, path }: SavedOutput) => `[${kind}](${path})`;

/**
 * Prints a job's result for a person: output and values on stdout, errors on stderr, rich
 * outputs saved as files (their paths printed), a notice when output was cut. Returns
 * whether the job succeeded.
 */
export async function printJobResult({
  result,
  files,
  logsShown,
}: PrintResultOptions): Promise<boolean> {
  // A job that ended before its request was known carries both shapes, saying the same.
  if (result.actionReturn) return printActionReturn(result, result.actionReturn, files);
  if (result.execution) return printExecution(result, result.execution, files, logsShown);
  err(`job ${result.jobId} ended ${result.status}`);
  return false;
}

async function printActionReturn(
  { jobId, status }: JobResult,
  actionReturn: ActionReturn,
  files: OutputFiles,
): Promise<boolean> {
  if (status !== 'completed' || actionReturn.errmsg !== null) {
    err(actionReturn.errmsg ?? `The call ended ${status}.`);
    return false;
  }
  // Lagent's format_result, with data URLs (figures) replaced by the files they were saved to.
  const lines: string[] = [];
  for (const item of actionReturn.result ?? []) {
    if (item.type === 'text') {
      lines.push(item.content);
      continue;
    }
    const saved = await files.saveDataUrl({ jobId, kind: item.type, content: item.content });
    lines.push(saved ? link(saved) : `[${item.type}](${item.content})`);
  }
  if (lines.length > 0) out(lines.join('\n'));
  return true;
}

async function printExecution(
  { jobId, status }: JobResult,
  execution: Execution,
  files: OutputFiles,
  logsShown: boolean,
): Promise<boolean> {
  if (!logsShown) {
    if (execution.logs.stdout.length > 0) process.stdout.write(execution.logs.stdout.join(''));
    if (execution.logs.stderr.length > 0) process.stderr.write(execution.logs.stderr.join(''));
  } else if (execution.truncated) {
    // Streamed output never carries the notice: the sandbox adds it to the logs at the end.
    const notices = execution.logs.stderr.filter((text) => TRUNCATION_LINE.test(text));
    err(notices.length > 0 ? notices.join('') : '[output truncated]');
  }
  for (const result of execution.results) {
    const saved = await files.saveResult({ jobId, result });
    // A figure's text is only its repr ("<Figure size ...>"); a value's text is the value.
    const text = result.markdown ?? result.latex ?? result.text;
    if (text !== undefined && (result.isMainResult || saved.length === 0)) out(text);
    else if (text === undefined && saved.length === 0 && result.json !== undefined)
      out(JSON.stringify(result.json));
    for (const file of saved) out(link(file));
  }
  if (execution.error) {
    const { name, value, traceback } = execution.error;
    // IPython's traceback ends with the "Name: value" line itself.
    err(traceback.includes(`${name}: `) ? traceback : `${name}: ${value}\n${traceback}`.trim());
    return false;
  }
  return status === 'completed';
}
