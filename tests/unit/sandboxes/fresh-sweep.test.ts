// What the fork server waits for after a sweep before the next run may start. Seen once on a
// clean-clone run: the next run listed two processes the hostile run had started, already
// killed but not yet reaped by PID 1, because the server counted any zombie as gone. The
// driver's own module runs here under the host's python3, with real processes.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { parseJson } from '../../../core/index.ts';

const driverDir = join(import.meta.dirname, '..', '..', '..', 'images', 'sandbox', 'driver');

// A zombie of this process (as the last run is the server's), a zombie of another parent (as
// the run's own children are PID 1's until it reaps them), a live process, and one gone.
const SCRIPT = `
import json, os, signal, sys, time
sys.path.insert(0, sys.argv[1])
from fresh_sweep import lingering, process_state
server = os.getpid()
own = os.fork()
if own == 0:
    os._exit(0)
read_end, write_end = os.pipe()
middle = os.fork()
if middle == 0:
    orphan = os.fork()
    if orphan == 0:
        os._exit(0)
    os.write(write_end, str(orphan).encode())
    time.sleep(60)  # its child stays a zombie of this middle process, not of the server
    os._exit(0)
orphan = int(os.read(read_end, 32))
while process_state(own)[0] != "Z" or process_state(orphan)[0] != "Z":
    time.sleep(0.001)
gone = os.fork()
if gone == 0:
    os._exit(0)
os.waitpid(gone, 0)
answer = {
    "own zombie": lingering(own, {server}),
    "other's zombie": lingering(orphan, {server}),
    "live": lingering(middle, {server}),
    "gone": lingering(gone, {server}),
}
os.kill(middle, signal.SIGKILL)
os.waitpid(middle, 0)
os.waitpid(own, 0)
print(json.dumps(answer))
`;

describe('the sweep settles only when the last run’s processes are gone', () => {
  test('a zombie PID 1 has not reaped yet still lingers; the server’s own dead child does not', async () => {
    const { stdout } = await promisify(execFile)('python3', ['-c', SCRIPT, driverDir]);
    expect(parseJson(stdout)).toEqual({
      'own zombie': false,
      "other's zombie": true,
      live: true,
      gone: false,
    });
  });
});
