"""One run's process as the fork server sees it: its pipes, read with caps, and its outcome frame."""

import json
import os
import select
import signal

CHUNK_BYTES = 1 << 16
DEFAULT_MAX_OUTPUT_BYTES = 1_000_000
# What a run's report (results, error) may hold: figures are base64 PNGs.
MAX_REPORT_BYTES = 16 * 1024 * 1024


class Child:
    """A forked run process: its pipes, and what it said, read with caps."""

    def __init__(self, pid, command_w, pipes, zygote=None):
        self.pid = pid
        self.zygote = zygote  # the zygote it was forked from (fresh_zygotes.ZygoteLink)
        self.command_w = command_w
        self.out, self.err, self.report = pipes
        self.chunks = {self.out: bytearray(), self.err: bytearray(), self.report: bytearray()}
        self.open = {self.out, self.err, self.report}
        self.max_output_bytes = DEFAULT_MAX_OUTPUT_BYTES
        self.output_bytes = 0
        self.dropped = 0
        self.report_too_big = False
        self.status = None

    def lines(self):
        """The complete lines on the report pipe so far: `R` (ready), then the report."""
        return bytes(self.chunks[self.report]).split(b"\n")[:-1]

    def read(self, fd):
        """Reads what is there; False at end of file."""
        try:
            data = os.read(fd, CHUNK_BYTES)
        except BlockingIOError:
            return True
        except OSError:
            data = b""
        if not data:
            self.open.discard(fd)
            return False
        if fd == self.report:
            if len(self.chunks[fd]) + len(data) > MAX_REPORT_BYTES:
                self.report_too_big = True
            else:
                self.chunks[fd] += data
            return True
        room = max(0, self.max_output_bytes - self.output_bytes)
        self.chunks[fd] += data[:room]
        self.output_bytes += min(room, len(data))
        self.dropped += max(0, len(data) - room)
        return True

    def drain(self):
        """What is in the pipes now, the report's too: the run may have written its report
        and exited between two polls. A grandchild may go on writing: bounded."""
        report_rounds = MAX_REPORT_BYTES // CHUNK_BYTES + 2
        for fd, rounds in ((self.report, report_rounds), (self.out, 64), (self.err, 64)):
            for _ in range(rounds):
                if fd not in self.open or not readable(fd) or not self.read(fd):
                    break

    def close(self):
        for fd in (self.command_w, self.out, self.err, self.report):
            try:
                os.close(fd)
            except OSError:
                pass


def readable(fd):
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


def outcome(request_id, child, stop, elapsed_ms, timeout_s, anomaly):
    lines = child.lines()
    report, report_error = {}, None
    if child.report_too_big:
        report_error = "the run's results were too large and were dropped"
    elif len(lines) >= 2:
        try:
            report = json.loads(lines[1])
            if not isinstance(report, dict):
                report, report_error = {}, "the run's report was not an object"
        except ValueError:
            report_error = "the run's report was not valid JSON"
    stderr = child.chunks[child.err].decode("utf-8", "replace")
    if report_error:
        stderr += f"\n[{report_error}]\n"
    exit_code, killed_by = decode_status(child.status)
    if isinstance(report.get("exitCode"), int):
        exit_code = report["exitCode"]
    error = report.get("error") if isinstance(report.get("error"), dict) else None
    if stop == "timeout":
        error = {"name": "TimeoutError", "value": f"Execution exceeded the time limit of {round(timeout_s * 1000)} ms",
                 "traceback": []}
    elif stop is None and not report and not report_error:
        # The child ended before it reported: it exited (os._exit) or was killed.
        if killed_by is not None:
            name = signal.Signals(killed_by).name if killed_by in signal.Signals._value2member_map_ else str(killed_by)
            error = {"name": "ProcessKilled", "value": f"The run's process was killed by signal {killed_by} ({name})",
                     "traceback": []}
        else:
            error = {"name": "ProcessExit", "value": f"The run's process exited with code {exit_code} before it finished",
                     "traceback": []}
    results = report.get("results") if isinstance(report.get("results"), list) else []
    return dict(t="run-end", id=request_id, stdout=child.chunks[child.out].decode("utf-8", "replace"),
                stderr=stderr, error=error, results=results, truncated=bool(child.dropped or child.report_too_big),
                timedOut=stop == "timeout", cancelled=stop == "cancelled", exitCode=exit_code, signal=killed_by,
                elapsedMs=round(elapsed_ms, 3), dropped=child.dropped, droppedResults=int(report.get("droppedResults") or 0),
                anomaly=anomaly)


def decode_status(status):
    if status is None:
        return None, None
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status)
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status), None
    return None, None
