"""A process fresh runs are forked from: it imports what it is given to preload, then only forks.

A fork shares every page of the forking process with the child, copy-on-write, so each page
the forking process writes afterwards is copied again, at every fork. The fork server
(fresh_server.py) did all its per-run work (JSON, pipes, outcomes) in the process it forked
runs from, and so paid about 280 page copies a run. Here that work stays in the server, which
never forks a run; this process writes next to nothing between two forks.

The server forks two at start (fresh_zygotes.py: one preloads the image's common modules, one
nothing), root with SETUID and SETGID like it, not dumpable.
Over a SOCK_SEQPACKET socket pair it takes `F` with the run's four pipe ends (SCM_RIGHTS),
forks the run process (fresh_child.prepare_child), closes its copies and answers `P<pid>`,
or `E<reason>` when it cannot fork. It reaps its children and tells the server `X<pid>
<status>` for each, so the server knows a run's exit status and that it is gone from /proc.
"""

import array
import gc
import os
import select
import signal
import socket

from fresh_child import prepare_child
from fresh_sweep import address_space_bytes, wipe

RUN_FDS = 4
FD_BYTES = array.array("i").itemsize


def reap(server):
    """Reaps every exited child and tells the server each one's status."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        server.send(b"X%d %d" % (pid, status))


def receive(server):
    """One message and the descriptors passed with it, without blocking.

    Not socket.recv_fds: until Python 3.12 it drops its flags argument, and so blocks.
    """
    message, ancillary, _, _ = server.recvmsg(64, socket.CMSG_SPACE(RUN_FDS * FD_BYTES), socket.MSG_DONTWAIT)
    fds = array.array("i")
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:len(data) - len(data) % FD_BYTES])
    return message, list(fds)


def serve_forks(*, server, uid, gid, workdir, preload):
    """The zygote's life: preload, say hello, then fork runs until the server goes away."""
    wake, wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_write, warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    loaded = preload()
    # Every object so far moves to the collector's permanent generation: a run's
    # collections then never walk (and so never copy-on-write) the preloaded heap.
    gc.freeze()
    server.send(b"H%d %s" % (address_space_bytes(), ",".join(loaded).encode()))
    channel = server.fileno()
    poller = select.poll()
    poller.register(channel, select.POLLIN)
    poller.register(wake, select.POLLIN)
    while True:
        try:
            ready = {fd for fd, _ in poller.poll()}
        except InterruptedError:
            continue
        if wake in ready:
            os.read(wake, 4096)  # SIGCHLD: one byte a signal, far fewer than this between two polls
            reap(server)
        if channel not in ready:
            continue
        message, fds = receive(server)
        if not message:
            os._exit(0)  # the server is gone; so is the container
        if message != b"F" or len(fds) != RUN_FDS:
            for fd in fds:
                os.close(fd)
            server.send(b"Ea malformed fork request")
            continue
        try:
            pid = os.fork()
        except OSError as error:  # the pids limit, filled by what the last run left
            server.send(b"E" + f"cannot start a run process: {error}".encode())
        else:
            if pid == 0:
                try:
                    # It keeps only the run's four pipe ends (as 0-3; 0-2 are taken here, so
                    # the ends it is given are never clobbered on the way there).
                    prepare_child(fds=fds, uid=uid, gid=gid, workdir=workdir, wipe=wipe)
                finally:
                    os._exit(70)
            server.send(b"P%d" % pid)
        for fd in fds:
            os.close(fd)
