import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ActionReturn } from '../../../../core/index.ts';
import { ActionStatusCode, formatResult, parseJson } from '../../../../core/index.ts';
import type { SearchHit, SearchProvider, WebBrowserOptions } from '../../../../tools/index.ts';
import { WebBrowser } from '../../../../tools/index.ts';
import { allowLocalConnectionsOnly } from '../../../support/local-connections-only.ts';
import type { LoopbackServer } from '../../../support/loopback-http-server.ts';
import { sendJson, startLoopbackServer } from '../../../support/loopback-http-server.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/web/${name}`, import.meta.url), 'utf8');

let server: LoopbackServer;
let restoreNetwork: () => void;
const browsers: WebBrowser[] = [];
/** Status codes /flaky answers with, one per request, then 200. */
let flakyStatuses: number[] = [];

// A Brave answer whose result URLs point back at this server, so select can open them.
function braveAnswer(query: string) {
  const page = (path: string, title: string, description: string) => ({
    title,
    url: `${server.origin}${path}`,
    description,
    type: 'search_result',
  });
  const results =
    query === 'second'
      ? [
          page('/pages/basics.html', 'The Basics', 'How to prepare a call.'),
          page('/pages/intro.html', 'Introduction', 'libffi also explained here.'),
        ]
      : [
          page('/pages/intro.html', 'Introduction', 'What is libffi?'),
          page('/pages/basics.html', 'The Basics', 'libffi assumes a pointer.'),
          page('/pages/gone.html', 'Gone', 'This page is missing.'),
          { title: 'A video', url: 'https://www.youtube.com/watch?v=x', description: 'blocked' },
          { title: 'A PDF', url: 'https://example.org/manual.pdf', description: 'dropped' },
        ];
  return { type: 'search', query: { original: query }, web: { type: 'search', results } };
}

beforeAll(async () => {
  restoreNetwork = allowLocalConnectionsOnly();
  server = await startLoopbackServer(async (request, response) => {
    const url = new URL(request.url, 'http://x');
    if (url.pathname === '/brave') {
      if (request.headers['x-subscription-token'] !== 'good-key') {
        return sendJson(
          response,
          { type: 'ErrorResponse', error: { code: 'SUBSCRIPTION_TOKEN_INVALID', status: 422 } },
          422,
        );
      }
      return sendJson(response, braveAnswer(url.searchParams.get('q') ?? ''));
    }
    if (url.pathname === '/flaky') {
      const status = flakyStatuses.shift();
      if (status !== undefined) return sendJson(response, { error: 'try later' }, status);
      return sendJson(response, braveAnswer('flaky'));
    }
    if (url.pathname === '/slow-search') {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      return sendJson(response, braveAnswer('slow'));
    }
    if (url.pathname === '/pages/intro.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void response.end(fixture('libffi-introduction.html'));
    }
    if (url.pathname === '/pages/basics.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void response.end(fixture('libffi-the-basics.html'));
    }
    if (url.pathname === '/to-metadata') {
      response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      return void response.end();
    }
    return sendJson(response, { error: 'not found' }, 404);
  });
});
afterEach(async () => {
  await Promise.all(browsers.splice(0).map((browser) => browser.dispose()));
});
afterAll(async () => {
  await server.close();
  restoreNetwork();
});

function browser(options: WebBrowserOptions = {}): WebBrowser {
  const made = new WebBrowser({
    searcher: { type: 'BraveSearch', apiKey: 'good-key', baseUrl: `${server.origin}/brave` },
    allowedAddresses: ['127.0.0.1'],
    retryDelayMs: 0,
    timeoutMs: 2_000,
    ...options,
  });
  browsers.push(made);
  return made;
}

const output = (result: ActionReturn): unknown => parseJson(formatResult(result));
const requestsTo = (path: string) =>
  server.requests.filter((request) => new URL(request.url, 'http://x').pathname === path).length;

