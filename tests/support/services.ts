// Checks for the services integration tests need. They never skip: a missing service is a
// failure that says what to start (`source scripts/setup.sh` starts both).
import { request } from 'node:http';
import type { RequestOptions } from 'node:http';
import { connect } from 'node:net';
import { parseJson } from '../../core/index.ts';

const hint = 'run `source scripts/setup.sh` (or `bash .ci/run`), which installs and starts it';

export const redisUrl = (): URL => new URL(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');

/** Sends PING to Redis; resolves with the reply line or throws a clear error. */
export async function requireRedis({
  timeoutMs = 3_000,
}: { timeoutMs?: number } = {}): Promise<string> {
  const url = redisUrl();
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 6379) });
    const fail = (reason: string) => {
      socket.destroy();
      reject(new Error(`Redis is not reachable at ${url.host} (${reason}): ${hint}`));
    };
    socket.setTimeout(timeoutMs, () => fail('timeout'));
    socket.once('error', (error) => fail(error.message));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.end();
      resolve(data.toString('utf8').trim());
    });
  });
}

function dockerRequestOptions(path: string): RequestOptions {
  const host = process.env['DOCKER_HOST'];
  if (host?.startsWith('tcp://')) {
    const url = new URL(host.replace('tcp://', 'http://'));
    return { host: url.hostname, port: Number(url.port || 2375), path };
  }
  return {
    socketPath: host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock',
    path,
  };
}

/** GETs a Docker engine API path; throws a clear error when the engine does not answer. */
export async function dockerGet(
  path: string,
  { timeoutMs = 5_000 }: { timeoutMs?: number } = {},
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ ...dockerRequestOptions(path), timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if ((res.statusCode ?? 500) >= 400)
          reject(new Error(`Docker answered ${res.statusCode}: ${body}`));
        else resolve(path === '/_ping' ? body : parseJson(body));
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) =>
      reject(new Error(`The Docker engine is not reachable (${error.message}): ${hint}`)),
    );
    req.end();
  });
}

/** Throws unless the Docker engine answers. */
export async function requireDocker(): Promise<void> {
  const pong = await dockerGet('/_ping');
  if (pong !== 'OK') throw new Error(`Docker /_ping answered ${String(pong)}: ${hint}`);
}
