import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, followEvents } from '../api.ts';
import type { LiveOutput } from '../components/job-output.ts';
import { ExecutionView } from '../components/execution-view.ts';
import { JobOutput, NO_OUTPUT, withEvent } from '../components/job-output.ts';
import { clock } from '../format.ts';
import { html } from '../html.ts';
import type { JobInfo, JobResult } from '../types.ts';
import { statusBadge } from './jobs-page.ts';

function RequestView({ info }: { info: JobInfo }) {
  const request = info.request;
  if (!request)
    return html`<p class="muted">
      Submitted through another client: its request is not kept here.
    </p>`;
  if (request.kind === 'run-code') {
    return html`<pre class="code" data-testid="code">${request.code ?? ''}</pre>`;
  }
  return html`<pre class="code" data-testid="code">
${request.call?.name ?? request.kind} ${JSON.stringify(request.call?.parameters ?? {}, null, 2)}</pre>`;
}

/** A run-batch job: each program with its own execution once the job has ended. */
function BatchView({ programs, result }: { programs: string[]; result: JobResult | null }) {
  return html`<ol class="programs">
    ${programs.map((code, index) => {
      const execution = result?.executions?.[index];
      return html`<li data-testid="program">
        <pre class="code">${code}</pre>
        <div data-testid="program-output">
          ${
            execution
              ? html`<${ExecutionView} execution=${execution} withLogs=${true} />`
              : html`<p class="muted">
                  ${result ? `The job ended ${result.status}.` : 'Not ended yet.'}
                </p>`
          }
        </div>
      </li>`;
    })}
  </ol>`;
}

export function JobPage({ jobId }: { jobId: string }) {
  const [info, setInfo] = useState<JobInfo | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [output, setOutput] = useState<LiveOutput>(NO_OUTPUT);
  const [cancelling, setCancelling] = useState(false);
  const path = `/v1/jobs/${encodeURIComponent(jobId)}`;

  useEffect(() => {
    const controller = new AbortController();
    setInfo(null);
    setError(null);
    setOutput(NO_OUTPUT);
    const load = async () => {
      const read = await api<JobInfo>(path, { signal: controller.signal });
      setInfo(read);
      if (read.result) {
        setOutput({ ...NO_OUTPUT, result: read.result });
        return;
      }
      // Its events from the start: what it printed before this page opened, then the rest.
      await followEvents(`${path}/events`, {
        signal: controller.signal,
        onEvent: (event) => setOutput((shown) => withEvent(shown, event)),
      });
      setInfo(await api<JobInfo>(path, { signal: controller.signal }));
    };
    load().catch((failed: unknown) => {
      if (!controller.signal.aborted) setError(failed as Error);
    });
    return () => controller.abort();
  }, [path]);

  if (error) {
    const missing = error instanceof ApiError && error.status === 404;
    return html`<section>
      <h1>Job ${jobId}</h1>
      <p class="warning" data-testid=${missing ? 'not-found' : 'load-error'}>
        ${missing ? 'No such job for this API key.' : error.message}
      </p>
    </section>`;
  }
  if (!info)
    return html`<section>
      <h1>Job ${jobId}</h1>
      <p class="muted">Loading…</p>
    </section>`;

  const ended = output.result ?? info.result ?? null;
  const state = ended ? 'ended' : output.started ? 'running' : info.state;
  const cancel = async () => {
    setCancelling(true);
    try {
      await api(`${path}/cancel`, { method: 'POST', body: {} });
    } catch (failed) {
      setError(failed as Error);
    }
  };

  return html`<section>
    <h1>Job <code>${jobId}</code></h1>
    <p>
      ${statusBadge({ state, status: ended?.status ?? null, failure: ended && ended.status !== 'completed' ? ended.status : null })}
      ${` submitted ${clock(info.submittedAt)} · worker ${output.workerId ?? ended?.workerId ?? info.workerId ?? '—'} `}
      ${
        state !== 'ended'
          ? html` <button data-testid="cancel" disabled=${cancelling} onClick=${cancel}>
              ${cancelling ? 'Cancelling…' : 'Cancel'}
            </button>`
          : null
      }
    </p>
    ${
      info.request?.kind === 'run-batch'
        ? html`<h2>Programs</h2>
            <${BatchView} programs=${info.request.programs ?? []} result=${ended} />`
        : html`<h2>Request</h2>
            <${RequestView} info=${info} />
            <h2>Output</h2>
            <${JobOutput} output=${output} />`
    }
  </section>`;
}