describe('WebBrowser.search', () => {
  it("returns {id: {url, summ, title}}, filtered like Lagent's _filter_results", async () => {
    const result = await browser().run({
      api: 'search',
      inputs: { query: 'libffi' },
      sessionId: 'a',
    });
    expect(result.state).toBe(ActionStatusCode.SUCCESS);
    expect(output(result)).toEqual({
      '0': {
        url: `${server.origin}/pages/intro.html`,
        summ: 'What is libffi?',
        title: 'Introduction',
      },
      '1': {
        url: `${server.origin}/pages/basics.html`,
        summ: 'libffi assumes a pointer.',
        title: 'The Basics',
      },
      '2': {
        url: `${server.origin}/pages/gone.html`,
        summ: 'This page is missing.',
        title: 'Gone',
      },
    });
  });

  it('merges several queries: one id per URL, summaries of a repeated URL joined by a newline', async () => {
    const result = await browser().run({
      api: 'search',
      inputs: { query: ['libffi', 'second'] },
      sessionId: 'a',
    });
    const found = output(result) as Record<string, { url: string; summ: string }>;
    expect(Object.keys(found)).toEqual(['0', '1', '2']);
    expect(found['0']?.summ).toBe('What is libffi?\nlibffi also explained here.');
    expect(found['1']?.summ).toBe('libffi assumes a pointer.\nHow to prepare a call.');
  });

  it('keeps at most topk results', async () => {
    const result = await browser({ topk: 2 }).run({ api: 'search', inputs: { query: 'libffi' } });
    expect(Object.keys(output(result) as object)).toEqual(['0', '1']);
  });

  it('answers a repeated query from the cache within the TTL', async () => {
    let now = 0;
    const made = browser({ cache: { ttlMs: 60_000, now: () => now } });
    const before = requestsTo('/brave');
    await made.run({ api: 'search', inputs: { query: 'cached query' } });
    now = 59_999;
    await made.run({ api: 'search', inputs: { query: 'cached query' }, sessionId: 'other' });
    expect(requestsTo('/brave') - before).toBe(1);
    now = 60_000;
    await made.run({ api: 'search', inputs: { query: 'cached query' } });
    expect(requestsTo('/brave') - before).toBe(2);
  });

  it('retries an HTTP 500 and succeeds on the next try', async () => {
    flakyStatuses = [500, 503];
    const made = browser({
      searcher: { type: 'BraveSearch', apiKey: 'k', baseUrl: `${server.origin}/flaky` },
    });
    const before = requestsTo('/flaky');
    const result = await made.run({ api: 'search', inputs: { query: 'flaky' } });
    expect(result.state).toBe(ActionStatusCode.SUCCESS);
    expect(Object.keys(output(result) as object)).toHaveLength(3);
    expect(requestsTo('/flaky') - before).toBe(3);
  });

  it('gives up after maxAttempts with HTTP_ERROR and the last status', async () => {
    flakyStatuses = [500, 502, 503, 504];
    const made = browser({
      searcher: { type: 'BraveSearch', apiKey: 'k', baseUrl: `${server.origin}/flaky` },
      maxAttempts: 3,
    });
    const result = await made.run({ api: 'search', inputs: { query: 'flaky' } });
    expect(result.state).toBe(ActionStatusCode.HTTP_ERROR);
    expect(result.errmsg).toBe(
      `HTTP 503 from ${server.origin}/flaky?q=flaky&count=20&extra_snippets=true: {"error":"try later"}`,
    );
    flakyStatuses = [];
  });

  it('does not retry a client error (a rejected key) and reports it as HTTP_ERROR', async () => {
    const made = browser({
      searcher: { type: 'BraveSearch', apiKey: 'bad-key', baseUrl: `${server.origin}/brave` },
    });
    const before = requestsTo('/brave');
    const result = await made.run({ api: 'search', inputs: { query: 'x' } });
    expect(result.state).toBe(ActionStatusCode.HTTP_ERROR);
    expect(result.errmsg).toMatch(/^HTTP 422 from .*SUBSCRIPTION_TOKEN_INVALID/);
    expect(requestsTo('/brave') - before).toBe(1);
  });

  it('reports a missing key as API_ERROR without sending anything', async () => {
    const before = server.requests.length;
    const result = await browser({
      searcher: { type: 'TavilySearch', env: {}, baseUrl: `${server.origin}/tavily` },
    }).run({ api: 'search', inputs: { query: 'x' } });
    expect(result).toMatchObject({
      state: ActionStatusCode.API_ERROR,
      errmsg: 'Tavily search needs an API key: pass apiKey or set TAVILY_API_KEY',
      type: 'WebBrowser',
      args: { query: 'x' },
    });
    expect(server.requests.length).toBe(before);
  });

  it('reports a search that takes longer than timeoutMs as HTTP_ERROR', async () => {
    const result = await browser({
      searcher: { type: 'BraveSearch', apiKey: 'k', baseUrl: `${server.origin}/slow-search` },
      timeoutMs: 200,
      maxAttempts: 1,
    }).run({ api: 'search', inputs: { query: 'slow' } });
    expect(result.state).toBe(ActionStatusCode.HTTP_ERROR);
    expect(result.errmsg).toMatch(/within 200 ms$/);
  });

  it('takes any SearchProvider object', async () => {
    const calls: string[] = [];
    const provider: SearchProvider = {
      name: 'Fixed',
      search: ({ query }) => {
        calls.push(query);
        return Promise.resolve<SearchHit[]>([
          { url: 'https://a.example/', title: 'A', snippet: 's' },
        ]);
      },
    };
    const result = await browser({ searcher: provider }).run({
      api: 'search',
      inputs: { query: 'q' },
    });
    expect(output(result)).toEqual({ '0': { url: 'https://a.example/', summ: 's', title: 'A' } });
    expect(calls).toEqual(['q']);
  });
});

