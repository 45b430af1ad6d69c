// What a call reports is what happened, whatever the code does: output that is not valid
// text, attempts on the host channel, exits and kernel deaths, output left running after the
// call. Each hostile snippet runs under runc and gVisor, and the session's state is checked
// after it.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Execution } from '../../../core/index.ts';
import { executionText, parseJson } from '../../../core/index.ts';
import type { DockerSandbox, DockerSandboxProvider } from '../../../sandboxes/docker/index.ts';
import { RUNTIMES, startTestProvider } from '../../support/docker-sandbox-fixture.ts';

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const lateNotice = /^\[\d+ bytes of output from an earlier call were dropped\]\n$/;

/** Every string in an execution, so none can hide a lone surrogate. */
const texts = (execution: Execution): string[] => [
  ...execution.logs.stdout,
  ...execution.logs.stderr,
  ...execution.results.flatMap((result) => Object.values(result).map(String)),
  ...(execution.error
    ? [execution.error.name, execution.error.value, execution.error.traceback]
    : []),
];

// Every descriptor of PID 1, the relay (the driver's parent; PID 1 too, unless the image is run
// under an init) and the driver the code can open, read or write (0 included: stealing the
// host's commands), their memory, and whether it can signal them. The driver's descriptors
// other than sockets (its /dev/null, a wake-up pipe) do not lead to the host.
const PROBE_CHANNEL = `
import json, os
driver = os.getppid()
relay = int(open(f"/proc/{driver}/stat").read().rsplit(")", 1)[1].split()[1])
opened, signalled = [], []
for pid in sorted({1, relay, driver}):
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        fds = [str(fd) for fd in range(64)]
    for fd in fds:
        path = f"/proc/{pid}/fd/{fd}"
        try:
            target = os.readlink(path)
        except OSError:
            target = None
        for flags in (os.O_WRONLY | os.O_NONBLOCK, os.O_RDONLY | os.O_NONBLOCK):
            try:
                handle = os.open(path, flags)
            except OSError:
                continue
            os.close(handle)
            if pid != driver or target is None or target.startswith("socket:"):
                opened.append(f"{pid}/{fd} {target}")
    try:
        os.close(os.open(f"/proc/{pid}/mem", os.O_RDWR))
        opened.append(f"{pid}/mem")
    except OSError:
        pass
for pid in sorted({1, relay}):
    try:
        os.kill(pid, 0)
        signalled.append(pid)
    except OSError:
        pass
relay_uid = [line.split()[1] for line in open(f"/proc/{relay}/status") if line.startswith("Uid:")]
print(json.dumps({"opened": opened, "signalled": signalled, "relay_uid": relay_uid}))
`;

/** Makes the kernel exit right after it publishes the idle status that ends this call. */
const DIE_AFTER_IDLE = `
import os, threading
kept = 1
_session = get_ipython().kernel.session
_send = _session.send
def _send_then_die(stream, msg_or_type, content=None, *args, **kwargs):
    sent = _send(stream, msg_or_type, content, *args, **kwargs)
    if msg_or_type == "status" and (content or {}).get("execution_state") == "idle":
        threading.Timer(0.0, os._exit, [0]).start()
    return sent
_session.send = _send_then_die
`;

