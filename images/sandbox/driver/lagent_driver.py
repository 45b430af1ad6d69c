"""Sandbox driver: runs an IPython kernel and relays it to the host.

The host talks to this process through the container's stdin and stdout (Docker's attach
stream), one JSON object per line, so no port or socket is shared with the host. Towards the
kernel it speaks the Jupyter messaging protocol over ZeroMQ on local IPC sockets.

Everything here runs as the sandbox user, next to the user's code: the host treats what this
process says as untrusted and enforces every limit and deadline itself.
"""

import base64
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
import uuid

import zmq

WORKDIR = os.environ.get("LAGENT_WORKDIR", "/workspace")
RUNTIME_DIR = "/tmp/lagent"
KERNEL_START_TIMEOUT_S = 60.0
DEFAULT_MAX_OUTPUT_BYTES = 1_000_000
# Shared with the benchmarks, so the kernel they measure is configured like this one.
with open(os.path.join(os.path.dirname(__file__), "..", "kernel", "kernel_args.json")) as _handle:
    KERNEL_ARGS = json.load(_handle)
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


class Kernel:
    """One ipykernel process and the ZeroMQ sockets to it."""

    def __init__(self, context, env):
        self.context = context
        # No message signing: everything in this container already runs as the user's code,
        # so a key would protect nothing, and unsigned messages are cheaper on both ends.
        self.session_id = uuid.uuid4().hex
        prefix = os.path.join(RUNTIME_DIR, "kernel-" + uuid.uuid4().hex[:8])
        ports = {"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5}
        connection = dict(ports, transport="ipc", ip=prefix, key="", kernel_name="python3")
        self.connection_file = prefix + ".json"
        with open(self.connection_file, "w") as handle:
            json.dump(connection, handle)
        command = [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher",
                   "-f", self.connection_file, *KERNEL_ARGS]
        self.process = subprocess.Popen(
            command, cwd=WORKDIR, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            # The kernel, not this driver, should be what the OOM killer picks.
            with open(f"/proc/{self.process.pid}/oom_score_adj", "w") as handle:
                handle.write("1000")
        except OSError:
            pass
        self.shell = context.socket(zmq.DEALER)
        self.shell.connect(f"ipc://{prefix}-1")
        self.iopub = context.socket(zmq.SUB)
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        self.iopub.connect(f"ipc://{prefix}-2")

    def send(self, msg_type, content):
        # Jupyter wire format by hand: importing jupyter_client would add ~20 MB per session.
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": msg_type, "session": self.session_id,
                  "username": "sandbox", "version": "5.3",
                  "date": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())}
        self.shell.send_multipart([b"<IDS|MSG>", b"", json.dumps(header).encode(), b"{}", b"{}",
                                   json.dumps(content).encode()])
        return msg_id

    def execute(self, code, silent=False, stop_on_error=True):
        return self.send("execute_request", {
            "code": code, "silent": silent, "store_history": not silent,
            "user_expressions": {}, "allow_stdin": False, "stop_on_error": stop_on_error,
        })

    def recv(self, socket):
        """(parent msg_id bytes, header bytes, content bytes) of the next message.

        Only what the driver looks at is decoded, and only when it is needed: most iopub
        traffic (status, execute_input) is answered from the raw parent header.
        """
        frames = socket.recv_multipart(zmq.NOBLOCK)
        start = frames.index(b"<IDS|MSG>") + 2  # skip the delimiter and the (empty) signature
        header, parent, _metadata, content = frames[start:start + 4]
        return parent, header, content

    def wait_ready(self):
        """kernel_info until both the shell reply and an iopub message arrive (no slow joiner)."""
        deadline = time.monotonic() + KERNEL_START_TIMEOUT_S
        poller = zmq.Poller()
        poller.register(self.shell, zmq.POLLIN)
        poller.register(self.iopub, zmq.POLLIN)
        info, heard_iopub = None, False
        while time.monotonic() < deadline and self.process.poll() is None:
            self.send("kernel_info_request", {})
            until = time.monotonic() + 0.5
            while time.monotonic() < until and not (info and heard_iopub):
                for socket, _ in poller.poll(50):
                    _parent, header, content = self.recv(socket)
                    if socket is self.shell and json.loads(header)["msg_type"] == "kernel_info_reply":
                        info = json.loads(content)
                    elif socket is self.iopub:
                        heard_iopub = True
            if info and heard_iopub:
                return info
        raise RuntimeError("the kernel did not start")

    def stop(self):
        for socket in (self.shell, self.iopub):
            socket.close(linger=0)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for suffix in ("-1", "-2", "-3", "-4", "-5", ".json"):
            try:
                os.unlink(self.connection_file[:-5] + suffix)
            except OSError:
                pass


