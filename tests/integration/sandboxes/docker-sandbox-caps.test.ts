// Hostile snippets against the caps on what one call can produce, under runc and gVisor:
// a flood of display() calls, images whose headers declare billions of pixels, a 50 MB
// exception message, threads and processes left spinning after a call, and text that hides
// or reorders what was printed.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { executionText, parseJson } from '../../../core/index.ts';
import type { DockerSandbox, DockerSandboxProvider } from '../../../sandboxes/docker/index.ts';
import { DEFAULT_MAX_RESULTS, DEFAULT_SANDBOX_LIMITS } from '../../../sandboxes/docker/index.ts';
import type { ContainerHandle } from '../../../sandboxes/docker/container-launcher.ts';
import { launchContainer, removeContainer } from '../../../sandboxes/docker/container-launcher.ts';
import type { DriverFrame } from '../../../sandboxes/docker/driver-frames.ts';
import { RUNTIMES, startTestProvider } from '../../support/docker-sandbox-fixture.ts';

// A real PNG: 1-bit greyscale, every row blank, compressed row by row (about 200 KB for
// 40000x40000; 200 MB of pixels once decoded).
const pngSource = `
import struct, zlib
def png(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    packer, row, parts = zlib.compressobj(9), bytes(1 + (width + 7) // 8), []
    for _ in range(height):
        parts.append(packer.compress(row))
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")
`;

const spinCode = [
  'import multiprocessing, threading',
  'def spin():',
  '    while True:',
  '        pass',
  'for _ in range(3):',
  '    threading.Thread(target=spin, daemon=True).start()',
  'for _ in range(2):',
  '    multiprocessing.Process(target=spin).start()',
  'print("left spinning")',
].join('\n');