describe.each(RUNTIMES)('Docker sandbox truthfulness (%s)', (runtime) => {
  let provider: DockerSandboxProvider;
  let sandbox: DockerSandbox;
  beforeAll(async () => {
    provider = await startTestProvider({ runtime, poolSize: 1, restartGraceMs: 30_000 });
    sandbox = await provider.create();
  });
  afterAll(async () => {
    await sandbox?.close();
    await provider?.close();
  });

  const run = (code: string) => sandbox.runCode({ code, timeoutMs: 60_000 });
  const expectKept = async (name: string, value: string) => {
    const after = await run(`print(${name})`);
    expect(after.error).toBeNull();
    expect(after.logs.stdout.join('')).toBe(`${value}\n`);
  };

  test('text that is not valid UTF-8 comes back with U+FFFD, and the session goes on', async () => {
    await run('kept = 41');
    const snippets = [
      'print("a\\ud800b")',
      'import sys\nsys.stdout.write("\\udcff\\n")',
      'import sys\nsys.stderr.write("\\ud800\\n")',
      'import os\nos.write(1, b"\\xff\\xfe\\n")',
      'class S:\n    def __repr__(self):\n        return "\\udcff"\ndisplay(S())\nS()',
      'raise ValueError("bad \\ud800 text")',
    ];
    for (const code of snippets) {
      const execution = await run(code);
      expect(execution.error?.name, code).not.toBe('SandboxCrashed');
      expect(texts(execution).join(''), code).toContain('\ufffd');
      expect(
        texts(execution).some((text) => loneSurrogate.test(text)),
        code,
      ).toBe(false);
      // jupyter_client's own failure (a tornado traceback) is not the output either.
      expect(execution.logs.stderr.join(''), code).not.toContain('Traceback');
    }
    const raised = await run('raise ValueError("bad \\ud800 text")');
    expect(raised.error).toMatchObject({ name: 'ValueError', value: 'bad \ufffd text' });
    await expectKept('kept + 1', '42');
  });

  test('the code cannot open, read, write or signal the host channel', async () => {
    await run('kept = "channel"');
    const probe = await run(PROBE_CHANNEL);
    expect(probe.error).toBeNull();
    expect(parseJson(probe.logs.stdout.join(''))).toEqual({
      opened: [],
      signalled: [],
      relay_uid: ['0'],
    });
    await expectKept('kept', 'channel');
  });

  test('nothing the sandbox writes grows a file on the host: no container log', async () => {
    await run('import sys\nfor _ in range(200):\n    sys.__stdout__.write("x" * 10_000)');
    const info = await provider.docker.getContainer(sandbox.containerName ?? '').inspect();
    expect(info.HostConfig.LogConfig).toMatchObject({ Type: 'none' });
    expect(info.LogPath).toBe('');
  });

  test('a killed driver loses the session on that same call, saying why; setEnvs outlive the container', async () => {
    await sandbox.setEnvs({ envs: { TRUTH_SESSION_ENV: 'still set' } });
    await run('kept = 1');
    const before = sandbox.containerName;
    const killed = await run('import os, signal\nos.kill(os.getppid(), signal.SIGKILL)');
    expect(killed.error?.name).toBe('SandboxCrashed');
    expect(killed.error?.value).toMatch(/^The sandbox container stopped \(.+\); its state is lost/);
    expect(killed.stateLost).toBe(true);
    const after = await run(
      'import os\nprint("kept" in globals(), os.environ.get("TRUTH_SESSION_ENV"))',
    );
    expect(sandbox.containerName).not.toBe(before);
    expect(after.error).toBeNull();
    expect(after.stateLost ?? false).toBe(false);
    expect(after.logs.stdout.join('')).toBe('False still set\n');
  });

  test('exit(), quit() and ask_exit() are ignored and say so; sys.exit() is an error; state kept', async () => {
    await run('kept = "state"');
    for (const code of ['exit()', 'quit()', 'get_ipython().ask_exit()']) {
      const execution = await run(code);
      expect(execution.error, code).toBeNull();
      expect(execution.logs.stderr, code).toEqual([
        'exit() is ignored in this sandbox: the session goes on\n',
      ]);
    }
    const exited = await run('import sys\nsys.exit(3)');
    expect(exited.error).toMatchObject({ name: 'SystemExit', value: '3' });
    await expectKept('kept', 'state');
  });

  test('os._exit(0) and a SIGKILL to itself are reported on that call, as the kernel dying', async () => {
    for (const [code, cause] of [
      ['import os\nos._exit(0)', 'exit code 0'],
      ['import os, signal\nos.kill(os.getpid(), signal.SIGKILL)', 'killed by SIGKILL'],
    ] as const) {
      await run('kept = 1');
      const execution = await run(code);
      expect(execution.error?.name, code).toBe('KernelDied');
      expect(execution.error?.value, code).toBe(
        `The kernel died (${cause}); its state is lost and a fresh kernel is ready.`,
      );
      const after = await run('print("kept" in globals())');
      expect(after.error).toBeNull();
      expect(after.logs.stdout.join('')).toBe('False\n');
    }
  });

  test('a kernel that exits right after its reply is reported by that call or the next, never later', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const armed = await run(DIE_AFTER_IDLE);
      const next = await run('print("next ran")');
      const reported = [armed, next].filter((execution) => execution.error?.name === 'KernelDied');
      expect(reported).toHaveLength(1);
      // A success is never followed by the code of the next call running on a fresh kernel.
      if (next.error) {
        expect(next.logs.stdout).toEqual([]);
        expect(next.error.value).toMatch(/^The kernel died (while idle )?\(exit code 0\)/);
      } else {
        expect(next.logs.stdout.join('')).toBe('next ran\n');
      }
      const after = await run('print("kept" in globals())');
      expect(after.error).toBeNull();
      expect(after.logs.stdout.join('')).toBe('False\n');
    }
  });

  test("a thread's output after its call ended is dropped, with a notice, not mixed into a later call", async () => {
    const started = await run(
      [
        'import threading, time',
        'lines, stop = [0], threading.Event()',
        'def chatter():',
        '    while not stop.is_set():',
        '        print("late line from call 1")',
        '        lines[0] += 1',
        '        time.sleep(0.005)',
        'threading.Thread(target=chatter, daemon=True).start()',
        'while lines[0] == 0:',
        '    time.sleep(0.001)',
        'print("call 1 done")',
      ].join('\n'),
    );
    expect(started.logs.stdout.join('')).toContain('call 1 done\n');
    // Call 2 waits until the thread has printed more, while call 2 runs, then prints its marker.
    const second = await run(
      'seen = lines[0]\nwhile lines[0] < seen + 20:\n    time.sleep(0.001)\nprint("call 2 marker")',
    );
    expect(second.logs.stdout.join('')).toBe('call 2 marker\n');
    expect(second.logs.stderr).toHaveLength(1);
    expect(second.logs.stderr[0]).toMatch(lateNotice);
    await run('stop.set()');
  });

  test("a child process's output after its call ended is dropped, with a notice", async () => {
    await run(
      [
        'import subprocess, sys',
        "child = subprocess.Popen([sys.executable, \"-c\", \"import os, time\\nwhile True:\\n    os.write(1, b'child line\\\\n')\\n    open('/tmp/progress', 'a').write('.')\\n    time.sleep(0.005)\"])",
        'import os, time',
        'while not os.path.exists("/tmp/progress"):',
        '    time.sleep(0.005)',
      ].join('\n'),
    );
    const second = await run(
      'seen = os.path.getsize("/tmp/progress")\nwhile os.path.getsize("/tmp/progress") < seen + 20:\n    time.sleep(0.005)\nprint("call 2 marker")',
    );
    expect(second.logs.stdout.join('')).toBe('call 2 marker\n');
    expect(second.logs.stderr).toHaveLength(1);
    expect(second.logs.stderr[0]).toMatch(lateNotice);
    await run('child.kill(); child.wait()');
  });

  test("a thread pool's work is attributed to the call that submits it", async () => {
    await run(
      'from concurrent.futures import ThreadPoolExecutor\npool = ThreadPoolExecutor(1)\npool.submit(print, "first").result()',
    );
    const later = await run('pool.submit(print, "submitted by this call").result()');
    expect(later.logs.stdout.join('')).toBe('submitted by this call\n');
    expect(executionText(await run('21 * 2'))).toBe('42');
  });
});
