// `lagent eval` on the checked-in problem sets, as a person runs it: embedded (no Redis, the
// fork-server containers in the CLI's own process) on both sets at once, and through Redis to
// a `lagent worker` process on the MBPP set. Every item's outcome must be the one its
// `expected` field names: a hanging program times out alone, a crashing one fails alone.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { isPlainObject, parseJson } from '../../../core/index.ts';
import { DEFAULT_EVAL_PROGRAMS_PER_JOB } from '../../../workers/eval/eval-runner.ts';
import { purgeQueue } from '../../../workers/queue/purge-queue.ts';
import { redisUrl, requireDocker, requireRedis } from '../../support/services.ts';
import { call, startTestService } from '../../support/service-fixture.ts';
import { startWorkerProcess } from '../../support/worker-process.ts';
import type { CliRun } from './cli-process.ts';
import { root, runLagent } from './cli-process.ts';

const fixtures = join(root, 'tests', 'fixtures', 'eval');
const HUMANEVAL = join(fixtures, 'problems-humaneval.jsonl');
const MBPP = join(fixtures, 'problems-mbpp.jsonl');
const OUTCOMES = ['passed', 'failed', 'timeout', 'crash'] as const;
type Outcome = (typeof OUTCOMES)[number];

interface FixtureItem {
  id: string;
  expected: Outcome;
}

interface ResultLine {
  id: string;
  passed: boolean;
  status: string;
  error: string | null;
  timeMs: number;
  expected?: string;
}

/** A problem set's ids and expected outcomes, read straight from its JSONL. */
async function fixtureItems(path: string): Promise<FixtureItem[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const record = parseJson(line);
      if (!isPlainObject(record)) throw new Error(`not an object: ${line}`);
      const expected = record['expected'];
      if (!OUTCOMES.includes(expected as Outcome))
        throw new Error(`unknown expected ${String(expected)} in ${line.slice(0, 80)}`);
      return { id: String(record['task_id']), expected: expected as Outcome };
    });
}

/** The env of a CLI run: no service URL, and Redis only when given. */
function cliEnv(redis?: string): NodeJS.ProcessEnv {
  const {
    REDIS_URL: _redis,
    LAGENT_URL: _url,
    LAGENT_API_KEY: _key,
    LAGENT_QUEUE: _queue,
    ...env
  } = process.env;
  return redis === undefined ? env : { ...env, REDIS_URL: redis };
}

