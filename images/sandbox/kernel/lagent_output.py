"""What the kernel's output says, and which execution it belongs to (loaded by lagent_kernel_ext).

1. Every message is valid UTF-8. jupyter_client encodes with "surrogateescape": a lone
   surrogate such as '\\ud800' fails the send (the output is lost, tornado's traceback lands
   on stderr), and '\\udcff' becomes a raw invalid byte. Here each becomes U+FFFD.
2. Output written straight to file descriptors 1 and 2 (C libraries, subprocesses,
   os.write) is read here rather than by ipykernel, whose reader decodes each chunk as strict
   UTF-8 and stops for good at the first invalid or split byte sequence. This reader decodes
   incrementally and replaces what is invalid. Each execution gets fresh pipes on fds 1 and
   2, so a child it leaves running keeps writing into that execution's pipe; what is in the
   pipe when the execution ends is read before its reply.
3. Output carries the execution that produced it. A thread is tagged at its start with the
   execution running then (or with its starter's tag), a thread pool's work item with the
   execution that submitted it; a write from a thread whose execution has ended goes out at
   once under that execution's header, and the driver drops it and says how much it dropped.
   (Writes from the main thread, and fd-level writes, belong to the pipe or call current.)
4. exit(), quit() and get_ipython().ask_exit() would end the kernel once the reply is out,
   so the call would look like a success and the next one would find a fresh kernel. They
   are ignored: the session goes on, and stderr says so.
"""

import codecs
import json
import os
import select
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from ipykernel.iostream import OutStream
from ipykernel.zmqshell import ZMQInteractiveShell
from jupyter_client.jsonutil import json_clean, json_default
from jupyter_client.session import extract_header

EXIT_IGNORED = "exit() is ignored in this sandbox: the session goes on\n"
CHUNK_BYTES = 65536
_UNSET = object()
_write = OutStream.write
_thread_start = threading.Thread.start
_submit = ThreadPoolExecutor.submit
_kernel = None

# (The UTF-8 encoder takes a replacement as bytes, or as ASCII text only.)
codecs.register_error("lagent.fffd", lambda error: ("\ufffd".encode() * (error.end - error.start), error.end))


