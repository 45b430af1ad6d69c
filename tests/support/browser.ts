// Real headless Chromium for the browser tests: Debian's `chromium` package (scripts/install.sh
// installs it), driven by puppeteer-core, which downloads no browser of its own.
//
// The browser tests never skip: without Chromium, launchBrowser fails with how to install it
// (in CI, importing this module already throws).
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from 'puppeteer-core';
import type { Browser, Page, Viewport } from 'puppeteer-core';

/** Environment variable naming the Chromium binary; it wins over the default paths. */
export const CHROMIUM_PATH_ENV = 'CHROMIUM_PATH';
/** Where Debian (and older Ubuntu) packages put Chromium, in the order they are tried. */
export const CHROMIUM_DEFAULT_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'] as const;
/**
 * `--no-sandbox`: Chromium refuses to start as root with its sandbox on (tests run as root
 * in containers). `--disable-dev-shm-usage`: a container's small /dev/shm crashes renderers.
 * `--disable-gpu`: no GPU here; skips the probing.
 */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] as const;
/** How long one DevTools protocol call may take; generous for a loaded 2-core machine. */
export const PROTOCOL_TIMEOUT_MS = 120_000;
/** How long Chromium may take to start. */
export const LAUNCH_TIMEOUT_MS = 60_000;
/** How long a navigation may take. */
export const NAVIGATION_TIMEOUT_MS = 60_000;
export const DEFAULT_VIEWPORT: Viewport = { width: 1280, height: 800 };
/** Where `saveScreenshot` writes by default: the repository's docs/screenshots. */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

const installHint = 'install it with `bash scripts/install.sh` (Debian package `chromium`)';

function isCi(env: NodeJS.ProcessEnv): boolean {
  const ci = env['CI']?.toLowerCase();
  return ci === 'true' || ci === '1';
}

/**
 * The Chromium binary to drive: `$CHROMIUM_PATH`, else the first of `candidates` that
 * exists, else undefined. Throws when `$CHROMIUM_PATH` names a missing file (a broken setting,
 * never skipped), and in CI when no browser is found.
 */
export function findChromium({
  env = process.env,
  candidates = CHROMIUM_DEFAULT_PATHS,
}: { env?: NodeJS.ProcessEnv; candidates?: readonly string[] } = {}): string | undefined {
  const configured = env[CHROMIUM_PATH_ENV];
  if (configured !== undefined && configured !== '') {
    if (!existsSync(configured))
      throw new Error(`${CHROMIUM_PATH_ENV}=${configured} does not exist; ${installHint}`);
    return configured;
  }
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined && isCi(env))
    throw new Error(
      `Chromium not found (tried $${CHROMIUM_PATH_ENV}, ${candidates.join(', ')}); the browser ` +
        `tests must run in CI: ${installHint}`,
    );
  return found;
}

/** The Chromium binary found when this module loaded (undefined outside CI when none). */
export const chromiumPath: string | undefined = findChromium();

/** Starts Chromium (headless unless told otherwise); close it with `browser.close()`. */
export async function launchBrowser({
  headless = true,
}: { headless?: boolean } = {}): Promise<Browser> {
  if (chromiumPath === undefined)
    throw new Error(
      `Chromium not found (tried $${CHROMIUM_PATH_ENV}, ${CHROMIUM_DEFAULT_PATHS.join(', ')}): ${installHint}`,
    );
  return launch({
    executablePath: chromiumPath,
    headless,
    args: [...CHROMIUM_ARGS],
    timeout: LAUNCH_TIMEOUT_MS,
    protocolTimeout: PROTOCOL_TIMEOUT_MS,
    defaultViewport: DEFAULT_VIEWPORT,
  });
}

/** A violation of the page's Content-Security-Policy, as its `securitypolicyviolation` event told. */
export interface CspViolation {
  /** e.g. `script-src-elem` for a blocked `<script>` (Chrome reports the effective directive). */
  violatedDirective: string;
  /** The blocked URL, or `inline` / `eval`. */
  blockedURI: string;
}

export interface OpenedPage {
  page: Page;
  /** Messages of `alert` / `confirm` / `prompt` / `beforeunload` dialogs; each was dismissed. */
  dialogs: string[];
  /** Uncaught exceptions in the page (`pageerror`). */
  pageErrors: string[];
  /** Console messages as `<type>: <text>`, e.g. `error: Refused to execute inline script…`. */
  console: string[];
  /** The main frame's CSP violations so far (read from the page; a navigation starts a new list). */
  cspViolations: () => Promise<CspViolation[]>;
}

// Runs in every new document before its own scripts (and regardless of its CSP).
const recordCspViolationsScript = `
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push({
      violatedDirective: event.violatedDirective,
      blockedURI: event.blockedURI,
    });
  }, true);
`;

function toCspViolations(value: unknown): CspViolation[] {
  if (!Array.isArray(value))
    throw new Error(`window.__cspViolations is not an array: ${String(value)}`);
  return value.map((item: unknown) => {
    const { violatedDirective, blockedURI } = (item ?? {}) as Record<string, unknown>;
    if (typeof violatedDirective !== 'string' || typeof blockedURI !== 'string')
      throw new Error(`unexpected CSP violation record: ${JSON.stringify(item)}`);
    return { violatedDirective, blockedURI };
  });
}

/**
 * Opens `url` in a new page that records console messages, page errors, dialogs (dismissing
 * them) and CSP violations. `beforeGoto` runs after the recorders are installed and before
 * the navigation, e.g. to add more `page.evaluateOnNewDocument` scripts.
 */
export async function openPage({
  browser,
  url,
  viewport = DEFAULT_VIEWPORT,
  beforeGoto,
}: {
  browser: Browser;
  url: string;
  viewport?: Viewport;
  beforeGoto?: (page: Page) => Promise<void>;
}): Promise<OpenedPage> {
  const page = await browser.newPage();
  page.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
  await page.setViewport(viewport);
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  const consoleMessages: string[] = [];
  page.on('console', (message) => consoleMessages.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) =>
    pageErrors.push(error instanceof Error ? error.message : String(error)),
  );
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    // Fails only when the page is already closing; the dialog is recorded either way.
    dialog.dismiss().catch(() => undefined);
  });
  await page.evaluateOnNewDocument(recordCspViolationsScript);
  if (beforeGoto !== undefined) await beforeGoto(page);
  await page.goto(url, { waitUntil: 'load' });
  return {
    page,
    dialogs,
    pageErrors,
    console: consoleMessages,
    cspViolations: async () => toCspViolations(await page.evaluate('window.__cspViolations')),
  };
}

const kebabCase = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Writes a full-page PNG to `<dir>/<name>.png` (creating `dir`) and returns its path. */
export async function saveScreenshot({
  page,
  name,
  dir = SCREENSHOT_DIR,
}: {
  page: Page;
  /** kebab-case, e.g. `job-list`. */
  name: string;
  dir?: string;
}): Promise<string> {
  if (!kebabCase.test(name)) throw new Error(`screenshot name must be kebab-case: ${name}`);
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await writeFile(path, await page.screenshot({ type: 'png', fullPage: true }));
  return path;
}
