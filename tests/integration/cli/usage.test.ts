// What a person meets before any job runs: the version, the binary in a fresh clone (no
// build), and mistakes in the flags, each one line naming the flag.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { parseJson } from '../../../core/index.ts';
import { EXIT_CANNOT_RUN } from '../../../workers/cli/exit-codes.ts';
import { expectOneErrorLine, root, runLagent } from './cli-process.ts';

const manifest = parseJson(await readFile(join(root, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  files: string[];
};

test('--version prints the package version', async () => {
  for (const flag of ['--version', '-V']) {
    expect(await runLagent([flag])).toMatchObject({ code: 0, stdout: `${manifest.version}\n` });
  }
});

test('a bad --args names the flag', async () => {
  const bad = await runLagent(['submit', '--tool', 'Echo', '--args', '{bad'], {
    env: { ...process.env, REDIS_URL: '' },
  });
  expect(bad.code).toBe(EXIT_CANNOT_RUN);
  expect(expectOneErrorLine(bad)).toMatch(/^lagent: --args is not valid JSON: \S/);
  const notObject = await runLagent(['submit', '--tool', 'Echo', '--args', '[1]']);
  expect(expectOneErrorLine(notObject)).toMatch(/^lagent: --args must be a JSON object/);
});

test('submit --no-wait without Redis is refused: the job would die with the command', async () => {
  const run = await runLagent(['submit', '--tool', 'Echo', '--no-wait'], {
    env: { ...process.env, REDIS_URL: '' },
  });
  expect(run.code).toBe(EXIT_CANNOT_RUN);
  expect(expectOneErrorLine(run)).toMatch(/^lagent: --no-wait needs Redis/);
});

test('bad flag values are refused before anything starts', async () => {
  const kata = await runLagent(['demo', '--runtime', 'kata']);
  expect(kata.code).toBe(EXIT_CANNOT_RUN);
  expect(expectOneErrorLine(kata)).toBe(
    "lagent: option '--runtime <runtime>' argument 'kata' is invalid. Allowed choices are runc, runsc.",
  );
  const timeout = await runLagent(['run-code', '--timeout-ms', 'soon', 'print(1)']);
  expect(expectOneErrorLine(timeout)).toContain("'--timeout-ms <ms>' argument 'soon' is invalid");
  const tools = await runLagent(['worker', '--tools', 'ipython,shell']);
  expect(expectOneErrorLine(tools)).toContain('unknown tool shell');
  const cpus = await runLagent(['worker', '--cpus', '-1']);
  expect(expectOneErrorLine(cpus)).toContain(
    "'--cpus <n>' argument '-1' is invalid. expected a number of at least 0",
  );
  const maxTimeout = await runLagent(['worker', '--max-timeout-ms', '1.5']);
  expect(expectOneErrorLine(maxTimeout)).toContain(
    "'--max-timeout-ms <ms>' argument '1.5' is invalid",
  );
  const unknown = await runLagent(['run-cod', 'print(1)']);
  expect(unknown.code).toBe(EXIT_CANNOT_RUN);
  expect(unknown.stderr).toMatch(/^lagent: unknown command 'run-cod'/);
});

test('bin/lagent.js runs the TypeScript source without dist/, and the build when there is one', async () => {
  expect(manifest.bin['lagent']).toBe('bin/lagent.js');
  expect(manifest.files).toContain('bin');
  // A copy of the package's layout, so the repository's own dist/ (if built) does not count.
  const clone = await mkdtemp(join(tmpdir(), 'lagent-bin-test-'));
  try {
    await cp(join(root, 'bin'), join(clone, 'bin'), { recursive: true });
    await symlink(join(root, 'workers'), join(clone, 'workers'));
    const wrapper = join(clone, 'bin', 'lagent.js');
    expect(await runLagent(['--version'], { script: wrapper, cwd: clone })).toMatchObject({
      code: 0,
      stdout: `${manifest.version}\n`,
    });

    await mkdir(join(clone, 'dist', 'workers', 'cli'), { recursive: true });
    await writeFile(
      join(clone, 'dist', 'workers', 'cli', 'main.js'),
      'console.log("built", process.argv.slice(2).join(" "));\n',
    );
    expect(await runLagent(['--version'], { script: wrapper, cwd: clone })).toMatchObject({
      code: 0,
      stdout: 'built --version\n',
    });
  } finally {
    await rm(clone, { recursive: true, force: true });
  }
});

test('`npx lagent` works from the repository root', async () => {
  // npm exec finds `lagent` in the root package's own "bin" and links the package into its
  // cache to run it (npm ci does not link a package's own bin into node_modules/.bin).
  const { stdout } = await promisify(execFile)('npx', ['--no-install', 'lagent', '--version'], {
    cwd: root,
    timeout: 120_000,
  });
  expect(stdout).toBe(`${manifest.version}\n`);
});
