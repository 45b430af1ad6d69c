import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../../../../core/index.ts';
import type { SearchHit, SearchProvider } from '../../../../tools/index.ts';
import {
  BingSearch,
  BraveSearch,
  createSearchProvider,
  DuckDuckGoSearch,
  SearxngSearch,
  SerperSearch,
  TavilySearch,
} from '../../../../tools/index.ts';
import type { LoopbackServer, RecordedRequest } from '../../../support/loopback-http-server.ts';
import { sendJson, startLoopbackServer } from '../../../support/loopback-http-server.ts';
import { webToolErrorOf } from '../../../support/web-tool-error.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/web/${name}`, import.meta.url), 'utf8');

const github = {
  url: 'https://github.com/libffi/libffi',
  title: 'GitHub - libffi/libffi: A portable foreign-function interface library.',
};

let server: LoopbackServer;
const noEnv = {};

beforeAll(async () => {
  server = await startLoopbackServer((request, response) => {
    const path = new URL(request.url, 'http://x').pathname;
    switch (path) {
      case '/brave/res/v1/web/search':
        return sendJson(response, fixture('brave-web-search.json'));
      case '/bing/v7.0/search':
        return sendJson(response, fixture('bing-web-search.json'));
      case '/tavily/search':
        return sendJson(response, fixture('tavily-search.json'));
      case '/serper/search':
        return sendJson(response, fixture('serper-search.json'));
      case '/searxng/search':
        return sendJson(response, fixture('searxng-search.json'));
      case '/ddg/html/':
        response.writeHead(200, { 'content-type': 'text/html; charset=UTF-8' });
        return void response.end(fixture('duckduckgo-results.html'));
      case '/ddg-limited/html/':
        response.writeHead(202, { 'content-type': 'text/html' });
        return void response.end('<html><body>anomaly</body></html>');
      case '/not-json':
        response.writeHead(200, { 'content-type': 'text/html' });
        return void response.end('<html>maintenance</html>');
      case '/wrong-shape':
        return sendJson(response, { web: { results: [{ headline: 'no title or url' }] } });
      default:
        return sendJson(response, { error: 'not found' }, 404);
    }
  });
});
afterAll(() => server.close());

async function searchWith(provider: SearchProvider, query = 'libffi') {
  const before = server.requests.length;
  const hits = await provider.search({ query, count: 10 });
  const request = server.requests[before] as RecordedRequest;
  return { hits, request, url: new URL(request.url, server.origin) };
}

describe('search providers against their documented answers', () => {
  it('Brave: web.results[] with the key in X-Subscription-Token, markup stripped', async () => {
    const { hits, request, url } = await searchWith(
      new BraveSearch({ apiKey: 'brave-key', baseUrl: `${server.origin}/brave/res/v1/web/search` }),
    );
    expect(request.headers['x-subscription-token']).toBe('brave-key');
    expect(url.searchParams.get('q')).toBe('libffi');
    expect(url.searchParams.get('count')).toBe('10');
    expect(hits).toHaveLength(4);
    expect(hits[0]).toEqual<SearchHit>({
      ...github,
      snippet:
        'libffi is a portable foreign-function interface library. Compilers for high level languages generate code that follows certain conventions.\n' +
        'The libffi library provides a portable, high level programming interface to various calling conventions.',
    });
  });

  it('Bing v7: webPages.value[] {name, url, snippet}, key in Ocp-Apim-Subscription-Key', async () => {
    const { hits, request, url } = await searchWith(
      new BingSearch({
        apiKey: 'bing-key',
        baseUrl: `${server.origin}/bing/v7.0/search`,
        market: 'en-US',
      }),
    );
    expect(request.headers['ocp-apim-subscription-key']).toBe('bing-key');
    expect(url.searchParams.get('mkt')).toBe('en-US');
    expect(hits.map((hit) => hit.url)).toEqual([github.url, 'https://sourceware.org/libffi/']);
    expect(hits[1]?.title).toBe('libffi - A Portable Foreign Function Interface Library');
  });

  it('Tavily: POSTs JSON with a Bearer key; results[] {title, url, content}', async () => {
    const { hits, request } = await searchWith(
      new TavilySearch({ apiKey: 'tvly-key', baseUrl: `${server.origin}/tavily/search` }),
    );
    expect(request.method).toBe('POST');
    expect(request.headers.authorization).toBe('Bearer tvly-key');
    expect(parseJson(request.body)).toMatchObject({ query: 'libffi', max_results: 10 });
    expect(hits[0]).toMatchObject(github);
    expect(hits[1]?.snippet).toContain('A Portable Foreign Function Interface.');
  });

  it('Serper: POSTs {q, num} with X-API-KEY; organic[] {title, link, snippet}', async () => {
    const { hits, request } = await searchWith(
      new SerperSearch({ apiKey: 'serper-key', baseUrl: `${server.origin}/serper/search` }),
    );
    expect(request.headers['x-api-key']).toBe('serper-key');
    expect(parseJson(request.body)).toEqual({ q: 'libffi', num: 10 });
    expect(hits.map((hit) => hit.url)).toEqual([
      github.url,
      'https://en.wikipedia.org/wiki/Libffi',
    ]);
  });

  it('SearXNG: GET /search?format=json; results[] {url, title, content}, null content as ""', async () => {
    const { hits, request, url } = await searchWith(
      new SearxngSearch({ baseUrl: `${server.origin}/searxng`, apiKey: 'sx', authName: 'x-token' }),
    );
    expect(url.pathname).toBe('/searxng/search');
    expect(url.searchParams.get('format')).toBe('json');
    expect(request.headers['x-token']).toBe('sx');
    expect(hits).toHaveLength(3);
    expect(hits[2]).toEqual({
      url: 'https://www.bilibili.com/video/BV1libffi',
      title: 'libffi video',
      snippet: '',
    });
  });

  it('DuckDuckGo: POSTs the form and reads result__a / result__snippet, skipping ads', async () => {
    const { hits, request } = await searchWith(
      new DuckDuckGoSearch({ baseUrl: `${server.origin}/ddg/html/`, region: 'us-en' }),
    );
    expect(request.method).toBe('POST');
    expect(new URLSearchParams(request.body).get('q')).toBe('libffi');
    expect(new URLSearchParams(request.body).get('kl')).toBe('us-en');
    expect(hits).toEqual<SearchHit[]>([
      {
        ...github,
        snippet:
          'libffi is a portable foreign-function interface library. Compilers for high level languages generate code that follows certain conventions.',
      },
      {
        url: 'https://sourceware.org/libffi/',
        title: 'libffi - sourceware.org',
        snippet:
          'A Portable Foreign Function Interface. The libffi library provides a portable, high level programming interface to various calling conventions.',
      },
      {
        url: 'https://en.wikipedia.org/wiki/Libffi',
        title: 'libffi - Wikipedia',
        snippet: 'libffi is a foreign function interface library.',
      },
    ]);
  });

  it("DuckDuckGo's rate-limit page (HTTP 202) is a retryable HTTP failure", async () => {
    const error = await webToolErrorOf(
      new DuckDuckGoSearch({ baseUrl: `${server.origin}/ddg-limited/html/` }).search({
        query: 'x',
        count: 5,
      }),
    );
    expect(error).toMatchObject({ code: 'HTTP_STATUS', isRetryable: true });
  });

  it('builds providers from configuration by Lagent class name', async () => {
    const provider = createSearchProvider({
      type: 'GoogleSearch',
      apiKey: 'serper-key',
      baseUrl: `${server.origin}/serper/search`,
    });
    expect(provider.name).toBe('Serper');
    const { hits } = await searchWith(provider);
    expect(hits).toHaveLength(2);
  });
});

