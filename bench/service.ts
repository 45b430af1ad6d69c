// The HTTP service, measured in one run against real Redis and a `lagent worker` process:
// - `print(1)` submitted and waited for over HTTP (POST /v1/run-code, and POST /v1/jobs plus
//   a long-poll), beside the same through the job API directly, interleaved (p50/p99);
// - reads of an ended job's status: requests per second over HTTP beside direct reads;
// - 1,000 event streams of one running job held at once: the service's memory, and every
//   stream ending with the job's result.
import { randomUUID } from 'node:crypto';
import { Agent, fetch } from 'undici';
import { startWorkerProcess } from '../tests/support/worker-process.ts';
import { purgeQueue } from '../workers/queue/purge-queue.ts';
import { createRedis } from '../workers/queue/redis-keys.ts';
import { RedisJobClient } from '../workers/queue/redis-job-client.ts';
import { startService } from '../workers/service/service.ts';
import { formatMs, sampleInterleaved, summarise } from './stats.ts';

const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const rounds = Number(process.env['BENCH_SERVICE_ROUNDS'] ?? 200);
const readSeconds = Number(process.env['BENCH_SERVICE_READ_SECONDS'] ?? 5);
const streamCount = Number(process.env['BENCH_SERVICE_STREAMS'] ?? 1_000);

const line = (label: string, samples: number[]) => {
  const { p50Ms, p99Ms, count } = summarise(samples);
  return `  ${label.padEnd(44)} p50 ${formatMs(p50Ms).padStart(12)}  p99 ${formatMs(p99Ms).padStart(12)}  (n=${count})`;
};

const rssMb = () => process.memoryUsage().rss / 2 ** 20;

/** Runs `operation` from `concurrency` loops for `seconds`; answers per second. */
async function perSecond(operation: () => Promise<unknown>, seconds: number, concurrency = 16) {
  let done = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        await operation();
        done += 1;
      }
    }),
  );
  return done / seconds;
}

async function redisClients(): Promise<number> {
  const redis = createRedis(redisUrl);
  try {
    return Number(/connected_clients:(\d+)/.exec(await redis.info('clients'))?.[1] ?? 0);
  } finally {
    redis.disconnect();
  }
}

export async function benchService(): Promise<void> {
  const queueName = `bench-${randomUUID().slice(0, 8)}`;
  const worker = await startWorkerProcess({ queueName, namePrefix: queueName });
  const jobs = await RedisJobClient.connect({ redisUrl, queueName });
  const service = await startService({ jobs, port: 0 });
  // Keep-alive connections, as a client library holds them; enough for the stream test.
  const dispatcher = new Agent({ connections: streamCount + 64, pipelining: 1 });
  const post = async (path: string, body: unknown) => {
    const response = await fetch(service.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      dispatcher,
    });
    return (await response.json()) as Record<string, unknown>;
  };
  const get = async (path: string) => {
    const response = await fetch(service.url + path, { dispatcher });
    return (await response.json()) as Record<string, unknown>;
  };
  try {
    console.log(`\nService (HTTP on 127.0.0.1, Redis, one worker process), queue ${queueName}`);
    const code = (session: string) => ({
      kind: 'run-code' as const,
      code: 'print(1)',
      sessionId: session,
    });
    const paths = {
      direct: async () => jobs.wait({ jobId: await jobs.submit({ request: code('direct') }) }),
      runCode: async () => post('/v1/run-code', { code: 'print(1)', sessionId: 'run-code' }),
      submitPoll: async () => {
        const { jobId } = await post('/v1/jobs', { request: code('submit-poll') });
        return get(`/v1/jobs/${String(jobId)}?waitMs=60000`);
      },
    };
    const samples = await sampleInterleaved({ paths, rounds });
    console.log(line('job API directly: submit + wait', samples.direct));
    console.log(line('HTTP: POST /v1/run-code', samples.runCode));
    console.log(line('HTTP: POST /v1/jobs + GET ?waitMs', samples.submitPoll));
    const added = (name: keyof typeof paths) =>
      summarise(samples[name]).p50Ms - summarise(samples.direct).p50Ms;
    console.log(
      `  added by HTTP at p50: run-code ${formatMs(added('runCode'))}, submit + long-poll ${formatMs(added('submitPoll'))} (target: at most 2 ms)`,
    );

    const ended = String((await post('/v1/jobs', { request: code('reads') }))['jobId']);
    await jobs.wait({ jobId: ended });
    const directReads = await perSecond(() => jobs.getJob({ jobId: ended }), readSeconds);
    const httpReads = await perSecond(() => get(`/v1/jobs/${ended}`), readSeconds);
    console.log(
      `  status reads, 16 at a time: HTTP ${httpReads.toFixed(0)}/s, direct ${directReads.toFixed(0)}/s (HTTP / direct = ${(httpReads / directReads).toFixed(2)}x)`,
    );

    const running = String(
      (
        await post('/v1/jobs', {
          request: {
            kind: 'run-code',
            code: 'import time\nprint("x", flush=True)\ntime.sleep(600)',
          },
        })
      )['jobId'],
    );
    const clientsBefore = await redisClients();
    const rssBefore = rssMb();
    let opened = 0;
    let endedStreams = 0;
    const allOpen = Promise.withResolvers<void>();
    const streams = Array.from({ length: streamCount }, async () => {
      const response = await fetch(`${service.url}/v1/jobs/${running}/events`, { dispatcher });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let text = '';
      let counted = false;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        if (!counted && text.includes('event: stdout')) {
          counted = true;
          opened += 1;
          if (opened === streamCount) allOpen.resolve();
        }
        if (text.includes('event: end')) endedStreams += 1;
        if (text.includes('event: end')) break;
      }
    });
    await allOpen.promise;
    const rssHeld = rssMb();
    const clientsHeld = await redisClients();
    await jobs.cancel({ jobId: running });
    await Promise.all(streams);
    console.log(
      `  ${streamCount} event streams of one job held at once: service process RSS ${rssBefore.toFixed(0)} -> ${rssHeld.toFixed(0)} MB (${(((rssHeld - rssBefore) * 1024) / streamCount).toFixed(1)} KB per stream), Redis clients ${clientsBefore} -> ${clientsHeld}; ${endedStreams} of ${streamCount} ended with the result`,
    );
  } finally {
    await service.close();
    await jobs.close();
    await dispatcher.close();
    await worker.stop();
    await purgeQueue({ redisUrl, queueName });
  }
}
