import type { LookupAddress } from 'node:dns';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PageFetcherOptions } from '../../../../tools/index.ts';
import { htmlToReadableText, PageFetcher } from '../../../../tools/index.ts';
import { allowLocalConnectionsOnly } from '../../../support/local-connections-only.ts';
import type { LoopbackServer } from '../../../support/loopback-http-server.ts';
import { startLoopbackServer } from '../../../support/loopback-http-server.ts';
import { webToolErrorOf } from '../../../support/web-tool-error.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/web/${name}`, import.meta.url));

let server: LoopbackServer;
let restoreNetwork: () => void;
const fetchers: PageFetcher[] = [];

// Test-only names: the fake resolver answers these, and nothing here reaches them.
const fakeDns = (hostname: string): Promise<LookupAddress[]> => {
  const table: Record<string, LookupAddress[]> = {
    'metadata.test': [{ address: '169.254.169.254', family: 4 }],
    'loopback.test': [{ address: '127.0.0.1', family: 4 }],
    'mixed.test': [
      { address: '10.9.8.7', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ],
  };
  const found = table[hostname];
  return found ? Promise.resolve(found) : Promise.reject(new Error(`ENOTFOUND ${hostname}`));
};

function fetcher(options: PageFetcherOptions = {}): PageFetcher {
  const made = new PageFetcher({
    allowedAddresses: ['127.0.0.1'],
    resolveHost: fakeDns,
    timeoutMs: 2_000,
    ...options,
  });
  fetchers.push(made);
  return made;
}

beforeAll(async () => {
  restoreNetwork = allowLocalConnectionsOnly();
  server = await startLoopbackServer(async (request, response) => {
    const url = new URL(request.url, 'http://x');
    switch (url.pathname) {
      case '/libffi/Introduction.html':
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return void response.end(fixture('libffi-introduction.html'));
      case '/libffi/The-Basics.html':
        response.writeHead(200, { 'content-type': 'text/html' });
        return void response.end(fixture('libffi-the-basics.html'));
      case '/latin1':
        response.writeHead(200, { 'content-type': 'text/html; charset=iso-8859-1' });
        return void response.end(Buffer.from('<p>Caf\xe9 cr\xe8me</p>', 'latin1'));
      case '/plain':
        response.writeHead(200, { 'content-type': 'text/plain' });
        return void response.end('line one\n\n\n\nline two   \n');
      case '/pdf':
        response.writeHead(200, { 'content-type': 'application/pdf' });
        return void response.end('%PDF-1.7');
      case '/big-declared':
        response.writeHead(200, { 'content-type': 'text/html', 'content-length': 5000 });
        return void response.end('x'.repeat(5000));
      case '/big-chunked':
        response.writeHead(200, { 'content-type': 'text/html' });
        for (let index = 0; index < 10; index += 1) response.write('y'.repeat(1000));
        return void response.end();
      case '/slow':
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        response.writeHead(200, { 'content-type': 'text/plain' });
        return void response.end('late');
      case '/redirect':
        response.writeHead(302, { location: url.searchParams.get('to') ?? '/' });
        return void response.end();
      case '/loop':
        response.writeHead(301, { location: '/loop' });
        return void response.end();
      case '/echo-host':
        response.writeHead(200, { 'content-type': 'text/plain' });
        return void response.end(`host ${request.headers.host ?? ''}`);
      default:
        response.writeHead(404, { 'content-type': 'text/plain' });
        return void response.end('no such page');
    }
  });
});
afterEach(async () => {
  await Promise.all(fetchers.splice(0).map((made) => made.close()));
});
afterAll(async () => {
  await server.close();
  restoreNetwork();
});

describe('htmlToReadableText on real saved pages', () => {
  it('keeps the text of the libffi manual and drops markup, comments and head', () => {
    const page = htmlToReadableText(fixture('libffi-introduction.html').toString('utf8'));
    expect(page.title).toBe(
      'Introduction (libffi: the portable foreign function interface library)',
    );
    expect(page.text).toContain('1 What is libffi?');
    expect(page.text).toContain(
      'The calling convention is a set of assumptions made by the compiler about where function arguments will be found on entry to a function.',
    );
    expect(page.text).not.toMatch(/<[a-z]|Permission is hereby granted|\n{3}/);
  });

  it('keeps paragraphs apart and does not upper-case headings', () => {
    const { text } = htmlToReadableText(fixture('libffi-the-basics.html').toString('utf8'));
    expect(text).toContain(
      '2.1 The Basics\n\nlibffi assumes that you have a pointer to the function',
    );
    expect(text).toContain('FFI_BAD_TYPEDEF');
  });
});

describe('PageFetcher', () => {
  it('fetches a page as readable text, following redirects', async () => {
    const page = await fetcher().fetchPage({
      url: `${server.origin}/redirect?to=/libffi/Introduction.html`,
    });
    expect(page.url).toBe(`${server.origin}/libffi/Introduction.html`);
    expect(page.title).toContain('Introduction');
    expect(page.text).toContain('FFI stands for Foreign Function Interface.');
  });

  it('decodes the charset the server names, and passes plain text through tidied', async () => {
    const made = fetcher();
    expect((await made.fetchPage({ url: `${server.origin}/latin1` })).text).toBe('Café crème');
    expect((await made.fetchPage({ url: `${server.origin}/plain` })).text).toBe(
      'line one\n\nline two',
    );
  });

  it('serves a page from the cache within the TTL, and fetches again after it', async () => {
    let now = 0;
    const made = fetcher({ cache: { ttlMs: 1_000, now: () => now } });
    const url = `${server.origin}/libffi/The-Basics.html`;
    const hits = () =>
      server.requests.filter((request) => request.url === '/libffi/The-Basics.html').length;
    const before = hits();
    await made.fetchPage({ url });
    now = 999;
    await made.fetchPage({ url });
    expect(hits() - before).toBe(1);
    now = 1_000;
    await made.fetchPage({ url });
    expect(hits() - before).toBe(2);
  });

  it.each(['/big-declared', '/big-chunked'])(
    'refuses a page over maxPageBytes (%s)',
    async (path) => {
      const error = await webToolErrorOf(
        fetcher({ maxPageBytes: 4_096 }).fetchPage({ url: `${server.origin}${path}` }),
      );
      expect(error.code).toBe('TOO_LARGE');
      expect(error.message).toBe(
        `The response from ${server.origin}${path} is larger than the 4096-byte limit`,
      );
      expect(error.status).toBe(-1000);
    },
  );

  it('gives up after maxRedirects hops', async () => {
    const error = await webToolErrorOf(
      fetcher({ maxRedirects: 3 }).fetchPage({ url: `${server.origin}/loop` }),
    );
    expect(error.code).toBe('TOO_MANY_REDIRECTS');
    expect(error.message).toBe(`More than 3 redirects, starting at ${server.origin}/loop`);
  });

  it('times out a page that does not arrive within timeoutMs', async () => {
    const started = Date.now();
    const error = await webToolErrorOf(
      fetcher({ timeoutMs: 200 }).fetchPage({ url: `${server.origin}/slow` }),
    );
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toBe(`No complete answer from ${server.origin}/slow within 200 ms`);
    expect(Date.now() - started).toBeLessThan(1_400);
  });

  it('reports HTTP errors and content it cannot read', async () => {
    const made = fetcher();
    const missing = await webToolErrorOf(made.fetchPage({ url: `${server.origin}/gone` }));
    expect(missing).toMatchObject({ code: 'HTTP_STATUS', httpStatus: 404 });
    expect(missing.message).toBe(`HTTP 404 from ${server.origin}/gone: no such page`);
    const pdf = await webToolErrorOf(made.fetchPage({ url: `${server.origin}/pdf` }));
    expect(pdf.code).toBe('UNSUPPORTED_CONTENT');
    expect(pdf.message).toBe(
      `${server.origin}/pdf is application/pdf, which cannot be read as text`,
    );
  });

  it('refuses URLs that are not http(s)', async () => {
    const error = await webToolErrorOf(fetcher().fetchPage({ url: 'file:///etc/passwd' }));
    expect(error.code).toBe('INVALID_URL');
    expect(error.status).toBe(-1001);
  });

  it('stops when the caller aborts, with the abort and not a timeout', async () => {
    const controller = new AbortController();
    const pending = fetcher().fetchPage({
      url: `${server.origin}/slow`,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('caller gave up')), 50);
    await expect(pending).rejects.toThrow('caller gave up');
  });
});

describe('PageFetcher address guard', () => {
  it('runs under a safety net that blocks connections off this machine', async () => {
    await expect(
      new Promise((resolve, reject) => {
        const socket = net.connect({ host: '10.0.0.1', port: 80 });
        socket.on('connect', resolve).on('error', reject);
      }),
    ).rejects.toThrow(/safety net/);
  });

  it('refuses loopback by default, before any request is sent', async () => {
    const before = server.requests.length;
    const strict = new PageFetcher();
    fetchers.push(strict);
    for (const url of [
      `${server.origin}/plain`,
      `http://localhost:${server.port}/plain`,
      `http://[::1]:${server.port}/plain`,
      `http://[::ffff:127.0.0.1]:${server.port}/plain`,
      `http://0.0.0.0:${server.port}/plain`,
      `http://2130706433:${server.port}/plain`,
    ]) {
      const error = await webToolErrorOf(strict.fetchPage({ url }));
      expect(error.code, url).toBe('ADDRESS_REFUSED');
      expect(error.status).toBe(-1001);
    }
    expect(server.requests.length).toBe(before);
  });

  it.each([
    ['10.0.0.1', 'http://10.0.0.1/admin', /10\.0\.0\.1 is a private address/],
    ['172.16.5.4', 'http://172.16.5.4/', /private/],
    ['192.168.1.1', 'http://192.168.1.1/', /private/],
    ['169.254.169.254', 'http://169.254.169.254/latest/meta-data/', /link-local/],
    ['fd00::1', 'http://[fd00::1]/', /unique-local/],
    [
      'a name resolving to metadata',
      'http://metadata.test/computeMetadata/v1/',
      /169\.254\.169\.254/,
    ],
  ])('refuses %s', async (_name, url, reason) => {
    const error = await webToolErrorOf(fetcher().fetchPage({ url }));
    expect(error.code).toBe('ADDRESS_REFUSED');
    expect(error.message).toMatch(reason);
  });

  it.each([
    ['a private IP', 'http://10.0.0.1/', /10\.0\.0\.1 is a private/],
    ['the metadata address', 'http://169.254.169.254/latest/meta-data/', /link-local/],
    ['a name resolving to metadata', 'http://metadata.test/', /169\.254\.169\.254/],
    ['IPv6 loopback not on the allow-list', 'http://[::1]:1/', /::1 is a loopback/],
  ])('refuses a redirect to %s, after the first hop was allowed', async (_name, target, reason) => {
    const before = server.requests.length;
    const error = await webToolErrorOf(
      fetcher().fetchPage({ url: `${server.origin}/redirect?to=${encodeURIComponent(target)}` }),
    );
    expect(error.code).toBe('ADDRESS_REFUSED');
    expect(error.message).toMatch(reason);
    expect(server.requests.length).toBe(before + 1);
  });

  it('connects a name with mixed answers only to the allowed address it checked', async () => {
    const page = await fetcher().fetchPage({ url: `http://mixed.test:${server.port}/echo-host` });
    expect(page.text).toBe(`host mixed.test:${server.port}`);
  });
});
