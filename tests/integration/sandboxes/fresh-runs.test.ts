// Fresh-state runs (DockerSandboxProvider.runFresh): with one fork-server container, every
// run below lands in the same container, and none sees what a hostile run before it left:
// files, processes, environment, module state, a full /tmp, signals at its supervisor.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Execution } from '../../../core/index.ts';
import { AbortedError, executionText, parseJson } from '../../../core/index.ts';
import type { DockerSandboxProvider } from '../../../sandboxes/docker/index.ts';
import { RUNTIMES, startTestProvider } from '../../support/docker-sandbox-fixture.ts';

const HOSTILE = `
import json, math, os, signal, socket, subprocess, time
open('/workspace/left.txt', 'w').write('x')
open('/tmp/left.txt', 'w').write('x')
open('/dev/shm/left', 'w').write('x')
os.makedirs('/workspace/locked/inner')
os.chmod('/workspace/locked', 0)
os.environ['LEFT_BEHIND'] = '1'
json.dumps = lambda *args, **kwargs: 'patched'
math.pi = 3
subprocess.Popen(['sleep', '1000'], start_new_session=True)
if os.fork() == 0:
    while True:
        time.sleep(1)
supervisors = [int(pid) for pid in os.listdir('/proc') if pid.isdigit() and os.stat(f'/proc/{pid}').st_uid == 0]
print('supervisors', len(supervisors), os.getppid() in supervisors)
for pid in supervisors:
    for signum in (signal.SIGKILL, signal.SIGSTOP, signal.SIGTERM):
        try:
            os.kill(pid, signum)
            print('signalled', pid, signum)
        except PermissionError:
            pass
try:
    with open('/tmp/fill', 'wb') as handle:
        while True:
            handle.write(b'0' * (1 << 20))
except OSError as error:
    print('tmp full', error.errno)
print('host', socket.gethostname())
`;

const INSPECT = `
import json, math, os, socket
commands = []
for pid in os.listdir('/proc'):
    if pid.isdigit() and int(pid) != os.getpid():
        try:
            commands.append(open(f'/proc/{pid}/cmdline', 'rb').read().replace(b'\\0', b' ').decode().strip())
        except OSError:
            pass
with open('/tmp/room', 'wb') as handle:
    handle.write(b'0' * (8 << 20))
print(json.dumps({
    'host': socket.gethostname(),
    'workspace': sorted(os.listdir('/workspace')),
    'tmp': sorted(name for name in os.listdir('/tmp') if name != 'room'),
    'shm': sorted(os.listdir('/dev/shm')),
    'env': os.environ.get('LEFT_BEHIND'),
    'pi': math.pi,
    'others': commands,
    'uid': os.getuid(),
}))
`;

interface Inspection {
  host: string;
  workspace: string[];
  tmp: string[];
  shm: string[];
  env: string | null;
  pi: number;
  others: string[];
  uid: number;
}

const stdout = (execution: Execution) => execution.logs.stdout.join('');

// What a run may list besides itself: the relay (PID 1), the fork server and its two zygotes
// (one with the common modules preloaded, one with nothing). Nothing the runs before it started.
const SUPERVISORS = 4;

