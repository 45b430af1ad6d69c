import type { Command } from 'commander';
import type { QueueStatus, WorkerInfo } from '../queue/job-backend.ts';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../queue/redis-connection.ts';
import type { QueueFlags } from './cli-options.ts';
import { addQueueOptions } from './cli-options.ts';
import { EXIT_OK } from './exit-codes.ts';
import { runJobCommand } from './job-command.ts';
import { openRedisJobs } from './job-connection.ts';

interface StatusCommandOptions extends QueueFlags {
  json?: boolean;
}

/** 3725000 → "1h 2m", 65000 → "1m 5s". */
export function formatUptime(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const [d, h, m, s] = [
    Math.floor(seconds / 86_400),
    Math.floor(seconds / 3600) % 24,
    Math.floor(seconds / 60) % 60,
    seconds % 60,
  ];
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

const field = (health: Record<string, unknown>, key: string): string => {
  const value = health[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '-';
};

function workerRow({ workerId, health }: WorkerInfo): string[] {
  const uptimeMs = health['uptimeMs'];
  return [
    workerId,
    field(health, 'host'),
    typeof uptimeMs === 'number' ? formatUptime(uptimeMs) : '-',
    field(health, 'active'),
    field(health, 'sessions'),
    field(health, 'status'),
  ];
}

/** The queue's status as a person reads it: a summary line, then one row per live worker. */
export function formatStatus(status: QueueStatus): string {
  const count = status.workers.length;
  const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const lines = [
    `queue ${status.queue}: ${plural(count, 'worker')}, ${status.waiting} waiting, ${status.active} active, ${plural(status.sessions, 'session')}`,
  ];
  if (count === 0) {
    lines.push(
      `no worker is serving queue ${status.queue} (start one with \`lagent worker --queue ${status.queue}\`)`,
    );
    return lines.join('\n');
  }
  const rows = [
    ['WORKER', 'HOST', 'UPTIME', 'ACTIVE', 'SESSIONS', 'STATUS'],
    ...status.workers.map(workerRow),
  ];
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  for (const row of rows) {
    lines.push(
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    );
  }
  return lines.join('\n');
}

export function registerStatusCommand(program: Command): void {
  const command = program
    .command('status')
    .description('Show the live workers and what the queue holds')
    .option('--json', 'print the status as JSON');
  addQueueOptions(command, { embedded: false, connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS });
  command.action((options: StatusCommandOptions) =>
    runJobCommand(async ({ signal }) => {
      const jobs = await openRedisJobs({ flags: options, signal });
      try {
        const status = await jobs.queueStatus();
        process.stdout.write(
          `${options.json ? JSON.stringify(status, null, 2) : formatStatus(status)}\n`,
        );
        return EXIT_OK;
      } finally {
        await jobs.close();
      }
    }),
  );
}
