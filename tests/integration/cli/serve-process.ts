// `lagent serve` started as a child process, for the CLI tests that need one.
import { spawn } from 'node:child_process';
import { safeParseJson } from '../../../core/index.ts';
import { cliMain } from './cli-process.ts';

/** Starts `lagent serve`; resolves with its URL once it logs that it serves. */
export async function startServe(args: readonly string[], env: NodeJS.ProcessEnv) {
  const child = spawn(
    process.execPath,
    [cliMain, 'serve', '--port', '0', '--log-format', 'json', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    },
  );
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (let index = buffered.indexOf('\n'); index !== -1; index = buffered.indexOf('\n')) {
        const parsed = safeParseJson(buffered.slice(0, index));
        buffered = buffered.slice(index + 1);
        const record = parsed.success ? (parsed.value as Record<string, unknown>) : {};
        if (typeof record['url'] === 'string' && String(record['msg']).startsWith('serving on')) {
          resolve(record['url']);
        }
      }
    });
    void exited.then((code) => reject(new Error(`lagent serve exited (${code}): ${stderr}`)));
  });
  /** Everything it has printed so far (its log lines). */
  const output = () => stdout + stderr;
  return { child, url, exited, output };
}
