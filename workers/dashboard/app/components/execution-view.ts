import { html } from '../html.ts';
import { withoutAnsi } from '../format.ts';
import type { ActionReturn, Execution, ExecutionResult } from '../types.ts';

// What a job printed and returned. Everything user code produced is the attacker's: text is
// only ever a text node, images are data: URLs in <img> (an SVG there runs no script), and
// HTML goes to an iframe sandboxed without scripts, whose document also inherits the page's
// Content-Security-Policy.

function base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

export function RichResult({ result }: { result: ExecutionResult }) {
  if (result.png) {
    return html`<img
      class="figure"
      alt="figure (PNG)"
      src=${`data:image/png;base64,${result.png}`}
    />`;
  }
  if (result.jpeg) {
    return html`<img
      class="figure"
      alt="figure (JPEG)"
      src=${`data:image/jpeg;base64,${result.jpeg}`}
    />`;
  }
  if (result.svg) {
    return html`<img
      class="figure"
      alt="figure (SVG)"
      src=${`data:image/svg+xml;base64,${base64(result.svg)}`}
    />`;
  }
  if (result.html) {
    return html`<iframe
      class="html-result"
      sandbox=""
      referrerpolicy="no-referrer"
      title="HTML result"
      srcdoc=${result.html}
    ></iframe>`;
  }
  if (result.json !== undefined) {
    return html`<pre class="json-result">${JSON.stringify(result.json, null, 2)}</pre>`;
  }
  return html`<pre class="text-result">${result.text ?? result.markdown ?? ''}</pre>`;
}

export function StreamText({ stdout, stderr }: { stdout: string; stderr: string }) {
  return html`
    ${stdout ? html`<pre class="stdout" data-testid="stdout">${stdout}</pre>` : null}
    ${stderr ? html`<pre class="stderr" data-testid="stderr">${stderr}</pre>` : null}
  `;
}

export function ErrorView({ error }: { error: NonNullable<Execution['error']> }) {
  return html`<div class="error" data-testid="error">
    <strong>${error.name}</strong>: ${error.value}
    ${error.traceback ? html`<pre class="traceback" data-testid="traceback">${withoutAnsi(error.traceback)}</pre>` : null}
  </div>`;
}

/** A finished run-code job's execution (stdout and stderr are shown by the caller's stream). */
export function ExecutionView({
  execution,
  withLogs,
}: {
  execution: Execution;
  withLogs: boolean;
}) {
  return html`<div class="execution">
    ${
      withLogs
        ? html`<${StreamText}
            stdout=${execution.logs.stdout.join('')}
            stderr=${execution.logs.stderr.join('')}
          />`
        : null
    }
    ${execution.results.map((result) => html`<div class="result"><${RichResult} result=${result} /></div>`)}
    ${execution.error ? html`<${ErrorView} error=${execution.error} />` : null}
    ${execution.truncated ? html`<p class="muted">Output was cut at its cap.</p>` : null}
    ${execution.timedOut ? html`<p class="muted">Deadline reached: ${execution.timedOut}.</p>` : null}
  </div>`;
}

/** A tool call's ActionReturn. */
export function ActionReturnView({ actionReturn }: { actionReturn: ActionReturn }) {
  return html`<div class="execution">
    ${(actionReturn.result ?? []).map((item) =>
      item.type === 'image'
        ? html`<p class="muted">image: ${item.content}</p>`
        : html`<pre class="text-result">${item.content}</pre>`,
    )}
    ${
      actionReturn.errmsg
        ? html`<div class="error" data-testid="error">
            <strong>errmsg</strong>:
            <pre class="traceback" data-testid="traceback">${actionReturn.errmsg}</pre>
          </div>`
        : null
    }
  </div>`;
}
