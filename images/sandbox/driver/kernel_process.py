"""One ipykernel process and the ZeroMQ sockets the driver uses to talk to it."""

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
import uuid

import zmq

WORKDIR = os.environ.get("LAGENT_WORKDIR", "/workspace")
RUNTIME_DIR = "/tmp/lagent"
KERNEL_START_TIMEOUT_S = 60.0
# "fork": kernels are forked from this driver, which has imported what a kernel imports at
# start (preload); "spawn": each kernel is a new interpreter that imports it all again
# (the benchmarks compare the two).
KERNEL_START = os.environ.get("LAGENT_KERNEL_START", "fork")
PR_SET_DUMPABLE = 4
# ipykernel's launcher, without the optional modules no sandbox kernel uses (in the image's
# kernel directory, on the path of the driver and of every kernel).
LAUNCHER = "lagent_kernel_launcher"
# Shared with the benchmarks, so the kernel they measure is configured like this one.
with open(os.path.join(os.path.dirname(__file__), "..", "kernel", "kernel_args.json")) as _handle:
    KERNEL_ARGS = json.load(_handle)


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
        self.process = start_kernel_process(self.connection_file, env)
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

    def execute(self, code, silent=False):
        # Never stop_on_error. With it, a request that raises puts ipykernel into an
        # "aborting" state that it leaves only on a later turn of its event loop; an
        # execute_request that reaches it before then is answered "aborted" without being
        # run. The driver sends the next execution as soon as this one has ended, so under
        # CPU load that request could land in the window and come back empty. Nothing is
        # ever queued behind an execution here (the driver runs one at a time), so the option
        # had nothing to protect; the restore after an execution's own env must run anyway.
        return self.send("execute_request", {
            "code": code, "silent": silent, "store_history": not silent,
            "user_expressions": {}, "allow_stdin": False, "stop_on_error": False,
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

    def interrupt(self):
        """SIGINT to the kernel's main thread, the one running the user's code.

        Sent to the process, the signal may go to any of its threads that does not block it
        (ipykernel's IOPub, heartbeat and control threads do not): both Linux and gVisor
        pass it to another thread while the main one has a signal pending already. The
        Python handler then runs only when the main thread next checks for it: code blocked
        in a sleep or a read would run on to the host's grace, and the kernel would be
        restarted, the state lost.
        """
        pid = self.process.pid
        try:
            if _LIBC.tgkill(pid, pid, signal.SIGINT) == 0:
                return
        except AttributeError:  # a libc without tgkill (glibc < 2.30)
            pass
        os.kill(pid, signal.SIGINT)

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


class ForkedKernel:
    """A kernel forked from the driver: the subset of Popen the driver uses."""

    def __init__(self, pid):
        self.pid = pid
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self):
        if self.returncode is None:
            _, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


_preloaded = False
_LIBC = ctypes.CDLL(None, use_errno=True)


def preload():
    """Imports, once, what every kernel imports at start, so kernels can be forked from here.

    A kernel that starts in a new interpreter spends almost all its start-up time on these
    imports: about 1.5 s under runc and 8 s under gVisor, where each file access goes
    through the gofer. Forked, a kernel (and so a restart after a death) is ready in a
    fraction of that. Nothing here runs the user's code, so a forked kernel starts as fresh
    as a new interpreter would.
    """
    global _preloaded
    if KERNEL_START != "fork":
        return
    try:
        import lagent_kernel_launcher

        lagent_kernel_launcher.import_kernel_modules()
        _preloaded = True
    except Exception:  # noqa: BLE001 - then kernels are spawned as new interpreters
        _preloaded = False
        return
    try:
        lagent_kernel_launcher.parse_traceback_sources()
    except Exception:  # noqa: BLE001 - only a first traceback's speed depends on it
        pass


def start_kernel_process(connection_file, env):
    argv = ["-f", connection_file, *KERNEL_ARGS]
    if _preloaded:
        pid = os.fork()
        if pid == 0:
            _run_forked_kernel(argv, env)  # never returns
        return ForkedKernel(pid)
    process = subprocess.Popen(
        [sys.executable, "-Xfrozen_modules=off", "-m", LAUNCHER, *argv], cwd=WORKDIR, env=env,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        # The kernel, not this driver, should be what the OOM killer picks.
        with open(f"/proc/{process.pid}/oom_score_adj", "w") as handle:
            handle.write("1000")
    except OSError:
        pass
    return process


def _run_forked_kernel(argv, env):
    """In the forked child: becomes what `python -m lagent_kernel_launcher` would be, then runs it.

    Nothing of the driver may reach the kernel: every inherited descriptor above 2 (the host
    channel among them) is closed before anything else, and the child never returns into
    the driver's code (it leaves with os._exit, so no driver object is ever finalised here).
    """
    code = 1
    try:
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        if null > 2:
            os.close(null)
        os.setsid()
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        # The driver is not dumpable; the kernel is, as a new interpreter would be (its own
        # /proc files then belong to the sandbox user again).
        ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
        try:
            with open("/proc/self/oom_score_adj", "w") as handle:
                handle.write("1000")  # the kernel, not the driver, is what the OOM killer picks
        except OSError:
            pass
        os.chdir(WORKDIR)
        os.environ.clear()
        os.environ.update(env)
        # As `python -m`: the working directory first on the path, the driver's not at all.
        driver_dir = os.path.dirname(os.path.abspath(__file__))
        sys.path[:] = [WORKDIR] + [entry for entry in sys.path[1:] if entry != driver_dir]
        for name in ("lagent_driver", "driver_io", "kernel_process"):
            sys.modules.pop(name, None)
        sys.argv = [LAUNCHER, *argv]
        import lagent_kernel_launcher

        lagent_kernel_launcher.main()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:  # noqa: BLE001 - whatever happens, never back into the driver
        code = 1
    finally:
        os._exit(code)


def kill_strays():
    """Kill every process this user may signal except this one: what user code left behind."""
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
