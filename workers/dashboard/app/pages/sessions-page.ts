import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { duration } from '../format.ts';
import { html } from '../html.ts';
import { useApi, useJobFeed } from '../hooks.ts';
import type { Session, SessionStats } from '../types.ts';

/** How long after one reading of a session's stats the next is asked for. */
const STATS_EVERY_MS = 5000;

export async function closeSession(sessionId: string): Promise<void> {
  await api(`/v1/sessions/${encodeURIComponent(sessionId)}`, { method: 'DELETE' });
}

/**
 * Each session's stats (`GET /v1/sessions/{id}/stats`): undefined until read, null when the
 * read failed. A reading waits for the session's running call, so the next one is asked for
 * only STATS_EVERY_MS after it ended: they never pile up behind a long run.
 */
export function useSessionStats(
  sessionIds: readonly string[],
): ReadonlyMap<string, SessionStats | null> {
  const [stats, setStats] = useState<ReadonlyMap<string, SessionStats | null>>(new Map());
  // Session ids have no spaces (letters, digits, _ . : -).
  const key = sessionIds.join(' ');
  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    const follow = async (sessionId: string) => {
      while (!signal.aborted) {
        const read = await api<SessionStats>(
          `/v1/sessions/${encodeURIComponent(sessionId)}/stats`,
          { signal },
        ).catch(() => null);
        if (signal.aborted) return;
        setStats((known) => new Map(known).set(sessionId, read));
        await new Promise((resolve) => setTimeout(resolve, STATS_EVERY_MS));
      }
    };
    for (const sessionId of key === '' ? [] : key.split(' ')) void follow(sessionId);
    return () => controller.abort();
  }, [key]);
  return stats;
}

/** 41.2 MiB, 512 MiB, 1.5 GiB. */
function size(bytes: number): string {
  const [unit, name] = bytes >= 1024 ** 3 ? [1024 ** 3, 'GiB'] : [1024 ** 2, 'MiB'];
  return `${(bytes / unit).toFixed(1).replace(/\.0$/, '')} ${name}`;
}

/** "41.2 MiB of 512 MiB"; '…' until read, '—' when the read failed or the sandbox does not say. */
export function memoryText(stats: SessionStats | null | undefined): string {
  if (stats === undefined) return '…';
  if (stats === null || stats.memoryBytes === null) return '—';
  const used = size(stats.memoryBytes);
  return stats.memoryLimitBytes === null ? used : `${used} of ${size(stats.memoryLimitBytes)}`;
}

/** runc, runsc, isolated-vm; '…' until read, '—' when unknown. */
export function runtimeText(stats: SessionStats | null | undefined): string {
  return stats === undefined ? '…' : (stats?.runtime ?? '—');
}

export function SessionsPage() {
  // A job naming a new session opens it: read again on the job feed, and now and then.
  const sessions = useApi<{ sessions: Session[] }>('/v1/sessions', { everyMs: 10_000 });
  useJobFeed(sessions.reload);
  const stats = useSessionStats((sessions.value?.sessions ?? []).map((s) => s.sessionId));
  const now = Date.now();
  return html`<section>
    <h1>Sessions</h1>
    ${sessions.error ? html`<p class="warning">${sessions.error.message}</p>` : null}
    <table data-testid="sessions">
      <thead>
        <tr>
          <th>session</th>
          <th>language</th>
          <th>runtime</th>
          <th>age</th>
          <th>idle</th>
          <th>memory</th>
          <th>closed after idle</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${(sessions.value?.sessions ?? []).map(
          (session) =>
            html`<tr data-session=${session.sessionId}>
              <td>
                <a href=${`#/sessions/${encodeURIComponent(session.sessionId)}`}
                  >${session.sessionId}</a
                >
              </td>
              <td>${session.language}</td>
              <td>${runtimeText(stats.get(session.sessionId))}</td>
              <td>${duration(now - session.createdAt)}</td>
              <td>${duration(now - session.lastUsedAt)}</td>
              <td data-testid="session-memory">${memoryText(stats.get(session.sessionId))}</td>
              <td>${duration(session.idleTtlMs)}</td>
              <td>
                <button
                  onClick=${() => closeSession(session.sessionId).then(sessions.reload, sessions.reload)}
                >
                  Close
                </button>
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    <p class="muted">
      ${'The sessions this service opened for your key. '}
      <a href="#/playground">Open one in the playground.</a>
    </p>
  </section>`;
}
