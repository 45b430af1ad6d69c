// The Docker sandbox's everyday behaviour, under runc and gVisor: state across calls, rich
// output, errors as data, files, environment variables, callbacks, input(), and one
// execution at a time per session.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { OutputMessage } from '../../../core/index.ts';
import { executionText } from '../../../core/index.ts';
import type { DockerSandboxProvider } from '../../../sandboxes/docker/index.ts';
import { RUNTIMES, startTestProvider } from '../../support/docker-sandbox-fixture.ts';

describe.each(RUNTIMES)('Docker sandbox basics (%s)', (runtime) => {
  let provider: DockerSandboxProvider;
  beforeAll(async () => {
    provider = await startTestProvider({ runtime, poolSize: 1 });
  });
  afterAll(async () => {
    await provider?.close();
  });

  test('keeps state across calls and returns the last value as the main result', async () => {
    const sandbox = await provider.create({ sessionId: 'state' });
    try {
      const first = await sandbox.runCode({ code: 'x = 21\ny = x * 2' });
      expect(first.error).toBeNull();
      const second = await sandbox.runCode({ code: 'print("y is", y)\ny + 1' });
      expect(second.logs.stdout.join('')).toBe('y is 42\n');
      expect(executionText(second)).toBe('43');
      expect(second.executionCount).toBe((first.executionCount ?? 0) + 1);
    } finally {
      await sandbox.close();
    }
  });

  test('a matplotlib figure comes back as PNG', async () => {
    const sandbox = await provider.create();
    try {
      const execution = await sandbox.runCode({
        code: 'import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.show()',
      });
      expect(execution.error).toBeNull();
      const figure = execution.results.find((result) => result.png !== undefined);
      expect(figure?.isMainResult).toBe(false);
      const png = Buffer.from(figure?.png ?? '', 'base64');
      expect(png.subarray(0, 8)).toEqual(
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      );
    } finally {
      await sandbox.close();
    }
  });

  test('a pandas DataFrame comes back as text and HTML', async () => {
    const sandbox = await provider.create();
    try {
      const execution = await sandbox.runCode({
        code: 'import pandas as pd\npd.DataFrame({"a": [1, 2]})',
      });
      expect(execution.results[0]?.text).toContain('a');
      expect(execution.results[0]?.html).toContain('<table');
    } finally {
      await sandbox.close();
    }
  });

  test('a traceback comes back as data, and the session goes on', async () => {
    const sandbox = await provider.create();
    try {
      const execution = await sandbox.runCode({ code: 'def f():\n    return 1 / 0\nf()' });
      expect(execution.error).toMatchObject({
        name: 'ZeroDivisionError',
        value: 'division by zero',
      });
      expect(execution.error?.traceback).toContain('return 1 / 0');
      expect(execution.error?.traceback).not.toContain('\u001b');
      expect(executionText(await sandbox.runCode({ code: '2 + 2' }))).toBe('4');
    } finally {
      await sandbox.close();
    }
  });

  test('the execution after one that raised is run, not aborted by the kernel', async () => {
    // After an error under stop_on_error, ipykernel answers "aborted" (unrun, no output) to
    // the execute requests that reach it before it stops aborting: normally one turn of its
    // event loop, which CPU load can stretch. Here the code widens that window to 30 s, so a
    // request sent with stop_on_error would certainly land in it.
    const sandbox = await provider.create();
    try {
      await sandbox.runCode({ code: 'get_ipython().kernel.stop_on_error_timeout = 30' });
      expect((await sandbox.runCode({ code: '1 / 0' })).error?.name).toBe('ZeroDivisionError');
      const next = await sandbox.runCode({ code: '2 + 2' });
      expect(executionText(next)).toBe('4');
      expect(next.executionCount).not.toBeNull();
    } finally {
      await sandbox.close();
    }
  });

  test('input() fails at once with a clear error instead of hanging', async () => {
    const sandbox = await provider.create();
    try {
      const execution = await sandbox.runCode({ code: 'input("name? ")', timeoutMs: 20_000 });
      expect(execution.error?.name).toBe('StdinNotImplementedError');
      expect(execution.timedOut).toBeUndefined();
    } finally {
      await sandbox.close();
    }
  });

  test('shell commands: !cmd, get_ipython().system(), %%bash and select() on a pty', async () => {
    // IPython runs !cmd through pexpect, which waits on a pty with select() (pselect6): under
    // gVisor the seccomp profile must name it the way gVisor does.
    const sandbox = await provider.create();
    try {
      const bang = await sandbox.runCode({ code: '!echo bang $((6 * 7))', timeoutMs: 30_000 });
      expect(bang.error).toBeNull();
      expect(bang.logs.stdout.join('')).toBe('bang 42\n');
      const system = await sandbox.runCode({
        code: 'get_ipython().system("echo system; exit 3")\nprint(_exit_code)',
        timeoutMs: 30_000,
      });
      expect(system.logs.stdout.join('').replaceAll('\r', '')).toBe('system\n3\n');
      const cell = await sandbox.runCode({ code: '%%bash\necho cell', timeoutMs: 30_000 });
      expect(cell.logs.stdout.join('')).toBe('cell\n');
      const pty = await sandbox.runCode({
        code: 'import os, pty, select\nmain, _ = pty.openpty()\nprint(select.select([main], [], [], 0))',
      });
      expect(pty.error).toBeNull();
      expect(pty.logs.stdout.join('')).toBe('([], [], [])\n');
    } finally {
      await sandbox.close();
    }
  });

  test('files round-trip between the host and the code', async () => {
    const sandbox = await provider.create();
    try {
      await sandbox.writeFile({ path: 'data/in.csv', data: 'a,b\n1,2\n' });
      const execution = await sandbox.runCode({
        code: 'import pandas as pd\ndf = pd.read_csv("data/in.csv")\ndf["c"] = df.a + df.b\ndf.to_csv("out.csv", index=False)',
      });
      expect(execution.error).toBeNull();
      const out = Buffer.from(await sandbox.readFile({ path: 'out.csv' })).toString('utf8');
      expect(out).toBe('a,b,c\n1,2,3\n');
      const binary = Uint8Array.from([0, 1, 2, 253, 254, 255]);
      await sandbox.writeFile({ path: 'blob.bin', data: binary });
      expect(await sandbox.readFile({ path: 'blob.bin' })).toEqual(binary);
      await expect(sandbox.readFile({ path: 'missing.txt' })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    } finally {
      await sandbox.close();
    }
  });

  test('environment variables: per execution (then restored) and for the session', async () => {
    const sandbox = await provider.create();
    try {
      const scoped = await sandbox.runCode({
        code: 'import os\nos.environ.get("TOKEN")',
        envs: { TOKEN: 'once' },
      });
      expect(executionText(scoped)).toBe("'once'");
      const after = await sandbox.runCode({ code: 'print(os.environ.get("TOKEN"))' });
      expect(after.logs.stdout.join('')).toBe('None\n');
      await sandbox.setEnvs({ envs: { MODE: 'session' } });
      expect(executionText(await sandbox.runCode({ code: 'os.environ["MODE"]' }))).toBe(
        "'session'",
      );
    } finally {
      await sandbox.close();
    }
  });

  test('streams stdout, stderr and results to callbacks while the code runs', async () => {
    const sandbox = await provider.create();
    try {
      const seen: string[] = [];
      const stdout: OutputMessage[] = [];
      const execution = await sandbox.runCode({
        code: 'import sys, time\nprint("one", flush=True)\ntime.sleep(0.3)\nprint("two", file=sys.stderr, flush=True)\n7',
        onStdout: (message) => {
          stdout.push(message);
          seen.push(`out:${message.line.trim()}`);
        },
        onStderr: (message) => void seen.push(`err:${message.line.trim()}`),
        onResult: (result) => void seen.push(`result:${result.text ?? ''}`),
      });
      expect(seen).toEqual(['out:one', 'err:two', 'result:7']);
      expect(stdout[0]?.error).toBe(false);
      expect(execution.logs).toEqual({ stdout: ['one\n'], stderr: ['two\n'] });
    } finally {
      await sandbox.close();
    }
  });

  test('runs one execution at a time per session, in call order', async () => {
    const sandbox = await provider.create();
    try {
      const [slow, fast] = await Promise.all([
        sandbox.runCode({ code: 'import time\ntime.sleep(0.5)\norder = ["slow"]' }),
        sandbox.runCode({ code: 'order.append("fast")\norder' }),
      ]);
      expect(slow.error).toBeNull();
      expect(executionText(fast)).toBe("['slow', 'fast']");
    } finally {
      await sandbox.close();
    }
  });

  test('terminal control sequences and invalid UTF-8 never reach the host as such', async () => {
    const sandbox = await provider.create();
    try {
      const execution = await sandbox.runCode({
        code: [
          'import os',
          'print("\\x1b[2J\\x1b]0;title\\x07clear\\x1b[31m red\\x1b[0m\\x08\\x00!")',
          'os.write(1, b"raw \\xff\\xfe bytes\\n")',
          'import time; time.sleep(0.2)',
        ].join('\n'),
      });
      const text = execution.logs.stdout.join('');
      // Escape sequences are removed; other control characters are shown as escapes.
      expect(text).toContain('clear red\\u0008\\u0000!');
      expect(text).toContain('raw \ufffd\ufffd bytes');
      // eslint-disable-next-line no-control-regex -- checking that none are left
      expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    } finally {
      await sandbox.close();
    }
  });
});
