// The fork server's reading of a run that wrote its report and exited between two polls: the
// server sees the exit first, so the report is still in the pipe. Found on a loaded clean-clone
// run, where a correct program came back as ProcessExit. The driver's own module runs here under
// the host's python3 (Debian's, the image's too), with a real fork and real pipes.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { parseJson } from '../../../core/index.ts';

const driverDir = join(import.meta.dirname, '..', '..', '..', 'images', 'sandbox', 'driver');

const SCRIPT = `
import json, os, sys
sys.path.insert(0, sys.argv[1])
from fresh_run import Child, outcome
pipes = [os.pipe() for _ in range(3)]
command_r, command_w = os.pipe()
pid = os.fork()
if pid == 0:
    os.write(pipes[0][1], b"out\\n")
    os.write(pipes[1][1], b"err\\n")
    report = {"error": None, "results": [{"main": True, "data": {"text": "42"}}], "droppedResults": 0, "exitCode": 0}
    os.write(pipes[2][1], b"R\\n" + json.dumps(report).encode() + b"\\n")
    os._exit(0)
os.close(command_r)
for read_end, write_end in pipes:
    os.close(write_end)
    os.set_blocking(read_end, False)
child = Child(pid, command_w, [read_end for read_end, _ in pipes])
# Exited before anything was read: what the server sees when the exit wins the race.
child.status = os.waitpid(pid, 0)[1]
child.drain()
print(json.dumps(outcome(7, child, None, 1.0, 5.0, None)))
`;

describe('a run that exits before its report is read', () => {
  test('the report is read from the pipe: the run ends as it ran, not as ProcessExit', async () => {
    const { stdout } = await promisify(execFile)('python3', ['-c', SCRIPT, driverDir]);
    const frame = parseJson(stdout) as Record<string, unknown>;
    expect(frame).toMatchObject({
      t: 'run-end',
      id: 7,
      stdout: 'out\n',
      stderr: 'err\n',
      error: null,
      results: [{ main: true, data: { text: '42' } }],
      exitCode: 0,
      signal: null,
      timedOut: false,
      cancelled: false,
    });
  });
});
