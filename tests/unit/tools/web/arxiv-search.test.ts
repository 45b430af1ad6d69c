import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../../../core/index.ts';
import { ActionStatusCode, formatResult, parseJson } from '../../../../core/index.ts';
import type { ArxivSearchOptions } from '../../../../tools/index.ts';
import { createArxivSearch, NO_ARXIV_RESULT, parseArxivFeed } from '../../../../tools/index.ts';
import type { LoopbackServer } from '../../../support/loopback-http-server.ts';
import { startLoopbackServer } from '../../../support/loopback-http-server.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/web/${name}`, import.meta.url), 'utf8');

let server: LoopbackServer;
let unavailable = 0;

beforeAll(async () => {
  server = await startLoopbackServer(async (request, response) => {
    const url = new URL(request.url, 'http://x');
    const query = url.searchParams.get('search_query') ?? '';
    const atom = (status: number, body: string) => {
      response.writeHead(status, { 'content-type': 'application/atom+xml; charset=utf-8' });
      response.end(body);
    };
    if (url.pathname === '/slow') {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      return atom(200, fixture('arxiv-empty.xml'));
    }
    if (url.pathname === '/busy' && unavailable > 0) {
      unavailable -= 1;
      response.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '0' });
      return void response.end('Service Unavailable');
    }
    if (query === 'bad') return atom(400, fixture('arxiv-error.xml'));
    if (query === 'nothing') return atom(200, fixture('arxiv-empty.xml'));
    return atom(200, fixture('arxiv-feed.xml'));
  });
});
afterAll(() => server.close());

const arxiv = (options: ArxivSearchOptions = {}): Action =>
  createArxivSearch({ baseUrl: `${server.origin}/api/query`, retryDelayMs: 0, ...options });

const run = (tool: Action, query: string) =>
  tool.run({ api: 'get_arxiv_article_information', inputs: { query } });

describe('ArxivSearch', () => {
  it("gives Lagent's content: Published, Title, Authors, Summary per paper", async () => {
    const result = await run(arxiv(), 'attention is all you need');
    expect(result.state).toBe(ActionStatusCode.SUCCESS);
    const { content } = parseJson(formatResult(result)) as { content: string };
    const [first, second] = content.split('\n\n');
    expect(first).toBe(
      'Published: 2023-08-02\nTitle: Attention Is All You Need\n' +
        'Authors: Ashish Vaswani, Noam Shazeer, Niki Parmar, Jakob Uszkoreit, Llion Jones, Aidan N. Gomez, Lukasz Kaiser, Illia Polosukhin\n' +
        'Summary: The dominant sequence transduction models are based on complex recurrent or convolutional neural networks in an encoder-decoder configuration. The best performing models also connect the encoder and decoder through an attention mechanism. We propose a new simple network architecture, the Transformer, based solely on attention mechanisms, dispensing with recurrence and convolutions entirely.',
    );
    expect(second).toMatch(
      /^Published: 2019-05-24\nTitle: BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding\nAuthors: Jacob Devlin, Ming-Wei Chang, Kenton Lee, Kristina Toutanova\n/,
    );
  });

  it('asks for top_k results with the query cut to maxQueryChars', async () => {
    await run(arxiv({ topKResults: 1, maxQueryChars: 10 }), 'transformers for language');
    const last = server.requests.at(-1);
    const url = new URL(last?.url ?? '', server.origin);
    expect(url.pathname).toBe('/api/query');
    expect(url.searchParams.get('search_query')).toBe('transforme');
    expect(url.searchParams.get('max_results')).toBe('1');
  });

  it('cuts each summary to maxSummaryChars', async () => {
    const result = await run(arxiv({ maxSummaryChars: 20 }), 'attention');
    const { content } = parseJson(formatResult(result)) as { content: string };
    expect(content).toContain('Summary: The dominant sequenc\n\nPublished: 2019-05-24');
    expect(content.endsWith('Summary: We introduce a new l')).toBe(true);
  });

  it('says when nothing was found', async () => {
    const result = await run(arxiv(), 'nothing');
    expect(parseJson(formatResult(result))).toEqual({ content: NO_ARXIV_RESULT });
  });

  it("turns arXiv's error feed into HTTP_ERROR 'Arxiv exception: …'", async () => {
    const result = await run(arxiv(), 'bad');
    expect(result.state).toBe(ActionStatusCode.HTTP_ERROR);
    expect(result.errmsg).toBe('Arxiv exception: HTTP 400: max_results must be non-negative');
  });

  it('retries a 503 and then succeeds', async () => {
    unavailable = 2;
    const before = server.requests.length;
    const result = await run(
      createArxivSearch({ baseUrl: `${server.origin}/busy`, retryDelayMs: 0 }),
      'attention',
    );
    expect(result.state).toBe(ActionStatusCode.SUCCESS);
    expect(server.requests.length - before).toBe(3);
  });

  it('reports a timeout as HTTP_ERROR', async () => {
    const result = await run(
      createArxivSearch({ baseUrl: `${server.origin}/slow`, timeoutMs: 150, maxAttempts: 1 }),
      'x',
    );
    expect(result.state).toBe(ActionStatusCode.HTTP_ERROR);
    expect(result.errmsg).toBe(
      `Arxiv exception: No complete answer from ${server.origin}/slow?search_query=x&start=0&max_results=3 within 150 ms`,
    );
  });

  it('parseArxivFeed rejects text that is not an Atom feed', () => {
    expect(() => parseArxivFeed('<html><body>oops</body></html>')).toThrow(/not an Atom feed/);
  });
});