# -- 1. valid UTF-8 ------------------------------------------------------------------------
def _pack(obj):
    try:
        text = json.dumps(obj, default=json_default, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        text = json.dumps(json_clean(obj), default=json_default, ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8", "lagent.fffd")


# -- 3. which execution output belongs to ------------------------------------------------------
def _request_header():
    """The header of the request being handled, or None before the first one."""
    header = (_kernel.get_parent("shell") or {}).get("header") if _kernel else None
    return header if header and header.get("msg_id") else None


def _thread_parent():
    """The tag of the calling thread: None for the main thread and the kernel's own threads."""
    return getattr(threading.current_thread(), "_lagent_parent", None)


def _start_tagged(self):
    if "_lagent_parent" not in self.__dict__:
        self._lagent_parent = _thread_parent() or _request_header()
    return _thread_start(self)


def _submit_tagged(self, fn, /, *args, **kwargs):
    parent = _thread_parent() or _request_header()

    def run(*call_args, **call_kwargs):
        thread = threading.current_thread()
        saved = thread.__dict__.get("_lagent_parent", _UNSET)
        thread._lagent_parent = parent
        try:
            return fn(*call_args, **call_kwargs)
        finally:
            if saved is _UNSET:
                del thread._lagent_parent
            else:
                thread._lagent_parent = saved

    return _submit(self, run, *args, **kwargs)


def _send_stream(stream, text, parent):
    stream.session.send(stream.pub_thread, "stream", content={"name": stream.name, "text": text},
                        parent=parent, ident=stream.topic)


def _write_attributed(self, string):
    parent = _thread_parent()
    if parent is None or self.pub_thread is None or not isinstance(string, str):
        return _write(self, string)
    with self._buffer_lock:  # an RLock: the check and the buffering are one step
        if parent.get("msg_id") == self.parent_header.get("msg_id"):
            return _write(self, string)
    if string:
        _send_stream(self, string, parent)
    return len(string)


def _flush_attributed(self):
    """OutStream._flush, taking the text and the header it was written under in one step."""
    self._flush_pending = False
    self._subprocess_flush_pending = False
    with self._buffer_lock:
        data = self._flush_buffer()
        parent = self.parent_header
    if data:
        self.session.pid = os.getpid()
        _send_stream(self, data, parent)


def _set_parent_flushing(self, parent):
    """What is buffered goes out under the header it was written under, before the switch."""
    with self._buffer_lock:
        data = self._flush_buffer()
        previous = self.parent_header
        self.parent_header = extract_header(parent)
    if data:
        _send_stream(self, data, previous)


# -- 2. file descriptors 1 and 2 ---------------------------------------------------------------
def _write_as(stream, text, parent):
    """Writes as output of `parent` (None: of the request being handled), from any thread."""
    thread = threading.current_thread()
    saved = thread.__dict__.get("_lagent_parent", _UNSET)
    thread._lagent_parent = parent
    try:
        stream.write(text)
    finally:
        if saved is _UNSET:
            del thread._lagent_parent
        else:
            thread._lagent_parent = saved


class _Pipe:
    """One pipe on fd 1 or 2, for the output of one execution (`parent`)."""

    def __init__(self, fd, stream, parent, pump):
        self.stream, self.parent, self.pump = stream, parent, pump
        self.lock = threading.Lock()
        self.closed = False
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.read_end, write_end = os.pipe()
        os.set_blocking(self.read_end, False)
        os.dup2(write_end, fd)  # closes the previous pipe's write end here
        os.close(write_end)
        pump.add(self)

    def move(self):
        """Moves what the pipe holds now to the stream; at end of file, closes the pipe."""
        with self.lock:
            while not self.closed:
                try:
                    data = os.read(self.read_end, CHUNK_BYTES)
                except BlockingIOError:
                    return
                text = self.decoder.decode(data, final=not data)
                if text:
                    _write_as(self.stream, text, self.parent)
                if not data:
                    self.closed = True
                    self.pump.remove(self)
                    os.close(self.read_end)


class _Pump:
    """One thread moving what is written into every open pipe to its stream (a thread per
    execution would cost a millisecond under runc, several under gVisor)."""

    def __init__(self):
        self.pipes = {}
        # epoll, not select: gVisor refuses select(2) under the sandbox's seccomp profile, and
        # a pipe registered while the thread waits is watched at once.
        self.epoll = select.epoll()
        thread = threading.Thread(target=self.run, name="lagent-fds", daemon=True)
        thread._lagent_parent = None
        thread.start()

    def add(self, pipe):
        self.pipes[pipe.read_end] = pipe
        self.epoll.register(pipe.read_end, select.EPOLLIN)

    def remove(self, pipe):
        self.epoll.unregister(pipe.read_end)
        self.pipes.pop(pipe.read_end, None)

    def run(self):
        while True:
            for fd, _events in self.epoll.poll():
                pipe = self.pipes.get(fd)
                if pipe is not None:
                    pipe.move()


class _Capture:
    """Fresh pipes on fds 1 and 2 for each execution: a child it leaves running keeps its own."""

    def __init__(self, stream_of):
        self.stream_of = stream_of
        self.pump = _Pump()
        self.pipes = []
        self.attach(None)

    def attach(self, parent):
        self.pipes = [_Pipe(fd, stream, parent, self.pump) for fd, stream in self.stream_of.items()]

    def drain(self):
        """What the execution wrote before it ended goes out with it, before its reply."""
        for pipe in self.pipes:
            pipe.move()


# -- 4. exit -----------------------------------------------------------------------------------
def _ignore_exit(shell, stderr):
    def observe(change):
        if change["new"]:
            shell.exit_now = False
            stderr.write(EXIT_IGNORED)

    # ipykernel stops its event loop 0.1 s after exit_now turns true: that observer goes.
    shell.unobserve(ZMQInteractiveShell._update_exit_now, names="exit_now")
    shell.observe(observe, names="exit_now")


def install(ipython):
    global _kernel
    _kernel = ipython.kernel
    _kernel.session.pack = _pack
    OutStream.write = _write_attributed
    OutStream._flush = _flush_attributed
    OutStream.set_parent = _set_parent_flushing
    threading.Thread.start = _start_tagged
    ThreadPoolExecutor.submit = _submit_tagged
    stdout, stderr = sys.stdout, sys.stderr
    capture = _Capture({1: stdout, 2: stderr})
    ipython.events.register("pre_run_cell", lambda _info: capture.attach(_request_header()))
    ipython.events.register("post_run_cell", lambda _result: capture.drain())
    _ignore_exit(ipython, stderr)
