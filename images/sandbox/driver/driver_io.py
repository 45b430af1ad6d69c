"""The driver's two ends towards the host: frames out, commands in.

Under the channel relay (the container's entrypoint) both go through one socket, passed as
LAGENT_CHANNEL_FD; run on its own, the driver uses stdout and stdin.
"""

import codecs
import json
import os
import select

# Text the kernel hands over may hold lone surrogates; the host gets U+FFFD, never invalid UTF-8.
# (The UTF-8 encoder takes a replacement as bytes, or as ASCII text only.)
codecs.register_error("lagent.fffd", lambda error: ("\ufffd".encode() * (error.end - error.start), error.end))


def channel_fds():
    """(read fd, write fd) of the host channel; nothing started later inherits them."""
    passed = os.environ.pop("LAGENT_CHANNEL_FD", None)
    if passed is None:
        return 0, os.dup(1)
    fd = int(passed)
    os.set_inheritable(fd, False)
    return fd, fd


class Channel:
    """Newline-delimited JSON to the host."""

    def __init__(self, fd):
        self.fd = fd
        self.pending = []
        # Nothing else in this process may write to the channel by accident.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.close(devnull)

    def send(self, **frame):
        """Queues a frame; `flush` writes what is queued in one go (one hop through Docker)."""
        line = json.dumps(frame, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "lagent.fffd")
        self.pending.append(line)
        self.pending.append(b"\n")

    def flush(self):
        if not self.pending:
            return
        view = memoryview(b"".join(self.pending))
        self.pending.clear()
        # The channel's reading end is non-blocking, and it may share its file description
        # with this one (one socket; or stdin and stdout under gVisor): write in a loop,
        # waiting while it is full (with poll: gVisor refuses select(2) under the sandbox's
        # seccomp profile).
        while view:
            try:
                view = view[os.write(self.fd, view):]
            except BlockingIOError:
                poller = select.poll()
                poller.register(self.fd, select.POLLOUT)
                poller.poll()


class Commands:
    """Host commands, read without blocking so the main loop polls one fd."""

    def __init__(self, fd):
        self.fd = fd
        os.set_blocking(self.fd, False)
        self.pending = b""

    def read(self):
        """The complete commands now available; EOF (the host went away) yields exit."""
        try:
            chunk = os.read(self.fd, 1 << 20)
        except BlockingIOError:
            return []
        if not chunk:
            return [{"op": "exit"}]
        lines = (self.pending + chunk).split(b"\n")
        self.pending = lines.pop()
        commands = []
        for line in lines:
            try:
                command = json.loads(line)
            except ValueError:
                continue
            if isinstance(command, dict):
                commands.append(command)
        return commands
