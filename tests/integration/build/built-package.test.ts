// The published build (tsc to JavaScript, as `npm run build` makes dist/) works, not only the
// TypeScript sources the other tests run: the CLI starts, and files loaded by path at run
// time (the thread pool's entry) are found beside their compiled importers.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { parseJson } from '../../../core/index.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const run = promisify(execFile);

test('the compiled CLI starts, the compiled thread pool runs a tool, the compiled JS sandbox runs code', async () => {
  // Inside the repository, so the compiled files resolve the project's node_modules.
  const outDir = join(root, `.build-test-${randomUUID().slice(0, 8)}`);
  try {
    await run(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'].concat([
        '--outDir',
        outDir,
        '--declaration',
        'false',
        '--declarationMap',
        'false',
      ]),
      { cwd: root, timeout: 120_000 },
    );
    const help = await run(process.execPath, [join(outDir, 'workers', 'cli', 'main.js'), '--help']);
    expect(help.stdout).toMatch(/worker/);
    expect(help.stdout).toMatch(/run-code/);
    // The compiled CLI finds package.json from its deeper place in the build.
    const { version } = parseJson(await readFile(join(root, 'package.json'), 'utf8')) as {
      version: string;
    };
    const printed = await run(process.execPath, [join(outDir, 'workers', 'cli', 'main.js'), '-V']);
    expect(printed.stdout).toBe(`${version}\n`);

    const script = `
      const { ThreadToolPool } = await import(${JSON.stringify(join(outDir, 'workers', 'index.js'))});
      const pool = await ThreadToolPool.start({
        modules: [{ module: ${JSON.stringify(join(root, 'tests', 'fixtures', 'tools', 'fibonacci-tool.ts'))} }],
        maxThreads: 1,
      });
      const result = await pool.actions[0].run({ inputs: { n: 20 } });
      console.log(JSON.stringify(result));
      await pool.close();
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      timeout: 60_000,
    });
    const result = parseJson(stdout) as { errmsg: string | null; result: { content: string }[] };
    expect(result.errmsg).toBeNull();
    expect(result.result[0]?.content).toBe('6765');

    // The JS sandbox forks its host and starts its pool threads from compiled files too.
    const jsScript = `
      const { JsSandboxProvider } = await import(${JSON.stringify(join(outDir, 'sandboxes', 'index.js'))});
      const js = await JsSandboxProvider.start({ threads: 1 });
      const session = await js.create();
      await session.runCode({ code: 'let n = 20' });
      const execution = await session.runCode({ code: 'n + 1' });
      console.log(JSON.stringify(execution.results));
      await js.close();
    `;
    const js = await run(process.execPath, ['--input-type=module', '-e', jsScript], {
      cwd: root,
      timeout: 60_000,
    });
    expect(parseJson(js.stdout)).toEqual([{ text: '21', json: 21, isMainResult: true }]);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
