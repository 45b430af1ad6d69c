"""IPython extension loaded into every sandbox kernel (--IPKernelApp.extensions).

1. lagent_output: valid UTF-8 in every message, fds 1 and 2 read per execution, output
   tagged with the execution that produced it, exit() ignored (see its docstring).
2. ipykernel flushes stdout and stderr before and after each execution, and every flush
   waits for a round trip through its IOPub thread even when nothing was written. Skipping
   the wait when the buffer is empty takes about a millisecond off every execution and
   changes no output: anything written later schedules its own flush.
3. The only client of this kernel is the sandbox driver. It does not read the `busy`
   status, which the kernel stops publishing. `execute_input` it reads only as the sign that
   the kernel has begun the request (from then on SIGINT interrupts the code; before, the
   kernel ignores it, so the driver holds an interrupt until then): it is published without
   the code it would echo (up to the code size limit, for nothing). The `idle` status, which
   ends an execution, stays.
4. An exception's text is capped before IPython formats it: a 50 MB message would be
   copied into the traceback, the error message and the execute reply, and JSON-encoded
   each time, until the kernel runs out of memory. The exception (and its chain and notes)
   keeps the head of its text and says how much was cut; the traceback list as a whole is
   capped too (`_render_traceback_` may return anything).
5. `display()` calls past LAGENT_MAX_RESULTS in one execution are counted, not published:
   each message is a round trip through the IOPub thread (about 5 ms under gVisor, so
   200,000 of them held the session for many minutes). At the end of the execution the
   count goes to the driver in one display_data under DROPPED_RESULTS_MIME, and the driver
   reports it. The driver and the host count again; this only saves the work.
6. An interrupt (SIGINT) stops only the user's code. ipykernel raises KeyboardInterrupt
   wherever the signal lands during a request; landing in its own code before or after the
   cell (a window of a few milliseconds at each end), it drops the request unanswered, and
   the driver must restart the kernel to get on: the state is lost to an interrupt that came
   a moment early. Here the handler raises only while the cell's nodes are being run, where
   IPython turns the exception into the cell's error (the nodes' runner is wrapped so that
   holds from its first instruction to its last); earlier, the interrupt is held and the
   first node raises KeyboardInterrupt as it starts; later, it is dropped (the code has
   ended). An interrupt that lands while a top-level `await` has the cell suspended is held
   too, and lost: the host restarts the kernel after its grace and says the state is lost.
   A signal can land just before the code blocks (in a sleep or a read) and after Python
   last looked for one: its handler then waits for the call to return. The host sends the
   interrupt again until the code stops; once the code has had its KeyboardInterrupt, the
   repeats are ignored for the rest of the request.
"""

import os
import signal

from IPython.core.interactiveshell import InteractiveShell
from ipykernel.iostream import OutStream
from ipykernel.kernelbase import Kernel
from ipykernel.zmqshell import ZMQDisplayPublisher, ZMQInteractiveShell

import lagent_output

_flush = OutStream.flush
_publish_status = Kernel._publish_status
_publish_execute_input = Kernel._publish_execute_input
_showtraceback = InteractiveShell.showtraceback
_send_traceback = ZMQInteractiveShell._showtraceback
_publish_display = ZMQDisplayPublisher.publish
_run_code = InteractiveShell.run_code
_run_ast_nodes = InteractiveShell.run_ast_nodes
MAX_EXCEPTION_CHARS = 20_000
MAX_TRACEBACK_CHARS = 100_000
DROPPED_RESULTS_MIME = "application/vnd.lagent.dropped-results+json"
_displays = {"sent": 0, "dropped": 0}


def _flush_if_written(self):
    with self._buffer_lock:
        empty = self._buffer.tell() == 0
    if not empty:
        _flush(self)


def _publish_status_but_busy(self, status, channel, parent=None):
    if status != "busy":
        _publish_status(self, status, channel, parent)


def _execute_input_without_code(self, code, parent, execution_count):
    return _publish_execute_input(self, "", parent, execution_count)


_interrupt = {"running": 0, "pending": False, "raised": False}
_INTERRUPTED = compile("raise KeyboardInterrupt", "<interrupted>", "exec")


def _on_sigint(signum, frame):
    if _interrupt["raised"]:
        return  # a repeat (see the host's interrupt loop): the code has had its interrupt
    # Both: the count alone is still up while a top-level await has the cell suspended and
    # the event loop (which must not see the exception) is running.
    if _interrupt["running"]:
        while frame is not None:
            if frame.f_code is _RUN_NODES_CODE:
                _interrupt["raised"] = True
                raise KeyboardInterrupt
            frame = frame.f_back
    _interrupt["pending"] = True


def _pre_handler_hook(self):
    _interrupt["pending"] = _interrupt["raised"] = False
    self.saved_sigint_handler = signal.signal(signal.SIGINT, _on_sigint)


