// A Bing Web Search v7 stand-in on 127.0.0.1 that answers every query with one recorded
// answer: the offline demo's and the tests' third-party web API. It checks the key header as
// Bing does, so a search provider misconfigured here fails as it would there.
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const RECORDED_SEARCH_API_KEY = 'recorded-search-key';

export interface RecordedSearchServer {
  /** The search endpoint, for BingSearch's `baseUrl`. */
  url: string;
  /** The queries received, in order. */
  queries: string[];
  close(): Promise<void>;
}

export async function startRecordedSearchServer({
  answer,
  apiKey = RECORDED_SEARCH_API_KEY,
}: {
  answer: unknown;
  apiKey?: string;
}): Promise<RecordedSearchServer> {
  const queries: string[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET' || url.pathname !== '/v7.0/search') {
      send(404, { _type: 'ErrorResponse', errors: [{ code: 'NotFound', message: url.pathname }] });
      return;
    }
    if (request.headers['ocp-apim-subscription-key'] !== apiKey) {
      send(401, { error: { code: 'PermissionDenied', message: 'Access denied: invalid key' } });
      return;
    }
    queries.push(url.searchParams.get('q') ?? '');
    send(200, answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v7.0/search`,
    queries,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
