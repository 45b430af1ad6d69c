// Figures and other rich output come back as files whose paths are printed, not as base64 on
// the terminal; output the sandbox cut says so.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { purgeQueue } from '../../../workers/queue/purge-queue.ts';
import { redisUrl, requireDocker, requireRedis } from '../../support/services.ts';
import type { WorkerProcess } from '../../support/worker-process.ts';
import { startWorkerProcess } from '../../support/worker-process.ts';
import { runLagent } from './cli-process.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// The sandbox's kernel draws with matplotlib's inline backend: plt.show() displays the figure.
const figureCode = 'import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()';

const queueName = `test-${randomUUID().slice(0, 8)}`;
let worker: WorkerProcess;
let env: NodeJS.ProcessEnv;
let outDir: string;
const removeAfter: string[] = [];

beforeAll(async () => {
  await requireRedis();
  await requireDocker();
  env = { ...process.env, REDIS_URL: redisUrl().href };
  outDir = await mkdtemp(join(tmpdir(), 'lagent-cli-test-'));
  removeAfter.push(outDir);
  worker = await startWorkerProcess({ queueName, namePrefix: queueName });
});

afterAll(async () => {
  await worker?.stop();
  await purgeQueue({ queueName });
  await Promise.all(removeAfter.map((dir) => rm(dir, { recursive: true, force: true })));
});

const lagent = (args: string[]) => runLagent([...args, '--queue', queueName], { env });

/** The files a run printed as `[kind](path)` lines. */
function savedFiles(stdout: string): { kind: string; path: string }[] {
  return [...stdout.matchAll(/^\[(\w+)\]\((.+)\)$/gm)].map(([, kind = '', path = '']) => ({
    kind,
    path,
  }));
}

test('run-code saves a matplotlib figure as a PNG in --out-dir and prints its path', async () => {
  const run = await lagent(['run-code', '--out-dir', outDir, figureCode]);
  expect(run.code).toBe(0);
  const files = savedFiles(run.stdout);
  expect(files).toHaveLength(1);
  expect(files[0]?.kind).toBe('png');
  expect(dirname(files[0]?.path ?? '')).toBe(outDir);
  expect((await readFile(files[0]?.path ?? '')).subarray(0, 8)).toEqual(PNG_SIGNATURE);
  expect(run.stdout).not.toContain('iVBORw0KGgo'); // no base64 PNG on the terminal
  expect(run.stdout).not.toContain('<Figure size'); // nor the figure's repr
});

test('without --out-dir a fresh temporary directory is used and printed once', async () => {
  const run = await lagent(['run-code', `${figureCode}\nplt.plot([2, 1])\nplt.show()`]);
  expect(run.code).toBe(0);
  const notices = run.stderr.match(/rich output \(figures, HTML\) is saved under (\S+)/g) ?? [];
  expect(notices).toHaveLength(1);
  const dir = /saved under (\S+)/.exec(run.stderr)?.[1] ?? '';
  removeAfter.push(dir);
  const files = savedFiles(run.stdout);
  expect(files.map(({ kind }) => kind)).toEqual(['png', 'png']);
  for (const { path } of files) {
    expect(dirname(path)).toBe(dir);
    expect((await readFile(path)).subarray(0, 8)).toEqual(PNG_SIGNATURE);
  }
});

test("submit saves an ActionReturn's image (a data URL) as a file", async () => {
  const args = JSON.stringify({ command: `${figureCode}\nprint("drawn")` });
  const run = await lagent([
    'submit',
    '--tool',
    'IPythonInteractive',
    '--args',
    args,
    '--out-dir',
    outDir,
  ]);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^drawn\n\[image\]\(/);
  expect(run.stdout).not.toContain('data:image');
  const [image] = savedFiles(run.stdout);
  expect(image?.path.endsWith('.png')).toBe(true);
  expect((await readFile(image?.path ?? '')).subarray(0, 8)).toEqual(PNG_SIGNATURE);
});

test('output the sandbox cut ends with its truncation notice', async () => {
  const run = await lagent(['run-code', 'print("x" * 1_500_000)']);
  expect(run.code).toBe(0);
  expect(run.stdout.length).toBeLessThanOrEqual(1_000_000);
  expect(run.stderr).toMatch(
    /^\[output truncated: more than \d+ bytes; \d+ bytes were dropped\]\n$/,
  );
});
