import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Registry } from 'prom-client';

export interface WorkerHealthServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * GET /health: the worker's report plus its event loop's delay (p99, ms), which stays low
 * while CPU-bound tools run on the thread pool. 200 while serving, 503 while draining.
 * GET /metrics (when given a registry): its Prometheus text.
 */
export async function startHealthServer({
  port,
  host = '127.0.0.1',
  report,
  metrics,
}: {
  port: number;
  host?: string;
  report: () => Record<string, unknown>;
  /** Served at GET /metrics. @default no /metrics */
  metrics?: Pick<Registry, 'contentType' | 'metrics'>;
}): Promise<WorkerHealthServer> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const server = createServer((request, response) => {
    if (request.url === '/metrics' && metrics) {
      metrics.metrics().then(
        (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
      return;
    }
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
