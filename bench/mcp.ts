// MCP in front of the job API, measured in one run against real Redis and a `lagent worker`
// process: `run_python` with `print(1)` over MCP on stdio (a `lagent mcp` child process, as
// an MCP client starts it) and over Streamable HTTP (/mcp of the service), beside the same
// code submitted and waited for through the job API directly; interleaved, p50/p99.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startWorkerProcess } from '../tests/support/worker-process.ts';
import { purgeQueue } from '../workers/queue/purge-queue.ts';
import { RedisJobClient } from '../workers/queue/redis-job-client.ts';
import { startService } from '../workers/service/service.ts';
import { formatMs, sampleInterleaved, summarise } from './stats.ts';

const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const rounds = Number(process.env['BENCH_MCP_ROUNDS'] ?? 200);
const CLI = join(import.meta.dirname, '../workers/cli/main.ts');

const line = (label: string, samples: number[]) => {
  const { p50Ms, p99Ms, count } = summarise(samples);
  return `  ${label.padEnd(44)} p50 ${formatMs(p50Ms).padStart(12)}  p99 ${formatMs(p99Ms).padStart(12)}  (n=${count})`;
};

export async function benchMcp(): Promise<void> {
  const queueName = `bench-${randomUUID().slice(0, 8)}`;
  const worker = await startWorkerProcess({ queueName, namePrefix: queueName });
  const jobs = await RedisJobClient.connect({ redisUrl, queueName });
  const service = await startService({ jobs, port: 0 });
  const http = new Client({ name: 'bench', version: '1' });
  const stdio = new Client({ name: 'bench', version: '1' });
  try {
    await http.connect(new StreamableHTTPClientTransport(new URL('/mcp', service.url)));
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) if (value) env[name] = value;
    await stdio.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, 'mcp', '--redis-url', redisUrl, '--queue', queueName, '--log-level', 'warn'],
        env,
        stderr: 'inherit',
      }),
    );
    console.log(`\nMCP (run_python print(1); Redis, one worker process), queue ${queueName}`);
    const runPython = (client: Client) => async () => {
      const result = await client.callTool({ name: 'run_python', arguments: { code: 'print(1)' } });
      if (result.isError) throw new Error(`run_python failed: ${JSON.stringify(result.content)}`);
    };
    const paths = {
      direct: async () =>
        jobs.wait({
          jobId: await jobs.submit({
            request: { kind: 'run-code', code: 'print(1)', sessionId: 'direct' },
          }),
        }),
      stdio: runPython(stdio),
      http: runPython(http),
    };
    const samples = await sampleInterleaved({ paths, rounds });
    console.log(line('job API directly: submit + wait', samples.direct));
    console.log(line('MCP over stdio: run_python', samples.stdio));
    console.log(line('MCP over Streamable HTTP: run_python', samples.http));
    const p50 = (name: keyof typeof paths) => summarise(samples[name]).p50Ms;
    console.log(
      `  at p50, MCP / direct: stdio ${(p50('stdio') / p50('direct')).toFixed(2)}x (+${formatMs(p50('stdio') - p50('direct'))}), HTTP ${(p50('http') / p50('direct')).toFixed(2)}x (+${formatMs(p50('http') - p50('direct'))})`,
    );
  } finally {
    await stdio.close().catch(() => undefined);
    await http.close().catch(() => undefined);
    await service.close();
    await jobs.close();
    await worker.stop();
    await purgeQueue({ queueName });
  }
}