describe.each(RUNTIMES)('fresh runs (%s)', (runtime) => {
  let provider: DockerSandboxProvider;
  const run = (code: string, options: { timeoutMs?: number; memoryMb?: number } = {}) =>
    provider.runFresh({ code, timeoutMs: 20_000, ...options });
  const inspect = async (): Promise<Inspection> => {
    const execution = await run(INSPECT);
    expect(execution.error).toBeNull();
    return parseJson(stdout(execution)) as Inspection;
  };

  beforeAll(async () => {
    provider = await startTestProvider({
      runtime,
      freshContainers: 1,
      tmpSizeMb: 32,
      pidsLimit: 64,
      maxOutputBytes: 100_000,
    });
    await provider.warmUpFresh();
  });
  afterAll(async () => {
    await provider?.close();
  });

  test('a hostile run leaves nothing for the next run in the same container, and its supervisor stands', async () => {
    const hostile = await run(HOSTILE);
    expect(hostile.error).toBeNull();
    const said = stdout(hostile);
    // None of the root processes (the relay, the fork server, the zygotes, one its parent) could be signalled.
    expect(said).toContain(`supervisors ${SUPERVISORS} True`);
    expect(said).not.toContain('signalled');
    expect(said).toMatch(/tmp full 28/); // ENOSPC: /tmp was filled
    const host = /host (\S+)/.exec(said)?.[1];
    expect(host).toBeTruthy();

    const next = await inspect();
    expect(next.host).toBe(host); // the same container
    expect(next.workspace).toEqual([]);
    expect(next.tmp).toEqual(['.lagent-fresh']); // the fork server's own (root's, 0700)
    expect(next.shm).toEqual([]);
    expect(next.env).toBeNull();
    expect(next.pi).toBeCloseTo(Math.PI, 10);
    expect(next.uid).toBe(1000);
    // Only the relay, the fork server and the zygotes: no sleep, no forked child of the last run.
    expect(next.others.some((command) => command.includes('sleep'))).toBe(false);
    expect(next.others, JSON.stringify(next.others)).toHaveLength(SUPERVISORS);
    expect(next.others.every((command) => command.includes('/opt/lagent/driver/'))).toBe(true);
  });

  test('a hang, an exit, a kill, a fork bomb and a memory hog each fail alone', async () => {
    const hang = await run('while True:\n    pass', { timeoutMs: 1_000 });
    expect(hang.timedOut).toBe('killed');
    expect(hang.error?.name).toBe('TimeoutError');
    expect(stdout(await run('print("after hang")'))).toBe('after hang\n');

    const exited = await run('import os\nprint("bye", flush=True)\nos._exit(3)');
    expect(exited.error).toMatchObject({ name: 'ProcessExit' });
    expect(exited.error?.value).toContain('code 3');
    expect(stdout(exited)).toBe('bye\n');

    const killed = await run('import os, signal\nos.kill(os.getpid(), signal.SIGKILL)');
    expect(killed.error?.name).toBe('ProcessKilled');

    const bomb = await run(
      'import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass',
      { timeoutMs: 2_000 },
    );
    expect(bomb.error).not.toBeNull();
    expect(stdout(await run('print("after bomb")'))).toBe('after bomb\n');

    const hog = await run('x = bytearray(2 * 10**9)', { memoryMb: 64 });
    expect(hog.error?.name).toBe('MemoryError');
    const after = await inspect();
    expect(after.others).toHaveLength(SUPERVISORS);
  });

  test('results keep the Execution shape: the last value, figures, tracebacks and capped output', async () => {
    const value = await run('x = 6\nx * 7');
    expect(executionText(value)).toBe('42');

    const figure = await run('import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nNone');
    const png = figure.results.find((result) => result.png !== undefined)?.png ?? '';
    expect(Buffer.from(png, 'base64').subarray(1, 4).toString()).toBe('PNG');
    // plt.show() shows and closes them, as in a notebook (Agg would only warn).
    const shown = await run(
      'import matplotlib.pyplot as plt\nplt.plot([1])\nplt.show()\nplt.plot([2])\nplt.show()\nlen(plt.get_fignums())',
    );
    expect(shown.logs.stderr).toEqual([]);
    expect(shown.results.filter((result) => result.png !== undefined)).toHaveLength(2);
    expect(executionText(shown)).toBe('0');

    const failed = await run('def f():\n    return 1 / 0\nf()');
    expect(failed.error?.name).toBe('ZeroDivisionError');
    expect(failed.error?.traceback).toContain('File "<cell>", line 2, in f');

    const flood = await run('print("y" * 1_000_000)');
    expect(flood.truncated).toBe(true);
    expect(flood.logs.stderr.join('')).toContain('output truncated');
    // A run may keep less than the provider's limit (100,000 bytes here), never more.
    const less = await provider.runFresh({ code: 'print("y" * 5_000)', maxOutputBytes: 1_000 });
    expect(less.truncated).toBe(true);
    expect(stdout(less)).toBe('y'.repeat(1_000));
    const more = await provider.runFresh({
      code: 'print("y" * 300_000)',
      maxOutputBytes: 10_000_000,
    });
    expect(more.truncated).toBe(true);
    expect(stdout(more)).toBe('y'.repeat(100_000));

    const envs = await run('import os\nprint(os.environ["GREETING"])', {});
    expect(envs.error?.name).toBe('KeyError');
    const withEnv = await provider.runFresh({
      code: 'import os\nprint(os.environ["GREETING"])',
      envs: { GREETING: 'hi' },
    });
    expect(stdout(withEnv)).toBe('hi\n');
  });

  test('a run that names a preloaded module is forked with the common modules imported; a standard-library run without them', async () => {
    const named = await run(
      'import sys\nhad = "numpy" in sys.modules\nimport numpy\nnumpy.pi = 3\nprint(had)',
    );
    expect(stdout(named)).toBe('True\n');
    const plain = await run('import sys, json\nprint("numpy" in sys.modules)');
    expect(stdout(plain)).toBe('False\n');
    // The preloaded module as the zygote holds it: the patch above went with its run.
    const again = await run('import numpy\nprint(numpy.pi == 3)');
    expect(stdout(again)).toBe('False\n');
    // An import the scan cannot read takes the preloaded zygote.
    const dynamic = await run(
      'import sys\nprint("pandas" in sys.modules, __import__("json").dumps(1))',
    );
    expect(stdout(dynamic)).toBe('True 1\n');
    // A guess the other way costs time only: the run imports the module itself.
    const hidden = await run('exec("import numpy")\nprint(numpy.arange(3).sum())');
    expect(stdout(hidden)).toBe('3\n');
  });

  test('an abort stops the run itself; the next run starts clean', async () => {
    const controller = new AbortController();
    const running = provider.runFresh({
      code: 'import time\nprint("started", flush=True)\ntime.sleep(600)',
      signal: controller.signal,
      timeoutMs: 600_000,
    });
    setTimeout(() => controller.abort(), 500);
    await expect(running).rejects.toBeInstanceOf(AbortedError);
    const next = await inspect();
    expect(next.others, JSON.stringify(next.others)).toHaveLength(SUPERVISORS);
  });

  test('an abort that follows its run at once is honoured in the same container', async () => {
    const before = await inspect();
    const controller = new AbortController();
    const running = provider.runFresh({
      code: 'import time\ntime.sleep(600)',
      signal: controller.signal,
      timeoutMs: 600_000,
    });
    queueMicrotask(() => controller.abort());
    await expect(running).rejects.toBeInstanceOf(AbortedError);
    // The fork server read the run and its cancel together and stopped the run: the
    // container answered and was kept (a silent one would have been replaced).
    const after = await inspect();
    expect(after.host).toBe(before.host);
    expect(after.others).toHaveLength(SUPERVISORS);
  });
});
