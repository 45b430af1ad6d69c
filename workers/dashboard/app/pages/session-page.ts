import { useState } from 'preact/hooks';
import { apiBlob } from '../api.ts';
import { duration } from '../format.ts';
import { html } from '../html.ts';
import { useApi, useJobFeed } from '../hooks.ts';
import type { JobSummary, Session } from '../types.ts';
import { JobTable } from './jobs-page.ts';
import { closeSession, memoryText, runtimeText, useSessionStats } from './sessions-page.ts';

interface StoredFile {
  path: string;
  sizeBytes: number;
}

/** One line, built as a string: a template's line breaks would drop its spaces. */
function describe(session: Session, now: number): string {
  const open = duration(now - session.createdAt);
  const idle = duration(now - session.lastUsedAt);
  return `${session.language} · open ${open} · idle ${idle} (closed after ${duration(session.idleTtlMs)} idle)`;
}

async function download(sessionId: string, path: string): Promise<void> {
  const blob = await apiBlob(
    `/v1/sessions/${encodeURIComponent(sessionId)}/files/${path.split('/').map(encodeURIComponent).join('/')}`,
  );
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = path.split('/').at(-1) ?? 'file';
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

export function SessionPage({ sessionId }: { sessionId: string }) {
  const base = `/v1/sessions/${encodeURIComponent(sessionId)}`;
  const session = useApi<Session>(base, { everyMs: 5000 });
  const jobs = useApi<{ jobs: JobSummary[] }>(
    `/v1/jobs?limit=50&sessionId=${encodeURIComponent(sessionId)}`,
  );
  useJobFeed(jobs.reload);
  const files = useApi<{ files: StoredFile[]; truncated: boolean }>(
    session.value?.language === 'python' ? `${base}/files` : null,
  );
  const [closed, setClosed] = useState(false);
  const read = useSessionStats(session.error || closed ? [] : [sessionId]).get(sessionId);
  const stats = closed ? null : read;

  if (session.error) {
    return html`<section>
      <h1>Session ${sessionId}</h1>
      <p class="warning" data-testid="not-found">${session.error.message}</p>
    </section>`;
  }
  const now = Date.now();
  const value = session.value;
  return html`<section>
    <h1>Session <code>${sessionId}</code></h1>
    ${
      value
        ? html`<p>
            ${describe(value, now)}${' '}
            <button
              disabled=${closed}
              onClick=${() => closeSession(sessionId).then(() => setClosed(true))}
            >
              ${closed ? 'Closed' : 'Close session'}
            </button>
          </p>`
        : html`<p class="muted">Loading…</p>`
    }
    <p data-testid="session-stats">
      ${`runtime ${runtimeText(stats)} · memory `}<span data-testid="session-memory"
        >${memoryText(stats)}</span
      >
    </p>
    <h2>Recent executions</h2>
    <${JobTable} jobs=${jobs.value?.jobs ?? []} />
    ${
      value?.language === 'python'
        ? html`<h2>Files</h2>
            <ul data-testid="files">
              ${(files.value?.files ?? []).map(
                (file) =>
                  html`<li>
                    <button class="link" onClick=${() => download(sessionId, file.path)}>
                      ${file.path}
                    </button>
                    <span class="muted"> ${file.sizeBytes} bytes</span>
                  </li>`,
              )}
            </ul>
            <button onClick=${files.reload}>Refresh files</button>`
        : null
    }
  </section>`;
}
