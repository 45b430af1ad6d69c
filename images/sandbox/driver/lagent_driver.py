"""Sandbox driver: runs an IPython kernel and relays it to the host.

The host talks to this process through the container's stdin and stdout (Docker's attach
stream), one JSON object per line, so no port or socket is shared with the host; the channel
relay (channel_relay.py) holds those pipes and passes them on over a socket. Towards the
kernel it speaks the Jupyter messaging protocol over ZeroMQ on local IPC sockets.

Everything here runs as the sandbox user, next to the user's code: the host treats what this
process says as untrusted and enforces every limit and deadline itself. The driver makes
itself non-dumpable first, so the user's code (same user) cannot open its descriptors or
write its memory through /proc.
"""

import base64
import collections
import ctypes
import errno
import json
import os
import shutil
import signal

import zmq

from driver_io import Channel, Commands, channel_fds
from kernel_process import RUNTIME_DIR, WORKDIR, Kernel, kill_strays, preload

DEFAULT_MAX_OUTPUT_BYTES = 1_000_000
DEFAULT_MAX_RESULTS = 100
DEFAULT_MAX_LISTED_FILES = 1000
# Room in a listing's byte budget for what surrounds its entries ({"files":[],"truncated":false}).
LISTING_OVERHEAD_BYTES = 64
# Executions whose late output is counted (and dropped) rather than ignored.
REMEMBERED_EXECUTIONS = 256
PR_SET_DUMPABLE = 4
# The kernel extension's count of the displays it did not publish (lagent_kernel_ext.py).
DROPPED_RESULTS_MIME = "application/vnd.lagent.dropped-results+json"
MIME_KEYS = {
    "text/plain": "text",
    "text/html": "html",
    "text/markdown": "markdown",
    "image/svg+xml": "svg",
    "image/png": "png",
    "image/jpeg": "jpeg",
    "application/pdf": "pdf",
    "text/latex": "latex",
    "application/json": "json",
    "application/javascript": "javascript",
}