describe('WebBrowser.select and open_url', () => {
  it('refuses select before search with API_ERROR', async () => {
    const result = await browser().run({
      api: 'select',
      inputs: { select_ids: [0] },
      sessionId: 's',
    });
    expect(result.state).toBe(ActionStatusCode.API_ERROR);
    expect(result.errmsg).toBe(
      'There are no search results to select from in this session: call search first',
    );
  });

  it('keeps search results per session', async () => {
    const made = browser();
    await made.run({ api: 'search', inputs: { query: 'libffi' }, sessionId: 'alice' });
    const bob = await made.run({ api: 'select', inputs: { select_ids: [0] }, sessionId: 'bob' });
    expect(bob.state).toBe(ActionStatusCode.API_ERROR);
    const alice = await made.run({
      api: 'select',
      inputs: { select_ids: [0] },
      sessionId: 'alice',
    });
    expect(alice.state).toBe(ActionStatusCode.SUCCESS);
    expect(made.searchResults('alice')?.size).toBe(3);
    await made.closeSession('alice');
    expect(made.searchResults('alice')).toBeUndefined();
    const closed = await made.run({
      api: 'select',
      inputs: { select_ids: [0] },
      sessionId: 'alice',
    });
    expect(closed.state).toBe(ActionStatusCode.API_ERROR);
  });

  it('opens selected results as {id: {url, title, content}}, content cut to maxContentChars', async () => {
    const made = browser({ maxContentChars: 200 });
    await made.run({ api: 'search', inputs: { query: 'libffi' } });
    const result = await made.run({ api: 'select', inputs: { select_ids: [1, 0] } });
    const selected = output(result) as Record<
      string,
      { url: string; title: string; content: string }
    >;
    expect(Object.keys(selected).sort()).toEqual(['0', '1']);
    expect(selected['0']?.title).toBe('Introduction');
    expect(selected['0']?.content).toHaveLength(200);
    expect(selected['0']?.content.startsWith('Next: Using libffi')).toBe(true);
    expect(selected['1']?.content).toContain('2.1 The Basics');
  });

  it('marks a result whose page failed, and fails the call when every page failed', async () => {
    const made = browser();
    await made.run({ api: 'search', inputs: { query: 'libffi' } });
    const partly = output(
      await made.run({ api: 'select', inputs: { select_ids: [0, 2] } }),
    ) as Record<string, { content?: string; error?: string }>;
    expect(partly['0']?.content).toContain('What is libffi?');
    expect(partly['2']?.error).toBe(
      `HTTP 404 from ${server.origin}/pages/gone.html: {"error":"not found"}`,
    );
    const failed = await made.run({ api: 'select', inputs: { select_ids: [2] } });
    expect(failed.state).toBe(ActionStatusCode.HTTP_ERROR);
  });

  it('rejects unknown ids with ARGS_ERROR, and more than four ids', async () => {
    const made = browser();
    await made.run({ api: 'search', inputs: { query: 'libffi' } });
    const unknown = await made.run({ api: 'select', inputs: { select_ids: [7] } });
    expect(unknown.state).toBe(ActionStatusCode.ARGS_ERROR);
    expect(unknown.errmsg).toBe('No search result with id 7: ids 0 to 2 exist');
    const tooMany = await made.run({ api: 'select', inputs: { select_ids: [0, 1, 2, 3, 4] } });
    expect(tooMany.state).toBe(ActionStatusCode.ARGS_ERROR);
  });

  it('open_url gives {type: "text", content}', async () => {
    const result = await browser().run({
      api: 'open_url',
      inputs: { url: `${server.origin}/pages/intro.html` },
    });
    const opened = output(result) as { type: string; content: string };
    expect(opened.type).toBe('text');
    expect(opened.content).toContain('FFI stands for Foreign Function Interface.');
  });

  it('open_url refuses loopback without the allow-list, and redirects to cloud metadata with it', async () => {
    const before = server.requests.length;
    const strict = await browser({ allowedAddresses: [] }).run({
      api: 'open_url',
      inputs: { url: `${server.origin}/pages/intro.html` },
    });
    expect(strict.state).toBe(ActionStatusCode.ARGS_ERROR);
    expect(strict.errmsg).toBe(
      `Refused to open 127.0.0.1: 127.0.0.1 is a loopback address. Only public addresses can be opened.`,
    );
    expect(server.requests.length).toBe(before);
    const redirected = await browser().run({
      api: 'open_url',
      inputs: { url: `${server.origin}/to-metadata` },
    });
    expect(redirected.state).toBe(ActionStatusCode.ARGS_ERROR);
    expect(redirected.errmsg).toContain('169.254.169.254 is a link-local');
  });

  it('describes the toolkit with the three APIs', () => {
    expect(browser().apis.map((api) => api.name)).toEqual(['search', 'select', 'open_url']);
  });
});
