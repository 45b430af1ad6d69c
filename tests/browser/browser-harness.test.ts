// Proves the browser harness against real headless Chromium: pages load, CSP and iframe
// sandboxes hold, and the recorders (CSP violations, dialogs, messages) see what they must.
// Code that runs in the page is passed as strings: the tests' TypeScript has no DOM types.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, saveScreenshot } from '../support/browser.ts';
import { startLoopbackServer } from '../support/loopback-http-server.ts';
import type { LoopbackServer } from '../support/loopback-http-server.ts';

const STRICT_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "frame-src 'self'",
  "connect-src 'self'",
].join('; ');

const html = (body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>harness</title></head><body>${body}</body></html>`;

const pages: Record<string, { headers: Record<string, string>; body: string }> = {
  '/csp': {
    headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': STRICT_CSP },
    body: html(
      '<p id="out">waiting</p>' +
        '<script src="/app.js"></script>' +
        '<script>window.__inline = 1</script>' +
        `<iframe sandbox srcdoc="<script>parent.postMessage('ran','*')</script>"></iframe>`,
    ),
  },
  '/app.js': {
    headers: { 'content-type': 'text/javascript; charset=utf-8' },
    body: "document.getElementById('out').textContent = 'ready';",
  },
  // No CSP: only the sandbox attribute decides which iframe may run its script.
  '/frames': {
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: html(
      `<iframe sandbox srcdoc="<script>parent.postMessage('sandboxed','*')</script>"></iframe>` +
        `<iframe sandbox="allow-scripts" srcdoc="<script>parent.postMessage('allowed','*')</script>"></iframe>`,
    ),
  },
  '/alert': {
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: html('<script>alert(1)</script><p id="after">after</p>'),
  },
};

// Installed before the page's own scripts: records `message` events and iframe `load` events
// (load does not bubble, and its path stops at the document: a capturing listener there sees it).
const recordMessagesScript = `
  window.__messages = [];
  window.__frameLoads = 0;
  window.addEventListener('message', (event) => window.__messages.push(String(event.data)));
  document.addEventListener('load', (event) => {
    if (event.target instanceof HTMLIFrameElement) window.__frameLoads += 1;
  }, true);
`;
const recordMessages = async (page: Page): Promise<void> => {
  await page.evaluateOnNewDocument(recordMessagesScript);
};

describe('browser harness (real headless Chromium)', () => {
  let server: LoopbackServer | undefined;
  let browser: Browser | undefined;
  let origin = '';

  beforeAll(async () => {
    server = await startLoopbackServer((request, response) => {
      const page = pages[request.url];
      if (page === undefined) {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('not found');
        return;
      }
      response.writeHead(200, page.headers);
      response.end(page.body);
    });
    origin = server.origin;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.close();
    }
  });

  const requireBrowser = (): Browser => {
    if (browser === undefined) throw new Error('beforeAll did not launch the browser');
    return browser;
  };

  it('runs same-origin scripts and blocks inline script and the sandboxed iframe under CSP', async () => {
    const opened = await openPage({
      browser: requireBrowser(),
      url: `${origin}/csp`,
      beforeGoto: recordMessages,
    });
    const { page } = opened;
    try {
      expect(await page.evaluate("document.querySelector('#out')?.textContent")).toBe('ready');
      expect(await page.evaluate('typeof window.__inline')).toBe('undefined');
      await page.waitForFunction('window.__frameLoads >= 1');
      expect(await page.evaluate('window.__messages')).toEqual([]);

      const violations = await opened.cspViolations();
      expect(violations).toContainEqual({
        violatedDirective: expect.stringMatching(/^script-src/) as unknown,
        blockedURI: 'inline',
      });
      expect(opened.pageErrors).toEqual([]);
      expect(opened.dialogs).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('records messages, so the empty list above means the sandboxed script did not run', async () => {
    const { page, cspViolations } = await openPage({
      browser: requireBrowser(),
      url: `${origin}/frames`,
      beforeGoto: recordMessages,
    });
    try {
      await page.waitForFunction(
        "window.__frameLoads >= 2 && window.__messages.includes('allowed')",
      );
      expect(await page.evaluate('window.__messages')).toEqual(['allowed']);
      expect(await cspViolations()).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('records and dismisses dialogs', async () => {
    const { page, dialogs } = await openPage({ browser: requireBrowser(), url: `${origin}/alert` });
    try {
      expect(dialogs).toEqual(['1']);
      // The page went on loading after the dismissal.
      expect(await page.evaluate("document.querySelector('#after')?.textContent")).toBe('after');
    } finally {
      await page.close();
    }
  });

  it('saves a full-page PNG under a kebab-case name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'browser-harness-'));
    const { page } = await openPage({ browser: requireBrowser(), url: `${origin}/alert` });
    try {
      const path = await saveScreenshot({ page, name: 'harness-check', dir: join(dir, 'nested') });
      expect(path).toBe(join(dir, 'nested', 'harness-check.png'));
      const png = await readFile(path);
      expect(png.subarray(0, 8)).toEqual(
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      );
      await expect(saveScreenshot({ page, name: 'Not Kebab', dir })).rejects.toThrow(/kebab-case/);
    } finally {
      await page.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
