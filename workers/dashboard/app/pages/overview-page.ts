import { useEffect, useState } from 'preact/hooks';
import { LiveChart } from '../components/live-chart.ts';
import { duration, clock, rate } from '../format.ts';
import { html } from '../html.ts';
import { useApi, useEventStream } from '../hooks.ts';
import type { FailedJob, JobSummary, StatusSample } from '../types.ts';

export function OverviewPage() {
  const [samples, setSamples] = useState<StatusSample[]>([]);
  const streamError = useEventStream('/v1/workers/events', (event) => {
    if (event.type === 'history') {
      setSamples((event.data as { samples: StatusSample[] }).samples);
    } else if (event.type === 'status') {
      // The last ten minutes at most, as the service keeps them.
      setSamples((kept) => [...kept, event.data as StatusSample].slice(-300));
    }
  });
  const failedJobs = useApi<{ jobs: JobSummary[] }>('/v1/jobs?failed=true&limit=20');
  // The platform's failures come from the queue, not the feed: read now and then.
  const platformFailed = useApi<FailedJob[]>('/v1/failed-jobs?limit=20', { everyMs: 10_000 });
  const latest = samples.at(-1);
  // One stream per page (a browser holds six connections per host): the failed jobs are read
  // again when the samples show that workers finished more jobs.
  const finished = (latest?.workers ?? []).reduce((sum, worker) => sum + (worker.finished ?? 0), 0);
  useEffect(() => failedJobs.reload(), [finished]);

  return html`<section>
    <h1>Overview</h1>
    ${streamError ? html`<p class="warning">Live view interrupted: ${streamError.message}</p>` : null}
    ${latest?.error ? html`<p class="warning">The queue did not answer: ${latest.error}</p>` : null}
    <div class="cards">
      <div class="card">
        <span class="big" data-testid="waiting">${latest?.waiting ?? '—'}</span> waiting
      </div>
      <div class="card">
        <span class="big" data-testid="running">${latest?.active ?? '—'}</span> running
      </div>
      <div class="card">
        <span class="big">${latest ? rate(latest.jobsPerSecond) : '—'}</span> jobs
      </div>
      <div class="card"><span class="big">${latest?.sessions ?? '—'}</span> sessions</div>
    </div>
    <${LiveChart} samples=${samples} />
    <h2>Workers</h2>
    <table data-testid="workers">
      <thead>
        <tr>
          <th>worker</th>
          <th>host</th>
          <th>health</th>
          <th>uptime</th>
          <th>running</th>
          <th>jobs/s</th>
          <th>finished</th>
          <th>sessions</th>
        </tr>
      </thead>
      <tbody>
        ${(latest?.workers ?? []).map(
          (worker) =>
            html`<tr data-worker=${worker.workerId} data-finished=${worker.finished ?? ''}>
              <td>${worker.workerId}</td>
              <td>${worker.host ?? '—'}</td>
              <td>
                <span class=${`badge ${worker.status === 'ok' ? 'ok' : 'bad'}`}
                  >${worker.status}</span
                >
              </td>
              <td>${duration(worker.uptimeMs)}</td>
              <td>${worker.active}</td>
              <td>${rate(worker.jobsPerSecond)}</td>
              <td>${worker.finished ?? '—'}</td>
              <td>${worker.sessions ?? '—'}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${latest && latest.workers.length === 0 ? html`<p class="warning">No worker serves the queue.</p>` : null}
    <h2>Failed jobs</h2>
    <table data-testid="failed-jobs">
      <thead>
        <tr>
          <th>job</th>
          <th>ended</th>
          <th>why</th>
        </tr>
      </thead>
      <tbody>
        ${(failedJobs.value?.jobs ?? []).map(
          (job) =>
            html`<tr>
              <td><a href=${`#/jobs/${encodeURIComponent(job.jobId)}`}>${job.jobId}</a></td>
              <td>${clock(job.endedAt)}</td>
              <td class="failure">${job.failure ?? job.state}</td>
            </tr>`,
        )}
        ${(platformFailed.value ?? []).map(
          (job) =>
            html`<tr>
              <td><a href=${`#/jobs/${encodeURIComponent(job.jobId)}`}>${job.jobId}</a></td>
              <td>${clock(job.failedAt)}</td>
              <td class="failure">platform: ${job.reason}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}