async def _run_ast_nodes_interruptible(self, nodelist, cell_name, *args, **kwargs):
    try:
        _interrupt["running"] += 1  # a count: the user's code may run a cell of its own
        try:
            return await _run_ast_nodes(self, nodelist, cell_name, *args, **kwargs)
        finally:
            _interrupt["running"] -= 1
    except KeyboardInterrupt as interrupt:
        # Landed in IPython's own code around its try (its first and last instructions).
        result = kwargs.get("result")
        if result is not None:
            result.error_in_exec = interrupt
        self.showtraceback()
        return True


_RUN_NODES_CODE = _run_ast_nodes_interruptible.__code__


async def _run_code_interruptible(self, code_obj, result=None, *, async_=False):
    if _interrupt["pending"]:
        _interrupt["pending"], _interrupt["raised"] = False, True
        code_obj, async_ = _INTERRUPTED, False
    return await _run_code(self, code_obj, result, async_=async_)


def _cut(text, limit):
    return f"{text[:limit]}... [{len(text) - limit:,} more characters cut]"


def _cap_one(value):
    try:
        text = str(value)
    except Exception:
        return
    if len(text) <= MAX_EXCEPTION_CHARS:
        return
    short = _cut(text, MAX_EXCEPTION_CHARS)
    del text
    try:
        value.args = (short,)
        if isinstance(value, SyntaxError):
            value.msg = short
        if len(str(value)) <= MAX_EXCEPTION_CHARS + 100:
            return
    except Exception:
        pass
    # A __str__ that ignores args: a subclass of the same name says the short text.
    cls = type(value)
    try:
        value.__class__ = type(cls.__name__, (cls,), {
            "__str__": lambda self: short, "__module__": cls.__module__,
            "__qualname__": cls.__qualname__})
    except Exception:
        pass


def _cap_exception(value):
    """Caps the text of `value`, of the exceptions chained to it and of their notes."""
    pending, seen = [value], set()
    while pending:
        value = pending.pop()
        if not isinstance(value, BaseException) or id(value) in seen:
            continue
        seen.add(id(value))
        _cap_one(value)
        notes = getattr(value, "__notes__", None)
        if isinstance(notes, list) and sum(len(str(note)) for note in notes) > MAX_EXCEPTION_CHARS:
            value.__notes__ = [_cut("\n".join(map(str, notes)), MAX_EXCEPTION_CHARS)]
        pending += [value.__cause__, value.__context__, *getattr(value, "exceptions", ())]


def _showtraceback_capped(self, exc_tuple=None, *args, **kwargs):
    try:
        _cap_exception(self._get_exc_info(exc_tuple)[1])
    except Exception:
        pass
    return _showtraceback(self, exc_tuple, *args, **kwargs)


def _send_traceback_capped(self, etype, evalue, stb):
    stb = [str(entry) for entry in stb] if isinstance(stb, list) else [str(stb)]
    total = sum(map(len, stb))
    if total > MAX_TRACEBACK_CHARS:
        # The first frames, and the last entry (the exception line) capped on its own.
        last = stb[-1] if len(stb[-1]) <= MAX_EXCEPTION_CHARS else _cut(stb[-1], MAX_EXCEPTION_CHARS)
        budget, kept = MAX_TRACEBACK_CHARS - len(last), []
        for entry in stb[:-1]:
            if len(entry) > budget:
                break
            kept.append(entry)
            budget -= len(entry)
        cut = total - sum(map(len, kept)) - len(stb[-1])
        stb = [*kept, f"[... {cut:,} characters of traceback cut]", last]
    return _send_traceback(self, etype, evalue, stb)


def _max_results():
    try:
        return max(0, int(os.environ.get("LAGENT_MAX_RESULTS", "100")))
    except ValueError:
        return 100


MAX_RESULTS = _max_results()


def _publish_display_capped(self, data, metadata=None, transient=None, update=False):
    if _displays["sent"] >= MAX_RESULTS:
        _displays["dropped"] += 0 if update else 1
        return None
    _displays["sent"] += 0 if update else 1
    return _publish_display(self, data, metadata, transient, update)


def _reset_displays():
    _displays.update(sent=0, dropped=0)


def _report_dropped_displays(shell):
    if _displays["dropped"]:
        _publish_display(shell.display_pub, {DROPPED_RESULTS_MIME: _displays["dropped"]})
    _reset_displays()


def load_ipython_extension(ipython):
    OutStream.flush = _flush_if_written
    Kernel._publish_status = _publish_status_but_busy
    Kernel._publish_execute_input = _execute_input_without_code
    Kernel.pre_handler_hook = _pre_handler_hook
    InteractiveShell.run_code = _run_code_interruptible
    InteractiveShell.run_ast_nodes = _run_ast_nodes_interruptible
    InteractiveShell.showtraceback = _showtraceback_capped
    ZMQInteractiveShell._showtraceback = _send_traceback_capped
    ZMQDisplayPublisher.publish = _publish_display_capped
    ipython.events.register("pre_execute", _reset_displays)
    ipython.events.register("post_execute", lambda: _report_dropped_displays(ipython))
    lagent_output.install(ipython)
