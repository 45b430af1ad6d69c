// The zygote fresh runs are forked from (images/sandbox/driver/fresh_zygote.py), run under the
// host's python3 with real processes and a real SOCK_SEQPACKET pair. The run process itself is
// replaced by a stand-in that reports the descriptors it was given and exits, so the test needs
// no container and no change of user. The exit status must come without a further request: an
// early version blocked in its read of the socket after a SIGCHLD, and a run's exit was heard
// only at the next fork (the server then waited out its 2 s settle time after every run).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { parseJson } from '../../../core/index.ts';

const driverDir = join(import.meta.dirname, '..', '..', '..', 'images', 'sandbox', 'driver');

const SCRIPT = `
import json, os, select, socket, sys
sys.path.insert(0, sys.argv[1])
import fresh_zygote

def stand_in(*, fds, uid, gid, workdir, wipe):
    # What the run process was handed: its four pipe ends, in order.
    os.write(fds[1], b"%d fds, workdir %s" % (len(fds), workdir.encode()))
    os._exit(int(os.read(fds[0], 16)))

fresh_zygote.prepare_child = stand_in
server, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
zygote = os.fork()
if zygote == 0:
    server.close()
    fresh_zygote.serve_forks(server=theirs, uid=0, gid=0, workdir="/nowhere", preload=lambda: ["json"])
theirs.close()

def said(timeout_ms=20000):
    poller = select.poll()
    poller.register(server, select.POLLIN)
    if not poller.poll(timeout_ms):
        return "nothing"
    return server.recv(256).decode()

answer = {"hello": said().split(" ", 1)[1]}
command_r, command_w = os.pipe()
out_r, out_w = os.pipe()
socket.send_fds(server, [b"F"], [command_r, out_w, out_w, out_w])
for fd in (command_r, out_w):
    os.close(fd)
forked = said()
answer["forked"] = forked[0]
answer["told"] = os.read(out_r, 64).decode()
os.write(command_w, b"3")
exited = said()
answer["exit"] = exited[0]
answer["same pid"] = exited[1:].split()[0] == forked[1:]
answer["status"] = os.waitstatus_to_exitcode(int(exited.split()[1]))
r, w = os.pipe()
socket.send_fds(server, [b"F"], [r, w])
answer["two fds"] = said()
server.close()
_, status = os.waitpid(zygote, 0)
answer["zygote"] = os.waitstatus_to_exitcode(status)
print(json.dumps(answer))
`;

describe('the zygote forks runs on the pipes it is handed, and tells each exit unasked', () => {
  test('F with four fds forks a run process; its exit is reported at once; a bad request is refused', async () => {
    const { stdout } = await promisify(execFile)('python3', ['-c', SCRIPT, driverDir], {
      timeout: 60_000,
    });
    expect(parseJson(stdout)).toEqual({
      hello: 'json',
      forked: 'P',
      told: '4 fds, workdir /nowhere',
      exit: 'X',
      'same pid': true,
      status: 3,
      'two fds': 'Ea malformed fork request',
      zygote: 0,
    });
  });

  // Which zygote a run is forked from (fresh_zygotes.wants_preloaded): the preloaded one when
  // the code may import a preloaded module, the plain one when it imports only the standard
  // library.
  test.each([
    ['print(1)', false],
    ['import os, sys\nimport json as j\nfrom collections import deque', false],
    ['def f():\n    import re\n    from os.path import join', false],
    ['import numpy as np', true],
    ['import os, pandas', true],
    ['from matplotlib import pyplot', true],
    ['    from numpy.linalg import norm', true],
    ['import requests', true], // beyond the standard library: it may import a preloaded one
    ['from . import x', true],
    ['m = __import__("os")', true],
    ['import importlib\nimportlib.import_module("json")', true],
    ['text = "import numpy"', false], // not at the start of a line: a string
    ['x = 1; import numpy', false], // after a semicolon: missed, which costs time only
  ])('%j wants the preloaded zygote: %s', async (code, wanted) => {
    const { stdout } = await promisify(execFile)('python3', [
      '-c',
      'import sys; sys.path.insert(0, sys.argv[1]); from fresh_zygotes import wants_preloaded; print(wants_preloaded(sys.argv[2], ["numpy", "pandas", "matplotlib.pyplot"]))',
      driverDir,
      code,
    ]);
    expect(stdout.trim()).toBe(wanted ? 'True' : 'False');
  });
});