describe('provider keys and failures', () => {
  it.each([
    ['Brave', () => new BraveSearch({ env: noEnv }), 'BRAVE_API_KEY'],
    ['Bing', () => new BingSearch({ env: noEnv }), 'BING_API_KEY'],
    ['Tavily', () => new TavilySearch({ env: noEnv }), 'TAVILY_API_KEY'],
    ['Serper', () => new SerperSearch({ env: noEnv }), 'SERPER_API_KEY'],
  ])('%s without a key fails with MISSING_API_KEY naming %s', async (name, make, variable) => {
    const before = server.requests.length;
    const error = await webToolErrorOf(make().search({ query: 'x', count: 3 }));
    expect(error.code).toBe('MISSING_API_KEY');
    expect(error.message).toBe(`${name} search needs an API key: pass apiKey or set ${variable}`);
    expect(server.requests.length).toBe(before);
  });

  it('SearXNG without a URL names SEARXNG_URL; with it in the environment, it works', async () => {
    const error = await webToolErrorOf(
      new SearxngSearch({ env: noEnv }).search({ query: 'x', count: 3 }),
    );
    expect(error.message).toContain('SEARXNG_URL');
    const { hits } = await searchWith(
      new SearxngSearch({ env: { SEARXNG_URL: `${server.origin}/searxng/` } }),
    );
    expect(hits).toHaveLength(3);
  });

  it('reads the key from the environment when no option is given', async () => {
    const { request } = await searchWith(
      new BraveSearch({
        env: { BRAVE_API_KEY: 'from-env' },
        baseUrl: `${server.origin}/brave/res/v1/web/search`,
      }),
    );
    expect(request.headers['x-subscription-token']).toBe('from-env');
  });

  it('an HTTP error carries the status and the start of the body', async () => {
    const error = await webToolErrorOf(
      new BraveSearch({ apiKey: 'k', baseUrl: `${server.origin}/missing` }).search({
        query: 'x',
        count: 3,
      }),
    );
    expect(error).toMatchObject({ code: 'HTTP_STATUS', httpStatus: 404, isRetryable: false });
    expect(error.message).toBe(
      `HTTP 404 from ${server.origin}/missing?q=x&count=3&extra_snippets=true: {"error":"not found"}`,
    );
  });

  it('a body that is not JSON, or JSON of another shape, is BAD_RESPONSE', async () => {
    const notJson = await webToolErrorOf(
      new BingSearch({ apiKey: 'k', baseUrl: `${server.origin}/not-json` }).search({
        query: 'x',
        count: 3,
      }),
    );
    expect(notJson.code).toBe('BAD_RESPONSE');
    expect(notJson.message).toBe('Bing did not answer with JSON: <html>maintenance</html>');
    const wrongShape = await webToolErrorOf(
      new BraveSearch({ apiKey: 'k', baseUrl: `${server.origin}/wrong-shape` }).search({
        query: 'x',
        count: 3,
      }),
    );
    expect(wrongShape.code).toBe('BAD_RESPONSE');
    expect(wrongShape.message).toMatch(
      /^Brave answered in an unexpected format \(web\.results\.0\.title/,
    );
  });
});
