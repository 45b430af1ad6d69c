import type { StreamEvent } from '../api.ts';
import { html } from '../html.ts';
import type { ExecutionResult, JobResult } from '../types.ts';
import { ActionReturnView, ExecutionView, RichResult, StreamText } from './execution-view.ts';

/** What a job's events showed so far. */
export interface LiveOutput {
  started: boolean;
  workerId: string | null;
  stdout: string;
  stderr: string;
  results: ExecutionResult[];
  result: JobResult | null;
}

export const NO_OUTPUT: LiveOutput = {
  started: false,
  workerId: null,
  stdout: '',
  stderr: '',
  results: [],
  result: null,
};

/** The output after one more event of the job's stream. */
export function withEvent(output: LiveOutput, event: StreamEvent): LiveOutput {
  const data = event.data as { workerId?: string; text?: string; result?: unknown };
  switch (event.type) {
    case 'started':
      return { ...output, started: true, workerId: data.workerId ?? '' };
    case 'stdout':
      return { ...output, stdout: output.stdout + (data.text ?? '') };
    case 'stderr':
      return { ...output, stderr: output.stderr + (data.text ?? '') };
    case 'result':
      return { ...output, results: [...output.results, data.result as ExecutionResult] };
    case 'end':
      return { ...output, result: data.result as JobResult };
    default:
      return output;
  }
}

/**
 * A job's output: as it streams, then its result (whose logs and results are complete even
 * when the page opened after some output had been printed).
 */
export function JobOutput({ output }: { output: LiveOutput }) {
  const result = output.result;
  if (!result) {
    return html`<div class="execution" data-testid="output">
      <${StreamText} stdout=${output.stdout} stderr=${output.stderr} />
      ${output.results.map((item) => html`<div class="result"><${RichResult} result=${item} /></div>`)}
    </div>`;
  }
  return html`<div data-testid="output">
    ${result.execution ? html`<${ExecutionView} execution=${result.execution} withLogs=${true} />` : null}
    ${result.actionReturn ? html`<${ActionReturnView} actionReturn=${result.actionReturn} />` : null}
    ${
      result.status !== 'completed' && !result.execution && !result.actionReturn
        ? html`<p class="warning">The job ended ${result.status}.</p>`
        : null
    }
  </div>`;
}
