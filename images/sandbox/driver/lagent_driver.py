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
import shutil
import signal

import zmq

from driver_io import Channel, Commands
from kernel_process import RUNTIME_DIR, WORKDIR, Kernel, kill_strays

DEFAULT_MAX_OUTPUT_BYTES = 1_000_000
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
        msg_id = kernel.execute(code)
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