class Driver:
    def __init__(self):
        read_fd, write_fd = channel_fds()
        self.channel = Channel(write_fd)
        self.context = zmq.Context()
        self.env = dict(os.environ)
        self.commands = Commands(read_fd)
        self.backlog = []
        self.kernel = None
        self.current = None
        # The `end` of the execution that just finished, held back until the kernel is seen
        # alive at the flush: a kernel that died right after its reply makes it a `died`.
        self.ended = None
        # Died frames sent so far, and the last death, for executions sent before the host heard of it.
        self.deaths = 0
        self.last_death = (None, None)
        self.past = collections.OrderedDict()
        self.late_bytes = 0

    # -- kernel lifecycle ------------------------------------------------------------
    def start_kernel(self, request_id=None, reason="start"):
        if self.kernel is not None:
            self.kernel.stop()
            kill_strays()
        self.kernel = Kernel(self.context, self.env)
        info = self.kernel.wait_ready()
        self.channel.send(t="ready", id=request_id, reason=reason, pid=self.kernel.process.pid,
                          implementation=info.get("implementation_version"))
        self.flush()

    def finish(self, status):
        if self.late_bytes:
            self.emit(t="stream", name="stderr",
                      text=f"[{self.late_bytes} bytes of output from an earlier call were dropped]\n")
            self.late_bytes = 0
        current, self.current = self.current, None
        self.ended = dict(t="end", id=current["id"], count=current["count"], status=status,
                          dropped=current["dropped"], droppedResults=current["dropped_results"])

    def flush(self):
        if self.ended is not None:
            self.channel.send(**self.ended)
            self.ended = None
        self.channel.flush()

    # -- host commands -----------------------------------------------------------------
    def handle(self, command):
        op, request_id = command.get("op"), command.get("id")
        if op == "execute":
            if self.current is not None:
                self.channel.send(t="fail", id=request_id, message="an execution is already running")
                return
            if self.kernel.process.poll() is not None:
                self.on_kernel_death()
            known = command.get("deaths")
            if isinstance(known, int) and known < self.deaths:
                # Sent before the host heard of the kernel's death: on the fresh kernel this
                # code would run without the state it expects, so it is not run. The fresh
                # kernel is ready already: say so again after the repeated death.
                self.send_death(request_id, *self.last_death)
                self.channel.send(t="ready", id=None, reason="died", pid=self.kernel.process.pid)
                return
            self.execute(request_id, str(command.get("code", "")), command.get("env") or {},
                         int(command.get("maxOutputBytes") or DEFAULT_MAX_OUTPUT_BYTES),
                         int(command.get("maxResults", DEFAULT_MAX_RESULTS)))
        elif op == "interrupt":
            if self.kernel and self.kernel.process.poll() is None:
                if self.current is not None and not self.current["started"]:
                    # The kernel ignores SIGINT until it begins the request (ipykernel sets
                    # its handler then): sent now it would be lost, and the code would run
                    # on to the host's restart. It is sent when the code begins.
                    self.current["interrupt"] = True
                else:
                    self.kernel.interrupt()
        elif op == "restart":
            if self.current is not None:
                self.finish("restarted")
                self.flush()
            self.start_kernel(request_id, reason="restart")
        elif op == "set_env":
            env = {str(k): str(v) for k, v in (command.get("env") or {}).items()}
            self.env.update(env)
            self.kernel.execute(f"import os as _o; _o.environ.update({json.dumps(env)}); del _o",
                                silent=True)
            self.channel.send(t="ok", id=request_id)
        elif op == "write_file":
            path = os.path.join(WORKDIR, str(command["path"]))
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(base64.b64decode(command.get("data", "")))
            self.channel.send(t="ok", id=request_id)
        elif op == "read_file":
            path = os.path.join(WORKDIR, str(command["path"]))
            limit = int(command.get("maxBytes") or 0)
            if limit and os.stat(path).st_size > limit:
                raise ValueError(f"{command['path']} is larger than {limit} bytes")
            with open(path, "rb") as handle:
                data = handle.read(limit + 1 if limit else -1)
            self.channel.send(t="file", id=request_id, data=base64.b64encode(data).decode())
        elif op == "list_files":
            files, truncated = list_files(str(command.get("path") or ""),
                                          int(command.get("maxFiles") or DEFAULT_MAX_LISTED_FILES),
                                          int(command.get("maxBytes") or 0))
            listing = compact_json({"files": files, "truncated": truncated})
            # Sent as a file (JSON) in a `file` frame; the host checks it as it checks any reply.
            self.channel.send(t="file", id=request_id, data=base64.b64encode(listing).decode())
        elif op == "ping":
            self.channel.send(t="ok", id=request_id)
        elif op == "exit":
            raise SystemExit(0)

    def execute(self, request_id, code, env, budget, max_results):
        kernel = self.kernel
        restore = None
        if env:
            env = {str(k): str(v) for k, v in env.items()}
            kernel.execute(
                "import os as _o; globals()['_lagent_env'] = {k: _o.environ.get(k) for k in %s}; "
                "_o.environ.update(%s); del _o" % (json.dumps(list(env)), json.dumps(env)), silent=True)
            restore = ("import os as _o\nfor _k, _v in _lagent_env.items():\n"
                       "    _o.environ.pop(_k, None) if _v is None else _o.environ.__setitem__(_k, _v)\n"
                       "del _o, _k, _v, _lagent_env")
        msg_id = kernel.execute(code)
        self.past[msg_id] = True
        if len(self.past) > REMEMBERED_EXECUTIONS:
            self.past.popitem(last=False)
        if restore:
            kernel.execute(restore, silent=True)
        self.current = {"id": request_id, "msg_id": msg_id, "msg_id_bytes": msg_id.encode(),
                        "reply": False, "idle": False,
                        "count": None, "status": "ok", "dropped": 0, "budget": budget,
                        "max_results": max_results, "results": 0, "dropped_results": 0,
                        "main_kept": False, "started": False, "interrupt": False}

    # -- kernel messages -----------------------------------------------------------------
    def emit(self, **frame):
        """Sends output within the execution's byte budget (the host counts again)."""
        current = self.current
        if frame["t"] == "stream":
            encoded = frame["text"].encode("utf-8", "lagent.fffd")
            if len(encoded) > current["budget"]:
                # Keep the head of a chunk that overflows the budget, not nothing.
                current["dropped"] += len(encoded) - current["budget"]
                encoded = encoded[: current["budget"]]
                frame["text"] = encoded.decode("utf-8", "ignore")
            size = len(encoded)
        else:
            size = len(json.dumps(frame))
        # The error is the one frame worth more than the budget; the host caps it anyway.
        if size > current["budget"] and frame["t"] != "error":
            current["dropped"] += size
            current["budget"] = 0
            return
        current["budget"] = max(0, current["budget"] - size)
        if size or frame["t"] != "stream":
            self.channel.send(id=current["id"], **frame)

    def on_iopub(self, message):
        current = self.current
        parent, header, raw = message
        # A cheap test on the raw bytes first; most messages belong to the running execution.
        if current is None or current["msg_id_bytes"] not in parent:
            self.note_late(parent, header, raw)
            return
        if load(parent).get("msg_id") != current["msg_id"]:
            self.note_late(parent, header, raw)
            return
        kind = load(header)["msg_type"]
        if kind == "execute_input":
            # Published once the kernel handles SIGINT for this request.
            current["started"] = True
            if current["interrupt"] and self.kernel.process.poll() is None:
                self.kernel.interrupt()
            return
        if kind == "display_data" and DROPPED_RESULTS_MIME.encode() in raw:
            dropped = json.loads(raw).get("data", {}).get(DROPPED_RESULTS_MIME)
            if type(dropped) is int and dropped > 0:
                current["dropped_results"] += dropped
                return
        if kind in ("execute_result", "display_data"):
            # At most max_results displays (the cell's value besides): past the cap they are
            # counted, not decoded or sent. The host counts again.
            counted = kind == "display_data" or current["main_kept"]
            if counted and current["results"] >= current["max_results"]:
                current["dropped_results"] += 1
                return
            if counted:
                current["results"] += 1
            else:
                current["main_kept"] = True
        content = load(raw)
        if kind == "stream":
            self.emit(t="stream", name=content.get("name", "stdout"), text=content.get("text", ""))
        elif kind in ("execute_result", "display_data"):
            data = {MIME_KEYS.get(mime, mime): value for mime, value in content.get("data", {}).items()}
            self.emit(t="result", main=kind == "execute_result", data=data)
        elif kind == "error":
            self.emit(t="error", name=content.get("ename", ""), value=content.get("evalue", ""),
                      traceback=content.get("traceback", []))
        elif kind == "status" and content.get("execution_state") == "idle":
            current["idle"] = True
        if current["idle"] and current["reply"]:
            self.finish(current["status"])

    def on_shell(self, message):
        current = self.current
        parent, header, raw = message
        if current is None or current["msg_id_bytes"] not in parent:
            return
        if load(header)["msg_type"] == "execute_reply":
            content = load(raw)
            current["reply"] = True
            current["count"] = content.get("execution_count")
            current["status"] = content.get("status", "ok")
            if current["idle"]:
                self.finish(current["status"])

    def note_late(self, parent, header, raw):
        """Counts output of an earlier execution (a thread or child it left running): dropped,
        and the next `end` says how much."""
        if not self.past or load(parent).get("msg_id") not in self.past:
            return
        kind = load(header).get("msg_type")
        if kind == "stream":
            self.late_bytes += len(str(load(raw).get("text", "")).encode("utf-8", "lagent.fffd"))
        elif kind in ("display_data", "execute_result", "error"):
            self.late_bytes += len(raw)

    def send_death(self, request_id, code, signal_number):
        self.deaths += 1
        self.last_death = (code, signal_number)
        self.channel.send(t="died", id=request_id, code=code, signal=signal_number)

    def on_kernel_death(self):
        """Reports the death on the execution running, else on the one whose end is not sent yet."""
        code = self.kernel.process.returncode
        if self.current is not None:
            self.flush()  # an end held back belongs to an earlier execution
        ended = self.current or self.ended
        self.current = self.ended = None
        self.send_death(ended["id"] if ended else None, code if code >= 0 else None,
                        -code if code < 0 else None)
        self.flush()  # before the new kernel's start, which takes a while
        self.start_kernel(reason="died")

    # -- main loop -------------------------------------------------------------------------
    def run(self):
        os.makedirs(RUNTIME_DIR, exist_ok=True)
        prebuilt = "/opt/lagent/mplconfig"
        if os.path.isdir(prebuilt) and not os.path.exists(self.env.get("MPLCONFIGDIR", "/tmp/mpl")):
            shutil.copytree(prebuilt, self.env.get("MPLCONFIGDIR", "/tmp/mpl"))
        # The kernel's exit wakes the loop at once (SIGCHLD), so its death is reported before
        # the host sends more work; pidfd_open is missing under gVisor.
        wake_read, wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(wake_write, warn_on_full_buffer=False)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        preload()
        self.start_kernel()
        while True:
            poller = zmq.Poller()
            poller.register(self.kernel.shell, zmq.POLLIN)
            poller.register(self.kernel.iopub, zmq.POLLIN)
            poller.register(self.commands.fd, zmq.POLLIN)
            poller.register(wake_read, zmq.POLLIN)
            kernel = self.kernel
            while kernel is self.kernel:
                try:
                    events = dict(poller.poll(0 if self.backlog else 50 if self.current else 500))
                except zmq.ZMQError as error:
                    if error.errno != errno.EINTR:
                        raise
                    events = {}
                if wake_read in events:
                    drain(wake_read)
                if self.commands.fd in events:
                    self.backlog.extend(self.commands.read())
                # A restart replaces the kernel mid-batch: the rest waits for the new poller.
                while self.backlog and kernel is self.kernel:
                    command = self.backlog.pop(0)
                    try:
                        self.handle(command)
                    except SystemExit:
                        raise
                    except Exception as error:  # a bad command must not end the driver
                        self.channel.send(t="fail", id=command.get("id"), message=str(error))
                if kernel is not self.kernel:
                    break
                for socket, handler in ((kernel.iopub, self.on_iopub), (kernel.shell, self.on_shell)):
                    while socket in events or socket.getsockopt(zmq.EVENTS) & zmq.POLLIN:
                        events.pop(socket, None)
                        try:
                            handler(kernel.recv(socket))
                        except zmq.Again:
                            break
                        except Exception:  # noqa: BLE001 - the code may publish anything on IOPub
                            continue
                # Before the flush: an `end` held back becomes a `died` if the kernel is gone.
                if kernel.process.poll() is not None:
                    self.on_kernel_death()
                else:
                    self.flush()


