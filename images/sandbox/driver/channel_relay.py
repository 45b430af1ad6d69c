"""The container's first process (PID 1): it keeps the host channel from the user's code.

The host talks to the driver through the container's stdin and stdout. Whoever holds those
two pipes can be reached through /proc/<pid>/fd by any process of the same user, and under
gVisor neither PR_SET_DUMPABLE nor a masked path stops that. So this relay starts as root,
holds the pipes, and runs the driver as the sandbox user with its end of a socket pair
(a socket cannot be opened through /proc). The user's code, running as the sandbox user,
cannot open a root process's descriptors, signal it or read its memory.

The relay keeps no capability: it drops them all (and the bounding set, so nothing started
below can ever regain one) once the driver runs. It only copies bytes (the host validates
every frame) and, as PID 1, reaps the processes the user's code leaves orphaned; it exits
with the driver, which stops the container.
"""

import ctypes
import errno
import os
import select
import signal
import socket
import subprocess
import sys
import threading

DRIVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lagent_driver.py")
# LAGENT_MODE=fresh: the fork server of fresh-state runs, which stays root with these two
# capabilities only, to start each run as the sandbox user (fresh_server.py).
FRESH_SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fresh_server.py")
CAP_SETGID = 6
CAP_SETUID = 7
CHUNK_BYTES = 1 << 16
PR_CAPBSET_DROP = 24
PR_SET_DUMPABLE = 4
LINUX_CAPABILITY_VERSION_3 = 0x20080522

libc = ctypes.CDLL(None, use_errno=True)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def drop_bounding_set(keep=()):
    """Empties the bounding set (needs CAP_SETPCAP) but for `keep`: no process below can gain another."""
    for cap in range(64):
        if cap in keep:
            continue
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            if ctypes.get_errno() == errno.EINVAL:
                return  # past the last capability this kernel knows (gVisor has no cap_last_cap)
            raise OSError(ctypes.get_errno(), f"cannot drop capability {cap} from the bounding set")


def drop_capabilities():
    header, data = _CapHeader(LINUX_CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "cannot drop the relay's capabilities")


def wait(fd, events):
    # poll, not select: gVisor refuses select(2) under the sandbox's seccomp profile.
    poller = select.poll()
    poller.register(fd, events)
    poller.poll()


def write_all(fd, data):
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            wait(fd, select.POLLOUT)


def read_some(fd):
    while True:
        try:
            return os.read(fd, CHUNK_BYTES)
        except BlockingIOError:
            wait(fd, select.POLLIN)


def pump(source, target, at_end):
    try:
        while data := read_some(source):
            write_all(target, data)
    except OSError:
        pass
    at_end()


def user_and_group(spec):
    """`uid[:gid]`, numeric or by name, as Popen takes them."""
    user, _, group = spec.partition(":")
    as_id = lambda name: int(name) if name.isdigit() else name  # noqa: E731
    return as_id(user), as_id(group or user)


def main():
    uid, gid = user_and_group(os.environ.pop("LAGENT_USER", "1000:1000"))
    fresh = os.environ.pop("LAGENT_MODE", "kernel") == "fresh"
    relay_end, driver_end = socket.socketpair()
    env = dict(os.environ, LAGENT_CHANNEL_FD=str(driver_end.fileno()))
    if fresh:
        # The fork server stays root (it never runs the user's code) with SETUID and SETGID
        # only; each run it forks becomes the sandbox user and so loses both.
        env["LAGENT_RUN_USER"] = f"{uid}:{gid}"
        drop_bounding_set(keep=(CAP_SETUID, CAP_SETGID))
        user = {}
    else:
        drop_bounding_set()
        user = dict(user=uid, group=gid, extra_groups=[])
    driver = subprocess.Popen(
        [sys.executable, "-Xfrozen_modules=off", FRESH_SERVER if fresh else DRIVER], env=env,
        cwd=os.environ.get("LAGENT_WORKDIR", "/"), pass_fds=[driver_end.fileno()],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **user,
    )
    driver_end.close()
    drop_capabilities()
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    channel = relay_end.fileno()
    # Host -> driver: at the host's end of stdin the driver reads end of file and exits.
    threading.Thread(target=pump, args=(0, channel, lambda: relay_end.shutdown(socket.SHUT_WR)),
                     daemon=True).start()
    # Driver -> host, until the driver's end closes.
    to_host = threading.Thread(target=pump, args=(channel, 1, lambda: None), daemon=True)
    to_host.start()
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        if pid == driver.pid:
            to_host.join()  # what the driver said last reaches the host
            code = os.waitstatus_to_exitcode(status)
            sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # As PID 1, a signal without a handler is ignored: `docker stop` must still end it.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(128 + signal.SIGTERM))
    main()