function describeRun(run: CliRun): string {
  return `exit ${run.code ?? run.signal}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
}

/**
 * Everything a finished `lagent eval` run must show for these items: one results line per
 * item with its expected outcome, the exact pass@1 line, and progress ending at the total.
 */
async function expectExactRun({
  run,
  outPath,
  items,
}: {
  run: CliRun;
  outPath: string;
  items: readonly FixtureItem[];
}): Promise<void> {
  expect(run.code, describeRun(run)).toBe(0);
  const total = items.length;
  const text = await readFile(outPath, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  const lines = text.slice(0, -1).split('\n');
  expect(lines).toHaveLength(total);
  const results = lines.map((line) => parseJson(line) as ResultLine);

  // One line per item: the same ids, none twice, none missing.
  const ids = results.map((result) => result.id);
  expect(new Set(ids).size).toBe(total);
  expect([...ids].sort()).toEqual(items.map((item) => item.id).sort());

  const expectedOf = new Map(items.map((item) => [item.id, item.expected]));
  for (const result of results) {
    const expected = expectedOf.get(result.id);
    const context = `${result.id} (expected ${expected}): ${JSON.stringify(result)}`;
    expect(result.expected, context).toBe(expected);
    expect(result.status, context).toBe('completed');
    expect(result.passed, context).toBe(expected === 'passed');
    expect(typeof result.timeMs, context).toBe('number');
    if (expected === 'passed') expect(result.error, context).toBeNull();
    else expect(result.error, context).toEqual(expect.any(String));
  }
  // Only the hanging programs timed out: each was stopped alone, and none of the programs
  // running next to it (or queued behind it) was held up to its deadline.
  const timedOut = results.filter((result) => result.error === 'TimeoutError');
  expect(timedOut.map((result) => result.id).sort()).toEqual(
    items
      .filter((item) => item.expected === 'timeout')
      .map((item) => item.id)
      .sort(),
  );

  const passed = items.filter((item) => item.expected === 'passed').length;
  const failed = total - passed;
  const summary = run.stdout.split('\n').find((line) => line.startsWith('pass@1: '));
  expect(summary, run.stdout).toBeDefined();
  expect(summary).toContain(
    `pass@1: ${(passed / total).toFixed(4)} (${passed}/${total} passed, ${failed} failed)`,
  );
  expect(summary).toContain(`results in ${outPath}`);

  // Off a terminal: plain progress lines, counting up to the total.
  const progress = run.stderr.split('\n').filter((line) => line.startsWith('[eval] '));
  expect(progress.length, run.stderr).toBeGreaterThan(1);
  const done = progress.map((line) => Number(/^\[eval\] (\d+)\//.exec(line)?.[1]));
  expect(done).toEqual([...done].sort((a, b) => a - b));
  expect(new Set(done).size).toBe(done.length);
  expect(progress.at(-1)).toMatch(
    new RegExp(
      `^\\[eval\\] ${total}/${total} items, [\\d.]+ items/s, passed ${passed}, failed ${failed}, ETA 0s$`,
    ),
  );
}

test('eval without Redis: both problem sets, each outcome as expected, exact pass@1', async () => {
  await requireDocker();
  const items = [...(await fixtureItems(HUMANEVAL)), ...(await fixtureItems(MBPP))];
  // The fixtures hold every kind of outcome, so each check below bites.
  for (const outcome of OUTCOMES)
    expect(items.some((item) => item.expected === outcome)).toBe(true);
  const dir = await mkdtemp(join(tmpdir(), 'lagent-eval-test-'));
  try {
    const dataset = join(dir, 'combined.jsonl');
    const texts = await Promise.all([readFile(HUMANEVAL, 'utf8'), readFile(MBPP, 'utf8')]);
    await writeFile(dataset, texts.map((text) => text.replace(/\n*$/, '\n')).join(''));
    const outPath = join(dir, 'combined.results.jsonl');
    const run = await runLagent(
      [
        'eval',
        dataset,
        '--out',
        outPath,
        '--timeout-ms',
        '3000',
        '--concurrency',
        '4',
        // One run-code job a program (the batched default runs through Redis below).
        '--programs-per-job',
        '1',
        '--fresh-containers',
        '2',
      ],
      { env: cliEnv() },
    );
    await expectExactRun({ run, outPath, items });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Jobs of a kind a worker has counted, from its /metrics. */
async function jobsCounted(healthUrl: string, kind: string): Promise<number> {
  const response = await fetch(new URL('/metrics', healthUrl));
  const text = await response.text();
  let count = 0;
  for (const match of text.matchAll(/^lagent_jobs_total\{([^}]*)\} (\d+)$/gm)) {
    if (match[1]?.includes(`kind="${kind}"`)) count += Number(match[2]);
  }
  return count;
}

test('eval through Redis: a worker process runs the MBPP set, each outcome as expected', async () => {
  await requireRedis();
  await requireDocker();
  const items = await fixtureItems(MBPP);
  const queueName = `test-eval-${randomUUID().slice(0, 8)}`;
  const dir = await mkdtemp(join(tmpdir(), 'lagent-eval-test-'));
  const worker = await startWorkerProcess({
    queueName,
    namePrefix: queueName,
    concurrency: 4,
    extraArgs: ['--pool-size', '0', '--fresh-containers', '2'],
  });
  try {
    const outPath = join(dir, 'mbpp.results.jsonl');
    // REDIS_URL is not set: the flags alone send the jobs to the worker.
    const run = await runLagent(
      [
        'eval',
        MBPP,
        '--out',
        outPath,
        '--redis-url',
        redisUrl().href,
        '--queue',
        queueName,
        '--timeout-ms',
        '3000',
        '--concurrency',
        '4',
      ],
      { env: cliEnv() },
    );
    await expectExactRun({ run, outPath, items });
    // The worker process ran them (not a backend in the CLI), DEFAULT_EVAL_PROGRAMS_PER_JOB
    // programs to a run-batch job.
    await expect
      .poll(() => jobsCounted(worker.healthUrl, 'run-batch'), { timeout: 30_000, interval: 200 })
      .toBe(Math.ceil(items.length / DEFAULT_EVAL_PROGRAMS_PER_JOB));
  } finally {
    await worker.stop();
    await purgeQueue({ queueName });
    await rm(dir, { recursive: true, force: true });
  }
});

test('eval through a service (--url): the run is one batch, whose counts are the results', async () => {
  const items = await fixtureItems(HUMANEVAL);
  const service = await startTestService({ mode: 'embedded' });
  const dir = await mkdtemp(join(tmpdir(), 'lagent-eval-test-'));
  try {
    const outPath = join(dir, 'humaneval.results.jsonl');
    const run = await runLagent(
      ['eval', HUMANEVAL, '--out', outPath, '--url', service.url, '--timeout-ms', '3000'],
      { env: cliEnv() },
    );
    await expectExactRun({ run, outPath, items });
    const batchLine = /^\[eval\] batch (\S+) on /m.exec(run.stderr);
    expect(batchLine, run.stderr).not.toBeNull();
    const passed = items.filter((item) => item.expected === 'passed').length;
    // The batch counts each end as the service sees it: wait for the last one.
    await expect
      .poll(
        async () =>
          (await call({ url: service.url, path: `/v1/batches/${batchLine?.[1] ?? ''}` })).body,
        { timeout: 30_000, interval: 100 },
      )
      .toMatchObject({
        name: 'problems-humaneval.jsonl',
        total: items.length,
        submitted: items.length,
        ended: items.length,
        passed,
        failed: items.length - passed,
        passRate: passed / items.length,
      });
  } finally {
    await service.close();
    await rm(dir, { recursive: true, force: true });
  }
});
