// The dashboard in real headless Chromium (Debian's package, driven by puppeteer-core),
// against `lagent serve`'s service on 127.0.0.1 in front of Redis with a real worker and real
// Docker sandboxes. Each page's screenshot goes to docs/screenshots/.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'puppeteer-core';
import type { TestService } from '../support/service-fixture.ts';
import { call, startTestService } from '../support/service-fixture.ts';
import type { OpenedPage } from '../support/browser.ts';
import { launchBrowser, openPage, saveScreenshot } from '../support/browser.ts';
import { framedText, NEXT_FRAME, UI_WAIT_MS, waitForText } from '../support/page-queries.ts';
import { hashApiKey } from '../../workers/service/tenants.ts';

const KEYS = { alice: 'alice-ui-0123456789abcdef', bob: 'bob-ui-0123456789abcdef' };
const TENANTS = {
  tenants: [
    { id: 'alice', keys: [hashApiKey(KEYS.alice)] },
    { id: 'bob', keys: [hashApiKey(KEYS.bob)] },
  ],
};
interface Submitted {
  jobId: string;
}

describe('the dashboard, with API keys, over Redis and a worker', () => {
  let t: TestService;
  let browser: Browser;
  const opened: OpenedPage[] = [];

  const submit = async (key: string, request: Record<string, unknown>): Promise<string> => {
    const answer = await call({
      url: t.url,
      method: 'POST',
      path: '/v1/jobs',
      body: { request },
      headers: { authorization: `Bearer ${key}` },
    });
    expect(answer.status).toBe(202);
    return (answer.body as Submitted).jobId;
  };

  /** A new tab (its own sessionStorage), signed in with `key` through the key prompt. */
  const signedIn = async (key: string, hash = '#/'): Promise<OpenedPage> => {
    const tab = await openPage({ browser, url: `${t.url}/ui/${hash}` });
    opened.push(tab);
    const { page } = tab;
    await page.waitForSelector('[data-testid="key-prompt"]', { timeout: UI_WAIT_MS });
    await page.type('[data-testid="api-key"]', key);
    await page.click('[data-testid="key-prompt"] button[type="submit"]');
    await page.waitForFunction(`!document.querySelector('[data-testid="key-prompt"]')`, {
      timeout: UI_WAIT_MS,
    });
    return tab;
  };

  const textOf = async (page: Page, selector: string): Promise<string> =>
    String(
      await page.evaluate(`document.querySelector(${JSON.stringify(selector)})?.textContent ?? ''`),
    );

  beforeAll(async () => {
    t = await startTestService({
      mode: 'redis',
      client: { backoffMs: 10 },
      service: { tenants: TENANTS, dashboard: { sampleIntervalMs: 500 } },
    });
    browser = await launchBrowser();
  }, 180_000);
  // Each tab holds its live streams open; a browser keeps six connections per host.
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((tab) => tab.page.close()));
  });
  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      await t?.close();
    }
  });

  test('the overview shows the started worker, live, under the CSP with no violation', async () => {
    const workerId = t.setup.worker?.id;
    expect(workerId).toBeDefined();
    const tab = await signedIn(KEYS.alice);
    const { page } = tab;
    await page.waitForSelector(`[data-testid="workers"] tr[data-worker="${workerId}"]`, {
      timeout: UI_WAIT_MS,
    });
    const row = await textOf(page, `tr[data-worker="${workerId}"]`);
    expect(row).toContain('ok');
    // The chart is drawn (Chart.js sized its canvas) once samples arrived.
    await page.waitForFunction(
      `(document.querySelector('[data-testid="queue-chart"] canvas')?.width ?? 0) > 0`,
      { timeout: UI_WAIT_MS },
    );
    expect(await tab.cspViolations()).toEqual([]);
    expect(tab.pageErrors).toEqual([]);
  });

  test('a Python run from the playground streams its output and shows its matplotlib figure', async () => {
    const tab = await signedIn(KEYS.alice, '#/playground');
    const { page } = tab;
    await page.waitForSelector('[data-testid="code"]');
    const code = [
      'import time',
      'import matplotlib.pyplot as plt',
      'print("first line", flush=True)',
      'time.sleep(4)',
      'open("made-here.txt", "w").write("hello")',
      'plt.plot([1, 4, 9, 16])',
      'plt.show()',
      'print("second line")',
    ].join('\n');
    // Select all of the example and type over it.
    await page.click('[data-testid="code"]');
    await page.keyboard.down('Control');
    await page.keyboard.press('KeyA');
    await page.keyboard.up('Control');
    await page.keyboard.press('Backspace');
    await page.type('[data-testid="code"]', code);
    await page.type('[data-testid="new-session"]', 'playground-s');
    await page.click('[data-testid="run"]');
    // The first state of the page that shows "first line": the rest has not come yet.
    const firstSeen = await page.waitForFunction(
      `(() => {
        const text = document.querySelector('[data-testid="stdout"]')?.textContent ?? '';
        return text.includes('first line') ? text : false;
      })()`,
      { polling: 'mutation', timeout: UI_WAIT_MS },
    );
    expect(await firstSeen.jsonValue()).not.toContain('second line');
    await page.waitForSelector('img.figure[src^="data:image/png;base64,"]', {
      timeout: UI_WAIT_MS,
    });
    // Decoded: a real PNG, not a broken image.
    await page.waitForFunction(
      `(() => {
        const image = document.querySelector('img.figure');
        return image !== null && image.complete && image.naturalWidth > 100;
      })()`,
      { timeout: UI_WAIT_MS },
    );
    expect(await textOf(page, '[data-testid="stdout"]')).toContain('second line');
    const jobId = await textOf(page, '[data-testid="job-link"]');
    expect(jobId).toMatch(/^job \S+/);
    await saveScreenshot({ page, name: 'playground' });
    expect(await tab.cspViolations()).toEqual([]);

    // The session it opened, its run and its file.
    await page.goto(`${t.url}/ui/#/sessions`);
    await page.waitForSelector('tr[data-session="playground-s"]', { timeout: UI_WAIT_MS });
    // Its sandbox's memory, read from the worker (a kernel holds tens of MiB).
    await waitForText({
      page,
      selector: 'tr[data-session="playground-s"] [data-testid="session-memory"]',
      text: 'MiB of 512 MiB',
    });
    expect(await textOf(page, 'tr[data-session="playground-s"]')).toContain('runc');
    await saveScreenshot({ page, name: 'sessions' });
    await page.goto(`${t.url}/ui/#/sessions/playground-s`);
    await waitForText({ page, selector: '[data-testid="files"]', text: 'made-here.txt' });
    await page.waitForSelector('[data-testid="jobs"] tr[data-job]', { timeout: UI_WAIT_MS });
    await saveScreenshot({ page, name: 'session' });
  });

  test('a JavaScript run from the playground, in a session that keeps its variables', async () => {
    const { page } = await signedIn(KEYS.alice, '#/playground');
    await page.waitForSelector('[data-testid="language"]');
    await page.select('[data-testid="language"]', 'javascript');
    // The JavaScript example replaced the Python one in the editor.
    await page.waitForFunction(
      `document.querySelector('[data-testid="code"]').value.includes('squares')`,
      { timeout: UI_WAIT_MS },
    );
    await page.type('[data-testid="new-session"]', 'js-s');
    await page.click('[data-testid="run"]');
    await waitForText({ page, selector: '[data-testid="output"]', text: '[ 1, 4, 9, 16 ]' });
    // The same session again: `squares` is still there.
    // (Preact sets an option's value as a property: no attribute to select it by.)
    await page.waitForFunction(
      `[...document.querySelectorAll('[data-testid="session"] option')].some((option) => option.value === 'js-s')`,
      { timeout: UI_WAIT_MS },
    );
    await page.select('[data-testid="session"]', 'js-s');
    await page.click('[data-testid="code"]');
    await page.keyboard.down('Control');
    await page.keyboard.press('KeyA');
    await page.keyboard.up('Control');
    await page.keyboard.press('Backspace');
    await page.type('[data-testid="code"]', 'squares.map((n) => n + 1).join("|")');
    await page.click('[data-testid="run"]');
    await waitForText({ page, selector: '[data-testid="output"]', text: '2|5|10|17' });
    await saveScreenshot({ page, name: 'playground-javascript' });
  });

  test("a failed job's traceback is shown; the jobs list names its failure", async () => {
    const jobId = await submit(KEYS.alice, {
      kind: 'run-code',
      code: 'def divide(n):\n    return n / 0\n\ndivide(7)',
    });
    const { page } = await signedIn(KEYS.alice, `#/jobs/${jobId}`);
    await page.waitForSelector('[data-testid="traceback"]', { timeout: UI_WAIT_MS });
    const traceback = await textOf(page, '[data-testid="traceback"]');
    expect(traceback).toContain('ZeroDivisionError');
    expect(traceback).toContain('divide(7)');
    expect(traceback).toContain('return n / 0');
    // No terminal colour codes left in it.
    expect(traceback).not.toContain('\u001b[');
    await saveScreenshot({ page, name: 'job-failed' });
    const requested: string[] = [];
    page.on('request', (request) => requested.push(new URL(request.url()).pathname));
    await page.goto(`${t.url}/ui/#/jobs`);
    await page.waitForSelector(`[data-testid="jobs"] tr[data-job="${jobId}"]`, {
      timeout: UI_WAIT_MS,
    });
    expect(await textOf(page, `tr[data-job="${jobId}"]`)).toContain(
      'ZeroDivisionError: division by zero',
    );
    // The list follows the job feed: a job submitted now shows up in it.
    const later = await submit(KEYS.alice, { kind: 'run-code', code: 'print("later")' });
    await page.waitForSelector(`[data-testid="jobs"] tr[data-job="${later}"]`, {
      timeout: UI_WAIT_MS,
    });
    expect(requested).toContain('/v1/job-events');
    await saveScreenshot({ page, name: 'jobs' });
  });

  test('a run-batch job shows each program beside its own output', async () => {
    const jobId = await submit(KEYS.alice, {
      kind: 'run-batch',
      programs: ['print("first" + " output")', 'raise ValueError("second" + " output")'],
    });
    const { page } = await signedIn(KEYS.alice, `#/jobs/${jobId}`);
    const output = (n: number) =>
      `[data-testid="program"]:nth-child(${n}) [data-testid="program-output"]`;
    await waitForText({ page, selector: output(2), text: 'ValueError: second output' });
    await waitForText({ page, selector: output(1), text: 'first output' });
    expect(await textOf(page, output(1))).not.toContain('second output');
    expect(await textOf(page, output(2))).not.toContain('first output');
    expect(await textOf(page, '[data-testid="program"]:nth-child(1) pre')).toBe(
      'print("first" + " output")',
    );
  });

  test('a printed <script> and an HTML result with scripts do not run in the page', async () => {
    const jobId = await submit(KEYS.alice, {
      kind: 'run-code',
      code: [
        'print("<script>alert(1)</script><img src=x onerror=alert(4)>")',
        'from IPython.display import HTML, display',
        "display(HTML(\"<b id='shown'>rendered html</b><script>parent.postMessage('html-ran', '*'); alert(2)</script><img src=x onerror=\\\"alert(3)\\\">\"))",
      ].join('\n'),
    });
    const tab = await signedIn(KEYS.alice, `#/jobs/${jobId}`);
    const { page } = tab;
    // Every message posted to the page, from before the job's output is rendered (the key
    // stays in the tab's sessionStorage across the reload).
    await page.evaluateOnNewDocument(`
      window.seenMessages = [];
      window.addEventListener('message', (event) => window.seenMessages.push(event.data));
    `);
    await page.reload();
    await page.waitForSelector('iframe.html-result', { timeout: UI_WAIT_MS });
    // The HTML itself is shown, inside the sandboxed frame.
    expect(
      await page.evaluate(`document.querySelector('iframe.html-result').getAttribute('sandbox')`),
    ).toBe('');
    // Read through the DevTools DOM: scripts, Puppeteer's own included, cannot run in there.
    expect(await framedText({ page, id: 'shown' })).toBe('rendered html');
    // The printed markup is text in the page, not elements.
    expect(await textOf(page, '[data-testid="stdout"]')).toContain('<script>alert(1)</script>');
    expect(
      await page.evaluate(`document.querySelectorAll('main script, main img[src="x"]').length`),
    ).toBe(0);
    expect(
      await page.evaluate(`[...document.scripts].map((script) => script.getAttribute('src'))`),
    ).toEqual(['app.js']);
    await saveScreenshot({ page, name: 'job-html-result' });
    // Nothing ran: no dialog, no message from the frame.
    await page.evaluate(NEXT_FRAME);
    expect(tab.dialogs).toEqual([]);
    expect(await page.evaluate('window.seenMessages')).toEqual([]);
    expect(tab.pageErrors).toEqual([]);
  });

  test("a tenant cannot open another tenant's job, nor see it in its list", async () => {
    const jobId = await submit(KEYS.alice, { kind: 'run-code', code: 'secret = "alice only"' });
    const bobsJob = await submit(KEYS.bob, { kind: 'run-code', code: 'mine = "bob"' });
    const { page } = await signedIn(KEYS.bob, `#/jobs/${jobId}`);
    await page.waitForSelector('[data-testid="not-found"]', { timeout: UI_WAIT_MS });
    expect(await page.$('[data-testid="code"]')).toBeNull();
    expect(await page.content()).not.toContain('alice only');
    await page.goto(`${t.url}/ui/#/jobs`);
    // Bob's list has loaded (his own job is in it), and Alice's job is not.
    await page.waitForSelector(`tr[data-job="${bobsJob}"]`, { timeout: UI_WAIT_MS });
    expect(await page.$(`tr[data-job="${jobId}"]`)).toBeNull();
  });

  test('cancel stops a running job', async () => {
    const jobId = await submit(KEYS.alice, {
      kind: 'run-code',
      code: 'import time\nprint("running", flush=True)\ntime.sleep(600)',
    });
    const { page } = await signedIn(KEYS.alice, `#/jobs/${jobId}`);
    await waitForText({ page, selector: '[data-testid="stdout"]', text: 'running' });
    await page.click('[data-testid="cancel"]');
    await waitForText({ page, selector: '[data-testid="status"]', text: 'cancelled' });
    const read = await call({
      url: t.url,
      path: `/v1/jobs/${jobId}`,
      headers: { authorization: `Bearer ${KEYS.alice}` },
    });
    expect(read.body).toMatchObject({ state: 'ended', result: { status: 'cancelled' } });
  });

  test('an eval batch shows its progress and pass rate, and its failed program first', async () => {
    const fresh = (code: string) => ({ kind: 'run-code', code, fresh: true });
    const opened = await call({
      url: t.url,
      method: 'POST',
      path: '/v1/batches',
      body: {
        batchId: 'ui-eval',
        name: 'four programs',
        requests: [
          fresh('assert sorted([3, 1, 2]) == [1, 2, 3]'),
          fresh('assert "abc".upper() == "ABC"'),
          fresh('assert sum(range(5)) == 11, "off by one"'),
          fresh('assert len({1, 1, 2}) == 2'),
        ],
      },
      headers: { authorization: `Bearer ${KEYS.alice}` },
    });
    expect(opened.status).toBe(201);
    const { page } = await signedIn(KEYS.alice, '#/batches');
    await waitForText({
      page,
      selector: 'tr[data-batch="ui-eval"] [data-testid="pass-rate"]',
      text: '75.0%',
    });
    expect(await textOf(page, 'tr[data-batch="ui-eval"]')).toContain('4/4');
    await saveScreenshot({ page, name: 'eval-batches' });
    await page.goto(`${t.url}/ui/#/batches/ui-eval`);
    await waitForText({ page, selector: '[data-testid="pass-rate"]', text: '75.0%' });
    await waitForText({
      page,
      selector: '[data-testid="jobs"] tbody tr',
      text: 'AssertionError: off by one',
    });
    await saveScreenshot({ page, name: 'eval-batch' });
  });

  test('the overview after those runs: the jobs the worker finished, and the failed ones', async () => {
    const workerId = t.setup.worker?.id ?? '';
    const tab = await signedIn(KEYS.alice);
    const { page } = tab;
    // At least six jobs ran on the worker in the tests above (and the batch's four).
    const row = JSON.stringify(`tr[data-worker="${workerId}"]`);
    await page.waitForFunction(
      `Number(document.querySelector(${row})?.getAttribute('data-finished')) >= 6`,
      { timeout: UI_WAIT_MS },
    );
    await waitForText({ page, selector: '[data-testid="failed-jobs"]', text: 'ZeroDivisionError' });
    await saveScreenshot({ page, name: 'overview' });
    expect(await tab.cspViolations()).toEqual([]);
    expect(tab.pageErrors).toEqual([]);
  });
});

describe('the dashboard on loopback without keys', () => {
  test('opens directly, on the embedded backend', async () => {
    const t = await startTestService({
      mode: 'embedded',
      service: { dashboard: { sampleIntervalMs: 500 } },
    });
    const browser = await launchBrowser();
    try {
      const { page } = await openPage({ browser, url: `${t.url}/ui/` });
      await page.waitForSelector('[data-testid="workers"] tr[data-worker="embedded"]', {
        timeout: UI_WAIT_MS,
      });
      expect(await page.$('[data-testid="key-prompt"]')).toBeNull();
    } finally {
      await browser.close();
      await t.close();
    }
  });
});
