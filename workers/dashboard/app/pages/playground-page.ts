import { useRef, useState } from 'preact/hooks';
import { followEvents } from '../api.ts';
import type { LiveOutput } from '../components/job-output.ts';
import { JobOutput, NO_OUTPUT, withEvent } from '../components/job-output.ts';
import { html } from '../html.ts';
import { useApi } from '../hooks.ts';
import type { Session } from '../types.ts';

const EXAMPLES = {
  python: 'import matplotlib.pyplot as plt\nplt.plot([1, 4, 9, 16])\nplt.show()\nprint("drawn")',
  javascript:
    'const squares = [1, 2, 3, 4].map((n) => n * n);\nconsole.log(squares);\nsquares.length',
} as const;

type Language = keyof typeof EXAMPLES;

/**
 * Runs code the way an API client does (it is one): Python through `POST /v1/run-code`, and
 * JavaScript through `POST /v1/tool-calls` to the JavaScriptInterpreter, both streamed.
 */
export function PlaygroundPage() {
  const sessions = useApi<{ sessions: Session[] }>('/v1/sessions');
  const [language, setLanguage] = useState<Language>('python');
  const [sessionId, setSessionId] = useState('');
  const [newSession, setNewSession] = useState('');
  const [code, setCode] = useState<string>(EXAMPLES.python);
  const [output, setOutput] = useState<LiveOutput | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const running = useRef<AbortController | null>(null);

  const run = async () => {
    running.current?.abort();
    const controller = new AbortController();
    running.current = controller;
    setOutput(NO_OUTPUT);
    setJobId(null);
    setError(null);
    const session = newSession.trim() || sessionId;
    try {
      const [path, body] =
        language === 'python'
          ? ['/v1/run-code', { code, ...(session ? { sessionId: session } : {}) }]
          : [
              '/v1/tool-calls',
              {
                name: 'JavaScriptInterpreter',
                parameters: { command: code },
                ...(session ? { sessionId: session } : {}),
              },
            ];
      await followEvents(path, {
        method: 'POST',
        body,
        signal: controller.signal,
        onOpen: (response) => setJobId(response.headers.get('lagent-job-id')),
        onEvent: (event) => setOutput((shown) => withEvent(shown ?? NO_OUTPUT, event)),
      });
      if (newSession.trim()) {
        setSessionId(newSession.trim());
        setNewSession('');
        sessions.reload();
      }
    } catch (failed) {
      if (!controller.signal.aborted) setError((failed as Error).message);
    } finally {
      if (running.current === controller) running.current = null;
    }
  };

  const pickLanguage = (picked: Language) => {
    setLanguage(picked);
    setCode(EXAMPLES[picked]);
    setSessionId('');
  };
  const known = (sessions.value?.sessions ?? []).filter((session) => session.language === language);

  return html`<section>
    <h1>Playground</h1>
    <div class="filters">
      <label>
        language
        <select
          data-testid="language"
          value=${language}
          onChange=${(event: Event) => pickLanguage((event.target as HTMLSelectElement).value as Language)}
        >
          <option value="python">Python</option>
          <option value="javascript">JavaScript</option>
        </select>
      </label>
      <label>
        session
        <select
          data-testid="session"
          value=${sessionId}
          onChange=${(event: Event) => setSessionId((event.target as HTMLSelectElement).value)}
        >
          <option value="">none (a fresh sandbox)</option>
          ${known.map((session) => html`<option value=${session.sessionId}>${session.sessionId}</option>`)}
        </select>
      </label>
      <label>
        or a new session
        <input
          data-testid="new-session"
          placeholder="my-session"
          value=${newSession}
          onInput=${(event: Event) => setNewSession((event.target as HTMLInputElement).value)}
        />
      </label>
    </div>
    <textarea
      data-testid="code"
      class="editor"
      spellcheck=${false}
      value=${code}
      onInput=${(event: Event) => setCode((event.target as HTMLTextAreaElement).value)}
    ></textarea>
    <p>
      <button data-testid="run" class="primary" onClick=${run}>Run</button>
      ${jobId ? html` <a data-testid="job-link" href=${`#/jobs/${encodeURIComponent(jobId)}`}>job ${jobId}</a>` : null}
    </p>
    ${error ? html`<p class="warning" data-testid="run-error">${error}</p>` : null}
    ${output ? html`<${JobOutput} output=${output} />` : null}
  </section>`;
}
