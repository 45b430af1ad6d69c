import { api } from '../api.ts';
import { duration } from '../format.ts';
import { html } from '../html.ts';
import { useApi } from '../hooks.ts';
import type { Session } from '../types.ts';

export async function closeSession(sessionId: string): Promise<void> {
  await api(`/v1/sessions/${encodeURIComponent(sessionId)}`, { method: 'DELETE' });
}

export function SessionsPage() {
  const sessions = useApi<{ sessions: Session[] }>('/v1/sessions', { everyMs: 3000 });
  const now = Date.now();
  return html`<section>
    <h1>Sessions</h1>
    ${sessions.error ? html`<p class="warning">${sessions.error.message}</p>` : null}
    <table data-testid="sessions">
      <thead>
        <tr>
          <th>session</th>
          <th>language</th>
          <th>age</th>
          <th>idle</th>
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
              <td>${duration(now - session.createdAt)}</td>
              <td>${duration(now - session.lastUsedAt)}</td>
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
      The sessions this service opened for your key.
      <a href="#/playground">Open one in the playground.</a>
    </p>
  </section>`;
}
