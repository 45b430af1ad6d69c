import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface WorkerHealthServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * GET /health: the worker's report plus its event loop's delay (p99, ms), which stays low
 * while CPU-bound tools run on the thread pool. 200 while serving, 503 while draining.
 */
export async function startHealthServer({
  port,
  host = '127.0.0.1',
  report,
}: {
  port: number;
  host?: string;
  report: () => Record<string, unknown>;
}): Promise<WorkerHealthServer> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const server = createServer((request, response) => {
    if (request.url !== '/health') {
      response.writeHead(404).end();
      return;
    }
    const body: Record<string, unknown> = {
      ...report(),
      eventLoopDelayP99Ms: Math.round(delay.percentile(99) / 1e4) / 100,
    };
    delay.reset();
    response
      .writeHead(body['status'] === 'ok' ? 200 : 503, { 'content-type': 'application/json' })
      .end(JSON.stringify(body));
  });
  server.listen(port, host);
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}/health`,
    close: () =>
      new Promise<void>((resolve) => {
        delay.disable();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
