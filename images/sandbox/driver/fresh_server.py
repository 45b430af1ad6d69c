"""Fresh-state runs: a fork server that never runs the user's code itself.

Started by the channel relay in place of the kernel driver (LAGENT_MODE=fresh), as root with
two capabilities only: SETUID and SETGID. It forks two zygotes (fresh_zygote.py), one that
imports the image's common modules once and one with nothing preloaded; both then only fork.
For each `run` command one of them (fresh_zygotes.py says which) forks a child that drops to
the run user (no capability survives the change of user), runs the code in a new `__main__`
and exits. This server holds the host channel, the pipes and the outcomes, and never forks a
run itself. One run at a time.

After each run a sweeper (a fork that becomes the run user) kills every process of that user
and empties the scratch directories, so the next run finds none of what this one left. The
server and the zygotes cannot be signalled, traced or read by the runs: they are another user
(root), they are not dumpable, and the sandbox's seccomp profile refuses ptrace. What the runs
send back (their pipes) is read with caps; the host validates every frame again.

docs/decisions/2026-12-04-fresh-execution.md holds the threat model.
"""

import ctypes
import grp
import json
import os
import pwd
import select
import signal
import socket
import time

from driver_io import Channel, Commands, channel_fds
from fresh_child import write_all
from fresh_run import DEFAULT_MAX_OUTPUT_BYTES, Child, outcome
from fresh_sweep import SYSV_IPC_FILES, lingering, other_processes, read_file
from fresh_zygotes import ZygoteGone, ZygoteLink, wants_preloaded

PR_SET_DUMPABLE = 4
# How long the processes a sweep killed may take to be gone before it is an anomaly.
SWEEP_SETTLE_S = 2.0
# How long a forked run process may take to sweep and say it is ready.
PREPARE_TIMEOUT_S = 30.0
DEFAULT_PRELOAD = "numpy,pandas,matplotlib.pyplot"


def user_and_group(spec):
    """`uid[:gid]`, numeric or by name, as numbers (setresuid takes numbers)."""
    user, _, group = spec.partition(":")
    uid = int(user) if user.isdigit() else pwd.getpwnam(user).pw_uid
    group = group or user
    return uid, int(group) if group.isdigit() else grp.getgrnam(group).gr_gid


