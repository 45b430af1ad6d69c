import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { apiKey, setApiKey } from './api.ts';
import { html } from './html.ts';
import { BatchesPage, BatchPage } from './pages/batches-page.ts';
import { JobPage } from './pages/job-page.ts';
import { JobsPage } from './pages/jobs-page.ts';
import { OverviewPage } from './pages/overview-page.ts';
import { PlaygroundPage } from './pages/playground-page.ts';
import { SessionPage } from './pages/session-page.ts';
import { SessionsPage } from './pages/sessions-page.ts';

// One page, routed by the URL's hash (#/jobs/abc), so the server serves a single document.

const NAV = [
  ['#/', 'Overview'],
  ['#/jobs', 'Jobs'],
  ['#/sessions', 'Sessions'],
  ['#/playground', 'Playground'],
  ['#/batches', 'Eval'],
] as const;

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/');
  useEffect(() => {
    const changed = () => setHash(location.hash || '#/');
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

function route(hash: string) {
  const [, section = '', id] = hash.slice(1).split('/');
  const decoded = id === undefined ? undefined : decodeURIComponent(id);
  switch (section) {
    case 'jobs':
      return decoded ? html`<${JobPage} key=${decoded} jobId=${decoded} />` : html`<${JobsPage} />`;
    case 'sessions':
      return decoded
        ? html`<${SessionPage} key=${decoded} sessionId=${decoded} />`
        : html`<${SessionsPage} />`;
    case 'batches':
      return decoded
        ? html`<${BatchPage} key=${decoded} batchId=${decoded} />`
        : html`<${BatchesPage} />`;
    case 'playground':
      return html`<${PlaygroundPage} />`;
    default:
      return html`<${OverviewPage} />`;
  }
}

/** Asks for an API key when the API answered 401 (a service with keys). */
function KeyPrompt({ onKey }: { onKey: () => void }) {
  const [key, setKey] = useState('');
  const submit = (event: Event) => {
    event.preventDefault();
    setApiKey(key.trim());
    onKey();
  };
  return html`<form class="key-prompt" data-testid="key-prompt" onSubmit=${submit}>
    <h1>API key</h1>
    <p>This service asks for an API key. The dashboard shows what that key's tenant may see.</p>
    <input
      type="password"
      data-testid="api-key"
      autocomplete="off"
      value=${key}
      onInput=${(event: Event) => setKey((event.target as HTMLInputElement).value)}
    />
    <button class="primary" type="submit">Use this key</button>
    <p class="muted">
      Kept in this tab only (sessionStorage), sent as <code>Authorization: Bearer</code>.
    </p>
  </form>`;
}

function App() {
  const hash = useHash();
  const [needsKey, setNeedsKey] = useState(false);
  const [round, setRound] = useState(0);
  useEffect(() => {
    const unauthorized = () => setNeedsKey(true);
    window.addEventListener('lagent-unauthorized', unauthorized);
    return () => window.removeEventListener('lagent-unauthorized', unauthorized);
  }, []);
  const active = NAV.reduce(
    (best, [href]) => (hash.startsWith(href) && href.length > best.length ? href : best),
    '#/',
  );
  return html`<div class="layout">
    <nav>
      <strong class="brand">lagent-ts</strong>
      ${NAV.map(([href, label]) => html`<a href=${href} class=${href === active ? 'active' : ''}>${label}</a>`)}
      <span class="spacer"></span>
      ${
        apiKey()
          ? html`<button
              class="link"
              onClick=${() => {
                setApiKey(null);
                setNeedsKey(true);
              }}
            >
              Forget key
            </button>`
          : null
      }
      <a href="/docs/">API</a>
    </nav>
    <main key=${round}>
      ${
        needsKey
          ? html`<${KeyPrompt}
              onKey=${() => {
                setNeedsKey(false);
                setRound((count) => count + 1);
              }}
            />`
          : route(hash)
      }
    </main>
  </div>`;
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(html`<${App} />`, root);
}
