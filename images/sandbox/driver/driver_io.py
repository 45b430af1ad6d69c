"""The driver's two ends towards the host: frames out on stdout, commands in on stdin."""

import json
import os
import select
import sys


class Channel:
    """Newline-delimited JSON to the host on the original stdout."""

    def __init__(self):
        self.fd = os.dup(1)
        self.pending = []
        # Nothing else in this process may write to the channel by accident.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)

    def send(self, **frame):
        """Queues a frame; `flush` writes what is queued in one go (one hop through Docker)."""
        line = json.dumps(frame, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")
        self.pending.append(line)
        self.pending.append(b"\n")

    def flush(self):
        if not self.pending:
            return
        view = memoryview(b"".join(self.pending))
        self.pending.clear()
        # stdin and stdout may share one file description (gVisor), which is non-blocking
        # once stdin is: write in a loop, waiting while the pipe is full.
        while view:
            try:
                view = view[os.write(self.fd, view):]
            except BlockingIOError:
                select.select([], [self.fd], [])


class Commands:
    """Host commands from stdin, read without blocking so the main loop polls one fd."""

    def __init__(self):
        self.fd = sys.stdin.fileno()
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