class FreshServer:
    def __init__(self):
        read_fd, write_fd = channel_fds()
        self.channel = Channel(write_fd)
        self.commands = Commands(read_fd)
        self.uid, self.gid = user_and_group(os.environ.pop("LAGENT_RUN_USER", "1000:1000"))
        self.workdir = os.environ.get("LAGENT_WORKDIR", "/workspace")
        self.modules = os.environ.get("LAGENT_FRESH_PRELOAD", DEFAULT_PRELOAD)
        # A run's environment is this process's, set once here: a run without variables of
        # its own then has nothing to change in it.
        env = {key: value for key, value in os.environ.items() if not key.startswith("LAGENT_")}
        env.update(HOME=self.workdir, MPLBACKEND="Agg")
        os.environ.clear()
        os.environ.update(env)
        self.backlog = []
        self.next = None  # the next run's process, forked ahead
        self.plain = None  # the zygote with nothing preloaded
        self.loaded = None  # the zygote with the common modules, if any are to be preloaded
        self.zygotes = []

    # -- the zygotes: the processes runs are forked from ---------------------------------
    def start_zygotes(self):
        """Forks the zygotes (they preload, then only fork runs); the modules preloaded."""
        modules = [name for name in (part.strip() for part in self.modules.split(",")) if name]
        channel = list({self.commands.fd, self.channel.fd})
        for preloads in ([], modules) if modules else ([],):
            link = ZygoteLink(modules=preloads, uid=self.uid, gid=self.gid, workdir=self.workdir,
                              close_in_zygote=[*channel, *(other.fileno() for other in self.zygotes)])
            self.zygotes.append(link)
        for link in self.zygotes:
            link.hello()
        self.plain = self.zygotes[0]
        self.loaded = self.zygotes[1] if len(self.zygotes) > 1 and self.zygotes[1].loaded else None
        return self.loaded.loaded if self.loaded else []

    def zygote_for(self, code):
        """The plain zygote, unless the code may import a preloaded module (fresh_zygotes.py)."""
        if self.loaded is not None and wants_preloaded(code, self.loaded.loaded):
            return self.loaded
        return self.plain

    def fork_run(self, zygote, fds):
        """Has the zygote fork a run process on these pipe ends: its pid, or the reason it could not."""
        zygote.request_fork(fds)
        while not zygote.replies:
            if self.wait_for([], PREPARE_TIMEOUT_S) is None:
                raise ZygoteGone("a zygote did not answer")
        return zygote.reply()

    def status_of(self, pid):
        """The run process's wait status once its zygote has reaped it (and `wait_for` heard it), else None."""
        for zygote in self.zygotes:
            if pid in zygote.statuses:
                return zygote.statuses[pid]
        return None

    def settle(self, keep):
        """Waits (bounded) until every run process but `keep` is reaped, gone from /proc."""
        deadline = time.monotonic() + SWEEP_SETTLE_S
        while (any(zygote.forked - {keep} for zygote in self.zygotes)
               and self.wait_for([], deadline - time.monotonic()) is not None):
            pass
        for zygote in self.zygotes:
            for pid in [pid for pid in zygote.statuses if pid != keep]:
                del zygote.statuses[pid]

    # -- the next run's process: forked ahead, it sweeps what the last run left -----------
    def prepare(self, zygote):
        """Has the zygote fork the next run's process, and waits until it has swept; the anomaly, if any."""
        command_r, command_w = os.pipe()
        pipes = [os.pipe() for _ in range(3)]
        pid, failure = self.fork_run(zygote, [command_r, *(w for _, w in pipes)])
        os.close(command_r)
        for _, write_end in pipes:
            os.close(write_end)
        if pid is None:
            for fd in (command_w, *(r for r, _ in pipes)):
                os.close(fd)
            self.next = None
            return failure
        for read_end, _ in pipes:
            os.set_blocking(read_end, False)
        child = Child(pid, command_w, [r for r, _ in pipes], zygote)
        deadline = time.monotonic() + PREPARE_TIMEOUT_S
        while not child.lines() and child.report in child.open:
            if self.wait_for([child.report], deadline - time.monotonic()) is None:
                break
            child.read(child.report)
        said = child.lines()[:1]
        if said != [b"R"]:
            # Past its change of user this server can no longer signal it: the host replaces
            # the container on the anomaly.
            child.close()
            self.next = None
            return "the scratch directories could not be emptied" if said == [b"W"] else "a run process did not start"
        self.next = child
        return self.leftovers(child.pid)

    def leftovers(self, expected):
        deadline = time.monotonic() + SWEEP_SETTLE_S
        while True:
            # Gone from /proc, not only dead: the next run would list a zombie PID 1 has yet to reap.
            zygotes = {zygote.pid for zygote in self.zygotes}
            alive = [pid for pid in other_processes({expected, *zygotes}) if lingering(pid, zygotes)]
            if not alive:
                break
            if time.monotonic() > deadline:
                return f"processes {alive} outlived the sweep"
            time.sleep(0.002)
        for path in SYSV_IPC_FILES:
            try:
                if read_file(path).count(b"\n") > 1:
                    return f"the run left System V IPC objects ({os.path.basename(path)})"
            except OSError:
                pass
        return None

    def wait_for(self, fds, timeout_s):
        """Polls the fds and the zygote (which tells of each run process's exit).

        The polled fds that are ready (what the zygote said is taken in); None once the time is up.
        """
        if timeout_s <= 0:
            return None
        poller = select.poll()
        for fd in (*fds, *(zygote.fileno() for zygote in self.zygotes)):
            poller.register(fd, select.POLLIN)
        try:
            ready = {fd for fd, _ in poller.poll(max(1, int(timeout_s * 1000)))}
        except InterruptedError:
            ready = set()
        for zygote in self.zygotes:
            if zygote.fileno() in ready:
                zygote.pump()
        return ready

    def wait_exit(self, pid, timeout_s):
        deadline = time.monotonic() + timeout_s
        while (status := self.status_of(pid)) is None:
            if self.wait_for([], deadline - time.monotonic()) is None:
                return None
        return status

    # -- one run ------------------------------------------------------------------------
    def run(self, command):
        request_id = command.get("id")
        code = str(command.get("code", ""))
        zygote = self.zygote_for(code)
        if self.next is not None and self.next.zygote is not zygote:
            # Forked ahead from the other zygote: at the end of its command pipe it exits
            # (it cannot be signalled from here), and the next sweep finds nothing of it.
            self.next.close()
            self.next = None
        if self.next is None:
            anomaly = self.prepare(zygote)
            if self.next is None:
                self.channel.send(t="fail", id=request_id, message=anomaly)
                return
        child, self.next = self.next, None
        # The runs before this one are dead (the sweep saw to it); some may still be the
        # zygote's zombies, in /proc for this run to list: reaped before its code starts.
        self.settle(keep=child.pid)
        timeout_s = max(0.001, float(command.get("timeoutMs") or 60_000) / 1000)
        limit = command.get("maxOutputBytes")
        child.max_output_bytes = limit if isinstance(limit, int) and limit >= 0 else DEFAULT_MAX_OUTPUT_BYTES
        extra = command.get("env")
        env = {str(key): str(value) for key, value in extra.items()} if isinstance(extra, dict) else {}
        memory_mb = command.get("memoryMb")
        address_space = None
        if isinstance(memory_mb, (int, float)) and memory_mb > 0:
            address_space = zygote.base_address_space + int(memory_mb * 1024 * 1024)
        started = time.monotonic()
        payload = json.dumps({"code": code, "env": env, "addressSpaceBytes": address_space,
                              "maxResults": int(command.get("maxResults", 100))}).encode()
        try:
            write_all(child.command_w, payload)
        except OSError:
            pass  # the child died: its status says how
        os.close(child.command_w)
        child.command_w = -1
        deadline = started + timeout_s
        stop = None  # "timeout" or "cancelled"
        # A cancel read in the same chunk as its run waits in the backlog: it counts now.
        cancels = [other for other in self.backlog if other.get("op") == "cancel" and other.get("id") == request_id]
        if cancels:
            self.backlog = [other for other in self.backlog if other not in cancels]
            stop = "cancelled"
        while stop is None:
            if len(child.lines()) >= 2 or child.report_too_big:
                break  # the report: all the run's output is in the pipes
            child.status = self.status_of(child.pid)
            if child.status is not None:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                stop = "timeout"
                break
            ready = self.wait_for([*child.open, self.commands.fd], remaining)
            if ready is None:
                continue
            for fd in child.open & ready:
                child.read(fd)
            if self.commands.fd in ready:
                for other in self.commands.read():
                    if other.get("op") == "cancel" and other.get("id") == request_id:
                        stop = "cancelled"
                    elif other.get("op") != "cancel":
                        self.backlog.append(other)
                        if other.get("op") == "exit":
                            stop = "cancelled"
                if stop:
                    break
        elapsed_ms = (time.monotonic() - started) * 1000
        anomaly = None
        if stop:
            anomaly = self.prepare(zygote)  # its sweep kills this run and all it started
            if self.next is not None:
                child.status = self.wait_exit(child.pid, SWEEP_SETTLE_S)
        child.drain()
        self.channel.send(**outcome(request_id, child, stop, elapsed_ms, timeout_s, anomaly))
        self.channel.flush()
        child.close()
        if child.status is None:
            # It exits right after its report: waited for here (the zygote says when), so
            # the sweep that follows does not find it still tearing down.
            child.status = self.wait_exit(child.pid, SWEEP_SETTLE_S)
        if stop:
            return  # its anomaly, if any, went with the outcome
        anomaly = self.prepare(zygote)  # the next run most likely wants the same zygote
        if anomaly:
            self.channel.send(t="anomaly", id=None, reason=anomaly)
            self.channel.flush()

    # -- the loop -----------------------------------------------------------------------
    def serve(self):
        loaded = self.start_zygotes()
        anomaly = self.prepare(self.plain)
        self.channel.send(t="ready", id=None, reason="start", pid=os.getpid(), preloaded=loaded,
                          **({"anomaly": anomaly} if anomaly else {}))
        self.channel.flush()
        try:
            self.loop()
        except ZygoteGone as error:
            # No run can start here any more: the host replaces the container.
            self.channel.send(t="anomaly", id=None, reason=str(error))
            self.channel.flush()

    def loop(self):
        while True:
            if not self.backlog:
                self.wait_for([self.commands.fd], 3600)
                self.backlog.extend(self.commands.read())
            while self.backlog:
                command = self.backlog.pop(0)
                op = command.get("op")
                if op == "exit":
                    return
                try:
                    if op == "run":
                        self.run(command)
                    elif op == "ping":
                        self.channel.send(t="ok", id=command.get("id"))
                    elif op != "cancel":
                        self.channel.send(t="fail", id=command.get("id"), message=f"unknown op {op!r}")
                except ZygoteGone as error:
                    self.channel.send(t="fail", id=command.get("id"), message=str(error))
                    raise
                except Exception as error:  # noqa: BLE001 - a bad command must not end the server
                    self.channel.send(t="fail", id=command.get("id"), message=str(error))
                self.channel.flush()


if __name__ == "__main__":
    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    FreshServer().serve()
