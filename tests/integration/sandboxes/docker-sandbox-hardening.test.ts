// What attackers try here, from inside the sandbox, under runc and gVisor: the network and
// the cloud metadata address, tracing PID 1 or the driver, io_uring, setuid binaries,
// privileges, writing outside the scratch mounts, and exhausting their inodes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { executionText, parseJson } from '../../../core/index.ts';
import type { DockerSandbox, DockerSandboxProvider } from '../../../sandboxes/docker/index.ts';
import { RUNTIMES, startTestProvider } from '../../support/docker-sandbox-fixture.ts';

const ptraceAttach = (pid: string) =>
  `import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nprint(libc.ptrace(16, ${pid}, 0, 0), ctypes.get_errno())`;

describe.each(RUNTIMES)('Docker sandbox hardening (%s)', (runtime) => {
  let provider: DockerSandboxProvider;
  let sandbox: DockerSandbox;
  beforeAll(async () => {
    provider = await startTestProvider({ runtime, tmpfsInodes: 2_000 });
    sandbox = await provider.create();
  });
  afterAll(async () => {
    await sandbox?.close();
    await provider?.close();
  });

  const run = async (code: string, timeoutMs = 30_000) => sandbox.runCode({ code, timeoutMs });

  test('no network: egress, the bridge gateway and 169.254.169.254 are unreachable', async () => {
    const execution = await run(
      [
        'import socket',
        'for host, port in [("1.1.1.1", 53), ("172.17.0.1", 2375), ("169.254.169.254", 80)]:',
        '    try:',
        '        socket.create_connection((host, port), timeout=3)',
        '        print(host, "reachable")',
        '    except OSError as error:',
        '        print(host, "blocked", error.errno)',
        'print([name for _, name in socket.if_nameindex()])',
      ].join('\n'),
    );
    const lines = execution.logs.stdout.join('').trim().split('\n');
    expect(lines.slice(0, 3).every((line) => line.includes(' blocked '))).toBe(true);
    expect(lines[3]).toBe("['lo']");
  });

  test('ptrace of PID 1 and of the driver is refused', async () => {
    const init = await run(ptraceAttach('1'));
    expect(init.logs.stdout.join('')).toMatch(/^-1 (1|13)\n$/);
    const driver = await run(ptraceAttach('__import__("os").getppid()'));
    expect(driver.logs.stdout.join('')).toMatch(/^-1 (1|13)\n$/);
    expect(executionText(await run('"still fine"'))).toBe("'still fine'");
  });

  test('io_uring cannot be set up', async () => {
    const execution = await run(
      'import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nparams = ctypes.create_string_buffer(120)\nprint(libc.syscall(425, 8, params), ctypes.get_errno())',
    );
    expect(execution.logs.stdout.join('')).toMatch(/^-1 (1|38)\n$/);
  });

  test('no setuid binaries, no capabilities, no new privileges, not root', async () => {
    const execution = await run(
      [
        'import os, stat',
        'found = []',
        'for root, dirs, files in os.walk("/", onerror=lambda error: None):',
        '    if root.startswith(("/proc", "/sys")):',
        '        dirs[:] = []',
        '        continue',
        '    for name in files:',
        '        try:',
        '            mode = os.lstat(os.path.join(root, name)).st_mode',
        '        except OSError:',
        '            continue',
        '        if stat.S_ISREG(mode) and mode & (stat.S_ISUID | stat.S_ISGID):',
        '            found.append(os.path.join(root, name))',
        'import ctypes',
        'status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)',
        'no_new_privs = ctypes.CDLL(None).prctl(39, 0, 0, 0, 0)  # PR_GET_NO_NEW_PRIVS',
        'print(found, os.getuid(), status["CapEff"].strip(), no_new_privs)',
      ].join('\n'),
      // 46,000 lstat calls: 1.5 s under runc, 11 s under gVisor on a quiet machine, over 30 s
      // on a loaded one (each goes through the gofer).
      120_000,
    );
    expect(execution.logs.stdout.join('')).toBe('[] 1000 0000000000000000 1\n');
  });

  test('the root filesystem is read-only; /tmp and the work directory are small tmpfs mounts', async () => {
    const execution = await run(
      [
        'import os',
        'for path in ["/etc/evil", "/usr/lib/python3/dist-packages/evil.py", "/opt/lagent/driver/lagent_driver.py"]:',
        '    try:',
        '        open(path, "w").write("x")',
        '        print(path, "written")',
        '    except OSError as error:',
        '        print(path, error.errno)',
        'print(os.statvfs("/tmp").f_blocks * os.statvfs("/tmp").f_frsize // 2**20)',
      ].join('\n'),
    );
    const lines = execution.logs.stdout.join('').trim().split('\n');
    expect(lines.slice(0, 3).every((line) => / (13|30)$/.test(line))).toBe(true);
    expect(Number(lines[3])).toBeLessThanOrEqual(64);
  });

  test.each(['/tmp', '/workspace'])(
    'filling %s with empty files ends in ENOSPC at its inode cap, and the session goes on',
    async (dir) => {
      // Under runc a tmpfs of the host kernel; under gVisor, whose own tmpfs ignores
      // nr_inodes, a host tmpfs volume reached through the gofer: the cap holds under both.
      const execution = await run(
        [
          'import os',
          `os.makedirs("${dir}/many", exist_ok=True)`,
          `print(os.statvfs("${dir}").f_files)`,
          'for i in range(20_000):',
          `    open(f"${dir}/many/{i}", "w").close()`,
        ].join('\n'),
      );
      expect(execution.logs.stdout.join('')).toBe('2000\n');
      expect(execution.error?.name).toBe('OSError');
      expect(execution.error?.value).toContain('No space left on device');
      const after = await run(`import shutil\nshutil.rmtree("${dir}/many")\n21 * 2`);
      expect(executionText(after)).toBe('42');
    },
  );

  test('a kernel forked from the driver holds no more than a new interpreter, and nothing of the driver', async () => {
    // Its descriptors by kind, against a kernel spawned as a new interpreter. Everything the
    // driver holds open that a fork would pass on comes with sockets: the host channel is
    // one, and so is each of its ZeroMQ connections to a kernel. So the sockets must number
    // exactly the new interpreter's, and no other kind may appear. How many eventfds and
    // pipes a kernel holds varies from one probe to the next, with when its threads first
    // publish, forked or spawned alike (24-26 and 4-6 here), so those are not counted.
    // Then its import path and modules.
    const probe = [
      'import json, os, sys, collections',
      'kinds = collections.Counter()',
      'for fd in os.listdir("/proc/self/fd"):',
      '    try:',
      '        kinds[os.readlink(f"/proc/self/fd/{fd}").split(":")[0].split("[")[0]] += 1',
      '    except OSError:',
      '        pass',
      'driver = [m for m in ("lagent_driver", "driver_io", "kernel_process") if m in sys.modules]',
      'print(json.dumps({"fds": kinds, "path": sys.path[0], "driver": driver, "name": __name__}))',
    ].join('\n');
    type Probe = { fds: Record<string, number>; path: string; driver: string[]; name: string };
    // A kernel adds descriptors of its own as it settles, forked or spawned alike (an eventfd
    // once its first execution has ended, pipes while it starts): each kernel is probed on
    // its second execution, after one warm-up call.
    const settledProbe = async (target: DockerSandbox): Promise<Probe> => {
      expect((await target.runCode({ code: '1' })).error).toBeNull();
      const execution = await target.runCode({ code: probe });
      expect(execution.error).toBeNull();
      return parseJson(execution.logs.stdout.join('')) as Probe;
    };
    const spawnedProvider = await startTestProvider({ runtime, kernelStart: 'spawn' });
    const fresh = await provider.create();
    try {
      const spawned = await spawnedProvider.create();
      const [forked, baseline] = await Promise.all([settledProbe(fresh), settledProbe(spawned)]);
      // A kernel forked after a restart too.
      await fresh.restart();
      const restarted = await settledProbe(fresh);
      for (const probed of [forked, restarted]) {
        const seen = JSON.stringify({ probed, baseline });
        expect(probed.fds['socket'], seen).toBeGreaterThan(0);
        expect(probed.fds['socket'], seen).toBe(baseline.fds['socket']);
        expect(
          Object.keys(probed.fds).filter((kind) => !(kind in baseline.fds)),
          seen,
        ).toEqual([]);
        expect({ ...probed, fds: undefined }).toEqual({ ...baseline, fds: undefined });
        expect(probed).toMatchObject({ path: '/workspace', driver: [], name: '__main__' });
      }
      // Kernels start without ipykernel's debugger and IPython's completer; the user's code
      // still imports them.
      const optional = await fresh.runCode({
        code: 'import jedi, debugpy\nprint(jedi.__name__, debugpy.__name__)',
      });
      expect(optional.logs.stdout.join('')).toBe('jedi debugpy\n');
    } finally {
      await fresh.close();
      await spawnedProvider.close();
    }
  });
});