def kill_strays():
    """Kill every process this user may signal except this one: what user code left behind."""
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass


class Driver:
    def __init__(self):
        self.channel = Channel()
        self.context = zmq.Context()
        self.env = dict(os.environ)
        self.commands = Commands()
        self.backlog = []
        self.kernel = None
        self.current = None

    # -- kernel lifecycle ------------------------------------------------------------
    def start_kernel(self, request_id=None, reason="start"):
        if self.kernel is not None:
            self.kernel.stop()
            kill_strays()
        self.kernel = Kernel(self.context, self.env)
        info = self.kernel.wait_ready()
        self.channel.send(t="ready", id=request_id, reason=reason, pid=self.kernel.process.pid,
                          implementation=info.get("implementation_version"))
        self.channel.flush()

    def finish(self, status):
        current, self.current = self.current, None
        self.channel.send(t="end", id=current["id"], count=current["count"], status=status,
                          dropped=current["dropped"])

    # -- host commands -----------------------------------------------------------------
    def handle(self, command):
        op, request_id = command.get("op"), command.get("id")
        if op == "execute":
            if self.current is not None:
                self.channel.send(t="fail", id=request_id, message="an execution is already running")
                return
            self.execute(request_id, str(command.get("code", "")), command.get("env") or {},
                         int(command.get("maxOutputBytes") or DEFAULT_MAX_OUTPUT_BYTES))
        elif op == "interrupt":
            if self.kernel and self.kernel.process.poll() is None:
                os.kill(self.kernel.process.pid, signal.SIGINT)
        elif op == "restart":
            if self.current is not None:
                self.finish("restarted")
                self.channel.flush()
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
        elif op == "ping":
            self.channel.send(t="ok", id=request_id)
        elif op == "exit":
            raise SystemExit(0)

    def execute(self, request_id, code, env, budget):
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
        msg_id = kernel.execute(code, stop_on_error=restore is None)
        if restore:
            kernel.execute(restore, silent=True)
        self.current = {"id": request_id, "msg_id": msg_id, "msg_id_bytes": msg_id.encode(),
                        "reply": False, "idle": False,
                        "count": None, "status": "ok", "dropped": 0, "budget": budget}

    # -- kernel messages -----------------------------------------------------------------
    def emit(self, **frame):
        """Sends output within the execution's byte budget (the host counts again)."""
        current = self.current
        if frame["t"] == "stream":
            encoded = frame["text"].encode()
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
            return
        if json.loads(parent).get("msg_id") != current["msg_id"]:
            return
        kind = json.loads(header)["msg_type"]
        if kind == "execute_input":
            return
        content = json.loads(raw)
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
        if json.loads(header)["msg_type"] == "execute_reply":
            content = json.loads(raw)
            current["reply"] = True
            current["count"] = content.get("execution_count")
            current["status"] = content.get("status", "ok")
            if current["idle"]:
                self.finish(current["status"])

    def on_kernel_death(self):
        code = self.kernel.process.returncode
        request_id = self.current["id"] if self.current else None
        self.channel.send(t="died", id=request_id, code=code if code >= 0 else None,
                          signal=-code if code < 0 else None)
        self.channel.flush()  # before the new kernel's start, which takes a while
        self.current = None
        self.start_kernel(reason="died")

    # -- main loop -------------------------------------------------------------------------
    def run(self):
        os.makedirs(RUNTIME_DIR, exist_ok=True)
        prebuilt = "/opt/lagent/mplconfig"
        if os.path.isdir(prebuilt) and not os.path.exists(self.env.get("MPLCONFIGDIR", "/tmp/mpl")):
            shutil.copytree(prebuilt, self.env.get("MPLCONFIGDIR", "/tmp/mpl"))
        self.start_kernel()
        while True:
            poller = zmq.Poller()
            poller.register(self.kernel.shell, zmq.POLLIN)
            poller.register(self.kernel.iopub, zmq.POLLIN)
            poller.register(self.commands.fd, zmq.POLLIN)
            kernel = self.kernel
            while kernel is self.kernel:
                events = dict(poller.poll(0 if self.backlog else 50 if self.current else 500))
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
                self.channel.flush()
                if kernel.process.poll() is not None:
                    self.on_kernel_death()


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        Driver().run()
    except SystemExit:
        pass
