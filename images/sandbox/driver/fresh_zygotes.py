"""The fork server's side of its zygotes (fresh_zygote.py), and which one a run is forked from.

A container has up to two zygotes: a plain one, with nothing imported but the driver, and one
with the image's common modules preloaded (numpy, pandas, matplotlib). A fork costs in
proportion to the forking process's memory: about 0.4 ms of CPU from the plain zygote here,
and several ms from the preloaded one (84 MB, whose page tables each fork copies and each exit
frees). So a run whose code imports only the standard library is forked from the plain zygote,
and any other run from the preloaded one. A wrong guess costs time only: a run from the plain
zygote that imports numpy after all (through exec, say) imports it itself, as `python3 -c`
would.
"""

import os
import re
import shutil
import socket
import sys

from fresh_sweep import PRIVATE_DIR
from fresh_zygote import serve_forks

# `import a, b.c as d` and `from a.b import c` at the start of a line (a statement after a
# semicolon is missed: a wrong guess, which costs time only).
IMPORT_LINE = re.compile(r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import\b|import[ \t]+([^\n#;]+))", re.M)
# Imports the lines above cannot see.
DYNAMIC_IMPORT = ("__import__", "importlib", "import_module")


class ZygoteGone(Exception):
    """A process runs are forked from has ended: no run can start in this container again."""


def wants_preloaded(code, preloaded):
    """True if the code may import a preloaded module: one named, or any beyond the standard library."""
    if any(marker in code for marker in DYNAMIC_IMPORT):
        return True
    preloaded = {name.split(".")[0] for name in preloaded}
    for source, names in IMPORT_LINE.findall(code):
        modules = [source] if source else [part.split()[0] for part in names.split(",") if part.strip()]
        for module in modules:
            top = module.split(".")[0]
            if top in preloaded or top not in sys.stdlib_module_names:
                return True
    return False


def preload(modules):
    """Imports the image's common modules once (in a zygote); every run it forks has them imported."""
    os.makedirs(PRIVATE_DIR, mode=0o700, exist_ok=True)
    config = os.path.join(PRIVATE_DIR, "matplotlib")
    if os.path.isdir("/opt/lagent/mplconfig") and not os.path.exists(config):
        shutil.copytree("/opt/lagent/mplconfig", config)
    os.environ["MPLCONFIGDIR"] = config  # the font cache, for the import only: runs do not see it
    loaded = []
    for name in modules:
        try:
            __import__(name)
            loaded.append(name)
        except Exception:  # noqa: BLE001 - a module the image lacks is simply not preloaded
            pass
    del os.environ["MPLCONFIGDIR"]
    return loaded


class ZygoteLink:
    """One zygote as the server sees it: its socket, the forks it answered, the exits it told."""

    def __init__(self, *, modules, uid, gid, workdir, close_in_zygote):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            try:
                ours.close()
                for fd in close_in_zygote:
                    os.close(fd)  # the host channel, and the other zygotes, stay with the server
                serve_forks(server=theirs, uid=uid, gid=gid, workdir=workdir,
                            preload=lambda: preload(modules) if modules else [])
            finally:
                os._exit(70)
        theirs.close()
        self.socket, self.pid = ours, pid
        self.forked = set()  # run processes it forked and has not yet reaped
        self.statuses = {}  # pid -> wait status, as it reaped them
        self.replies = []
        self.base_address_space = 0
        self.loaded = []

    def fileno(self):
        return self.socket.fileno()

    def hello(self):
        """Waits for the zygote to be ready; the modules it preloaded."""
        hello = self.socket.recv(1 << 16)
        if not hello.startswith(b"H"):
            raise ZygoteGone("a zygote did not start")
        size, _, loaded = hello[1:].decode().partition(" ")
        self.base_address_space = int(size)
        self.loaded = [name for name in loaded.split(",") if name]
        return self.loaded

    def pump(self):
        """Takes in what the zygote said: forks' answers, and the exit status of each run process."""
        while True:
            try:
                message = self.socket.recv(256, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            if not message:
                raise ZygoteGone("a zygote ended")
            if message.startswith(b"X"):
                pid, status = (int(part) for part in message[1:].split())
                self.forked.discard(pid)
                self.statuses[pid] = status
            else:
                self.replies.append(message)

    def request_fork(self, fds):
        socket.send_fds(self.socket, [b"F"], fds)

    def reply(self):
        """The answer to the fork asked for: (pid, None) or (None, the reason it could not)."""
        reply = self.replies.pop(0)
        if reply.startswith(b"P"):
            pid = int(reply[1:])
            self.forked.add(pid)
            return pid, None
        return None, reply[1:].decode("utf-8", "replace")