def list_files(path, max_files, max_bytes):
    """The regular files under `path` (relative to WORKDIR, as read_file's paths are) with
    their lstat sizes, sorted by path, and whether the list was cut.

    Symbolic links are neither listed nor followed, and `path` may not go through one. The
    walk visits names in the order of the full paths (a directory sorts as its name plus '/'),
    so stopping at `max_files` files, or before the listing passes `max_bytes`, keeps the
    first ones in that order. Names that are not UTF-8 are left out: no host path names them.
    """
    segments = [segment for segment in path.split("/") if segment not in ("", ".")]
    if path.startswith("/") or ".." in segments:
        raise ValueError(f"{path} is outside the working directory")
    top = WORKDIR
    for segment in segments:
        top = os.path.join(top, segment)
        if os.path.islink(top):
            raise ValueError(f"{path} goes through a symbolic link, which is not followed")
    if not os.path.isdir(top):
        raise ValueError(f"no directory {path}")
    files = []
    budget = max_bytes - LISTING_OVERHEAD_BYTES if max_bytes else None
    pending = scan_directory(top, "/".join(segments))
    while pending:
        relative, entry, is_dir = pending.pop()
        try:
            if is_dir:
                pending.extend(scan_directory(entry.path, relative))
                continue
            size = entry.stat(follow_symlinks=False).st_size
        except OSError:
            continue  # unreadable, or gone since the scan (the code may still be running)
        if len(files) == max_files:
            return files, True
        file = {"path": relative, "sizeBytes": size}
        if budget is not None:
            budget -= len(compact_json(file)) + 1
            if budget < 0:
                return files, True
        files.append(file)
    return files, False


def scan_directory(directory, prefix):
    """The directories and regular files in `directory` as (path, entry, is_dir), last in
    path order first (the walk pops them from the end)."""
    found = []
    with os.scandir(directory) as entries:
        for entry in entries:
            try:
                entry.name.encode()
                is_dir = entry.is_dir(follow_symlinks=False)
                if not is_dir and not entry.is_file(follow_symlinks=False):
                    continue  # symbolic links, fifos, sockets, devices
            except (UnicodeEncodeError, OSError):
                continue
            key = entry.name + "/" if is_dir else entry.name
            found.append((key, f"{prefix}/{entry.name}" if prefix else entry.name, entry, is_dir))
    found.sort(key=lambda item: item[0], reverse=True)
    return [(relative, entry, is_dir) for _, relative, entry, is_dir in found]


def compact_json(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def load(data):
    """JSON from the kernel, whose bytes may not be valid UTF-8 (the code can publish anything)."""
    return json.loads(data.decode("utf-8", "replace"))


def drain(fd):
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


if __name__ == "__main__":
    # Before anything else: same-user processes may no longer open /proc/<pid>/fd or mem.
    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        Driver().run()
    except SystemExit:
        pass
