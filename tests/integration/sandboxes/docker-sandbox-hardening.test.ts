// What attackers try here, from inside the sandbox, under runc and gVisor: the network and
// the cloud metadata address, tracing PID 1 or the driver, io_uring, setuid binaries,
// privileges, writing outside the tmpfs mounts, and exhausting a tmpfs's inodes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { executionText } from '../../../core/index.ts';
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

  const run = async (code: string) => sandbox.runCode({ code, timeoutMs: 30_000 });

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

  test("filling a tmpfs with inodes cannot use up the host's, and the session goes on", async () => {
    const fill =
      'import os\nos.makedirs("/tmp/many", exist_ok=True)\nfor i in range(20_000):\n    open(f"/tmp/many/{i}", "w").close()';
    const execution = await run(fill);
    if (runtime === 'runc') {
      // A host tmpfs: the mount's nr_inodes cap stops it long before the host runs short.
      expect(execution.error?.name).toBe('OSError');
      expect(execution.error?.value).toContain('No space left on device');
    } else {
      // gVisor keeps tmpfs files in the sandbox's own memory: no host inodes are used, the
      // mount has no inode count, and the memory limit is what bounds it.
      expect(execution.error).toBeNull();
      const files = await run('os.statvfs("/tmp").f_files');
      expect(executionText(files)).toBe('0');
    }
    const after = await run('import shutil\nshutil.rmtree("/tmp/many")\n21 * 2');
    expect(executionText(after)).toBe('42');
  });
});