describe.each(RUNTIMES)('Docker sandbox caps (%s)', (runtime) => {
  let provider: DockerSandboxProvider;
  let sandbox: DockerSandbox;
  beforeAll(async () => {
    provider = await startTestProvider({ runtime });
    sandbox = await provider.create();
  });
  afterAll(async () => {
    await sandbox?.close();
    await provider?.close();
  });

  const run = (code: string, timeoutMs = 60_000) => sandbox.runCode({ code, timeoutMs });

  test(
    '200,000 display() calls: 100 outputs, one marker, the value kept',
    { timeout: 300_000 },
    async () => {
      await run('kept = 41');
      const execution = await run(
        'from IPython.display import display\nfor i in range(200_000):\n    display(i)\n"done"',
        240_000,
      );
      expect(execution.error).toBeNull();
      expect(execution.results).toHaveLength(DEFAULT_MAX_RESULTS + 1);
      expect(execution.results.slice(0, 3).map((result) => result.text)).toEqual(['0', '1', '2']);
      expect(executionText(execution)).toBe("'done'");
      expect(execution.truncated).toBe(true);
      expect(execution.logs.stderr).toEqual([
        `[199900 more rich outputs were dropped: at most ${DEFAULT_MAX_RESULTS} per call]\n`,
      ]);
      expect(executionText(await run('kept + 1'))).toBe('42');
    },
  );

  test('the kernel and the driver each stop sending displays past their caps', async () => {
    // The kernel's cap comes with the container (5); the driver's with each execution.
    let handle: ContainerHandle | undefined;
    try {
      handle = await launchContainer({
        docker: provider.docker,
        options: { ...provider.options, maxResults: 5 },
        owner: provider.owner,
        namePrefix: `test-driver-caps-${runtime}`,
      });
      const connection = handle.connection;
      const frames: DriverFrame[] = [];
      let ended: (() => void) | undefined;
      handle.listener = (event) => {
        if (event.type !== 'frame') return;
        frames.push(event.frame);
        if (event.frame.t === 'end') ended?.();
      };
      const execute = async (id: number, maxResults: number) => {
        frames.length = 0;
        const done = new Promise<void>((resolve) => (ended = resolve));
        connection.send({
          op: 'execute',
          id,
          code: 'from IPython.display import display\nfor i in range(50):\n    display(i)\n"value"',
          maxOutputBytes: 1_000_000,
          maxResults,
          deaths: 0,
        });
        await done;
        return {
          results: frames.filter((frame) => frame.t === 'result'),
          end: frames.find((frame) => frame.t === 'end'),
        };
      };
      // The kernel publishes 5 and reports the other 45.
      const kernelCapped = await execute(1, 100);
      expect(kernelCapped.results).toHaveLength(6);
      expect(kernelCapped.end).toMatchObject({ droppedResults: 45 });
      // The driver forwards 2 of the kernel's 5 and counts the other 3 with the kernel's 45.
      const driverCapped = await execute(2, 2);
      expect(driverCapped.results.map((frame) => frame.t === 'result' && frame.main)).toEqual([
        false,
        false,
        true,
      ]);
      expect(driverCapped.end).toMatchObject({ droppedResults: 48 });
    } finally {
      handle?.connection.destroy();
      if (handle) await removeContainer(handle.container);
    }
  });

  test('an image whose header declares too many pixels, or no readable header, becomes a notice', async () => {
    const execution = await run(
      [
        pngSource,
        'import base64, struct',
        'from IPython.display import Image, display',
        'display(Image(data=png(40_000, 40_000)))',
        'display(Image(data=png(64, 48)))',
        'display({"image/png": base64.b64encode(b"not a png").decode()}, raw=True)',
        'sof = b"\\xff\\xc0" + struct.pack(">HBHHB", 11, 8, 60_000, 60_000, 1) + bytes(3)',
        'display({"image/jpeg": base64.b64encode(b"\\xff\\xd8" + sof).decode()}, raw=True)',
      ].join('\n'),
      120_000,
    );
    expect(execution.error).toBeNull();
    const [huge, small, garbage, jpeg] = execution.results;
    expect(huge?.png).toBeUndefined();
    expect(huge?.text).toMatch(
      /^\[image dropped: 40000x40000 pixels is over the limit of 25,000,000 pixels/,
    );
    expect(small?.png).toMatch(/^iVBORw0KGgo/);
    expect(garbage).toEqual({
      isMainResult: false,
      text: '[image dropped: not a readable PNG header]',
    });
    expect(jpeg?.jpeg).toBeUndefined();
    expect(jpeg?.text).toMatch(/^\[image dropped: 60000x60000 pixels/);
    expect(execution.truncated).toBe(true);
    expect(execution.logs.stderr.join('')).toContain('[3 image(s) dropped');
  });

  test('a 50 MB exception message is capped inside the kernel; the state survives', async () => {
    expect(provider.options.memoryMb).toBe(DEFAULT_SANDBOX_LIMITS.memoryMb);
    await run('survivor = 41');
    const execution = await run("raise ValueError('x' * 50_000_000)", 120_000);
    expect(execution.stateLost).toBeUndefined();
    expect(execution.error?.name).toBe('ValueError');
    expect(execution.error?.value).toMatch(/^x{20000}\.\.\. \[49,980,000 more characters cut\]$/);
    expect(execution.error?.traceback.length).toBeLessThan(25_000);
    expect(executionText(await run('survivor + 1'))).toBe('42');
  });

  test('a __str__ that ignores args, a huge note and a huge cause are capped too', async () => {
    const execution = await run(
      [
        'class Loud(Exception):',
        '    def __str__(self):',
        '        return "y" * 30_000_000',
        'try:',
        "    raise KeyError('z' * 30_000_000)",
        'except KeyError as cause:',
        '    error = Loud()',
        "    error.add_note('n' * 30_000_000)",
        '    raise error from cause',
      ].join('\n'),
      120_000,
    );
    expect(execution.stateLost).toBeUndefined();
    expect(execution.error?.name).toBe('Loud');
    expect(execution.error?.value).toMatch(/^y{20000}\.\.\. \[29,980,000 more characters cut\]$/);
    const traceback = execution.error?.traceback ?? '';
    expect(traceback.length).toBeLessThan(110_000);
    expect(traceback).toContain('[29,980,000 more characters cut]');
    // IPython 8.5 does not show notes; they are capped for whatever formats them later.
    const kept = await run(
      'import sys\nerror = sys.last_value\n[len(error.__notes__[0]), len(str(error.__cause__))]',
    );
    expect(executionText(kept)).toBe('[20036, 20038]');
  });

  test('bidi controls and zero-width characters arrive as visible escapes', async () => {
    const execution = await run(
      'print("invoice\\u202etxt.exe zero\\u200bwidth \\U000e0041 bell\\x07 tab\\tend")',
    );
    expect(execution.logs.stdout.join('')).toBe(
      'invoice\\u202etxt.exe zero\\u200bwidth \\u{e0041} bell\\u0007 tab\tend\n',
    );
  });

  test(
    'the CPU quota is set and a spinning sandbox is throttled',
    { timeout: 180_000 },
    async () => {
      const spinner = await provider.create();
      try {
        const container = provider.docker.getContainer(spinner.containerName ?? '');
        const info = await container.inspect();
        expect(info.HostConfig.NanoCpus).toBe(DEFAULT_SANDBOX_LIMITS.cpus * 1e9);
        if (runtime === 'runc') {
          // The container's own view of its cgroup (gVisor shows none to the sandbox).
          const quota = await spinner.runCode({
            code: [
              'import os',
              'v2 = "/sys/fs/cgroup/cpu.max"',
              'v1 = "/sys/fs/cgroup/cpu/cpu.cfs_"',
              'print(open(v2).read().strip() if os.path.exists(v2) else',
              '      open(v1 + "quota_us").read().strip() + " " + open(v1 + "period_us").read().strip())',
            ].join('\n'),
          });
          const [quotaUs, periodUs] = quota.logs.stdout.join('').trim().split(' ').map(Number);
          expect((quotaUs ?? 0) / (periodUs ?? 1)).toBe(DEFAULT_SANDBOX_LIMITS.cpus);
        }
        // The engine's stats stream (about one sample a second) until it reports throttling.
        const stats = (await container.stats({ stream: true })) as NodeJS.ReadableStream &
          AsyncIterable<Buffer>;
        let before: number | undefined;
        let after = 0;
        let buffered = '';
        let spun = false;
        try {
          for await (const chunk of stats) {
            buffered += chunk.toString('utf8');
            const lines = buffered.split('\n');
            buffered = lines.pop() ?? '';
            for (const line of lines.filter((text) => text.trim() !== '')) {
              const sample = parseJson(line) as {
                cpu_stats: { throttling_data: { throttled_periods: number } };
              };
              after = sample.cpu_stats.throttling_data.throttled_periods;
              before ??= after;
            }
            if (before !== undefined && !spun) {
              spun = true;
              const execution = await spinner.runCode({ code: spinCode, timeoutMs: 60_000 });
              // The call has returned; what it started goes on.
              expect(execution.logs.stdout.join('')).toBe('left spinning\n');
            }
            if (before !== undefined && after > before) break;
          }
        } finally {
          (stats as unknown as { destroy?: () => void }).destroy?.();
        }
        expect(after).toBeGreaterThan(before ?? Number.POSITIVE_INFINITY);
        await spinner.restart(); // kills what was left spinning
      } finally {
        await spinner.close();
      }
    },
  );
});
