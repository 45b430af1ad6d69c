import { useState } from 'preact/hooks';
import { clock, duration } from '../format.ts';
import { html } from '../html.ts';
import { useApi, useJobFeed } from '../hooks.ts';
import type { JobSummary } from '../types.ts';

const FILTERS = {
  state: ['', 'queued', 'running', 'ended'],
  kind: ['', 'run-code', 'tool-call'],
  failed: ['', 'true', 'false'],
} as const;

type Filters = Record<keyof typeof FILTERS, string>;

export function statusBadge(job: {
  state: string;
  status: string | null;
  failure?: string | null;
}) {
  const label = job.status ?? job.state;
  const tone = job.state !== 'ended' ? 'live' : job.failure ? 'bad' : 'ok';
  return html`<span class=${`badge ${tone}`} data-testid="status">${label}</span>`;
}

export function JobTable({ jobs }: { jobs: JobSummary[] }) {
  return html`<table data-testid="jobs">
    <thead>
      <tr>
        <th>job</th>
        <th>status</th>
        <th>kind</th>
        <th>tenant</th>
        <th>what</th>
        <th>submitted</th>
        <th>duration</th>
        <th>failure</th>
      </tr>
    </thead>
    <tbody>
      ${jobs.map(
        (job) =>
          html`<tr data-job=${job.jobId}>
            <td>
              <a href=${`#/jobs/${encodeURIComponent(job.jobId)}`}>${job.jobId.slice(0, 12)}</a>
            </td>
            <td>${statusBadge(job)}</td>
            <td>${job.kind}</td>
            <td>${job.tenant ?? '—'}</td>
            <td><code>${job.title}</code></td>
            <td>${clock(job.submittedAt)}</td>
            <td>${duration(job.durationMs)}</td>
            <td class="failure">${job.failure ?? ''}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function JobsPage() {
  const [filters, setFilters] = useState<Filters>({ state: '', kind: '', failed: '' });
  const query = new URLSearchParams({ limit: '200' });
  for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
  // Read again on each change the job feed tells of; now and then too, for jobs that started.
  const jobs = useApi<{ jobs: JobSummary[] }>(`/v1/jobs?${query.toString()}`, { everyMs: 10_000 });
  useJobFeed(jobs.reload);

  return html`<section>
    <h1>Jobs</h1>
    <div class="filters">
      ${Object.entries(FILTERS).map(
        ([name, options]) =>
          html`<label>
            ${name}
            <select
              name=${name}
              value=${filters[name as keyof Filters]}
              onChange=${(event: Event) =>
                setFilters({ ...filters, [name]: (event.target as HTMLSelectElement).value })}
            >
              ${options.map((option) => html`<option value=${option}>${option || 'any'}</option>`)}
            </select>
          </label>`,
      )}
    </div>
    ${jobs.error ? html`<p class="warning">${jobs.error.message}</p>` : null}
    <${JobTable} jobs=${jobs.value?.jobs ?? []} />
    <p class="muted">The jobs this service took for your key, newest first.</p>
  </section>`;
}
