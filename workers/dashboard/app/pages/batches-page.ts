import { clock, duration } from '../format.ts';
import { html } from '../html.ts';
import { useApi, useJobFeed } from '../hooks.ts';
import type { JobSummary } from '../types.ts';
import { JobTable } from './jobs-page.ts';

/** A batch of jobs (an evaluation) as `GET /v1/batches` answers it. */
export interface Batch {
  batchId: string;
  name: string | null;
  total: number;
  submitted: number;
  ended: number;
  passed: number;
  failed: number;
  passRate: number | null;
  createdAt: number;
  endedAt: number | null;
}

function percent(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(1)}%`;
}

/** Items per second so far: ended over the time since the batch opened (or until it ended). */
function itemsPerSecond(batch: Batch, now: number): string {
  const seconds = ((batch.endedAt ?? now) - batch.createdAt) / 1000;
  return seconds > 0 ? `${(batch.ended / seconds).toFixed(1)}/s` : '—';
}

function Progress({ batch }: { batch: Batch }) {
  const label = `${batch.ended}/${batch.total}`;
  return html`<progress max=${Math.max(batch.total, 1)} value=${batch.ended}></progress>
    <span class="muted">${` ${label}`}</span>`;
}

export function BatchesPage() {
  // Each job a batch counts is in the job feed: read again when it tells of one.
  const batches = useApi<{ batches: Batch[] }>('/v1/batches');
  useJobFeed(batches.reload);
  const now = Date.now();
  return html`<section>
    <h1>Eval batches</h1>
    ${batches.error ? html`<p class="warning">${batches.error.message}</p>` : null}
    <table data-testid="batches">
      <thead>
        <tr>
          <th>batch</th>
          <th>name</th>
          <th>progress</th>
          <th>passed</th>
          <th>failed</th>
          <th>pass rate</th>
          <th>rate</th>
          <th>elapsed</th>
        </tr>
      </thead>
      <tbody>
        ${(batches.value?.batches ?? []).map(
          (batch) =>
            html`<tr data-batch=${batch.batchId}>
              <td>
                <a href=${`#/batches/${encodeURIComponent(batch.batchId)}`}
                  >${batch.batchId.slice(0, 12)}</a
                >
              </td>
              <td>${batch.name ?? '—'}</td>
              <td><${Progress} batch=${batch} /></td>
              <td>${batch.passed}</td>
              <td class=${batch.failed > 0 ? 'failure' : ''}>${batch.failed}</td>
              <td data-testid="pass-rate">${percent(batch.passRate)}</td>
              <td>${itemsPerSecond(batch, now)}</td>
              <td>${duration((batch.endedAt ?? now) - batch.createdAt)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <p class="muted">
      Batches come from <code>lagent eval --url</code>, <code>POST /v1/batches</code>, or jobs
      submitted with a <code>batchId</code>.
    </p>
  </section>`;
}

export function BatchPage({ batchId }: { batchId: string }) {
  const batch = useApi<Batch & { jobs: JobSummary[] }>(
    `/v1/batches/${encodeURIComponent(batchId)}`,
  );
  useJobFeed(batch.reload);
  if (batch.error) {
    return html`<section>
      <h1>Batch ${batchId}</h1>
      <p class="warning" data-testid="not-found">${batch.error.message}</p>
    </section>`;
  }
  const value = batch.value;
  if (!value)
    return html`<section>
      <h1>Batch ${batchId}</h1>
      <p class="muted">Loading…</p>
    </section>`;
  const failedFirst = [...value.jobs].sort(
    (a, b) => Number(b.failure !== null) - Number(a.failure !== null),
  );
  const started = `opened ${clock(value.createdAt)}${value.endedAt ? `, ended ${clock(value.endedAt)}` : ''}`;
  return html`<section>
    <h1>Batch <code>${batchId}</code></h1>
    <p>${value.name ?? ''} · ${started}</p>
    <div class="cards">
      <div class="card">
        <span class="big"><${Progress} batch=${value} /></span> ended
      </div>
      <div class="card">
        <span class="big" data-testid="pass-rate">${percent(value.passRate)}</span> pass rate
      </div>
      <div class="card"><span class="big">${value.passed}</span> passed</div>
      <div class="card"><span class="big">${value.failed}</span> failed</div>
      <div class="card"><span class="big">${itemsPerSecond(value, Date.now())}</span> items</div>
    </div>
    <h2>Jobs (failed first)</h2>
    <${JobTable} jobs=${failedFirst} />
  </section>`;
}
