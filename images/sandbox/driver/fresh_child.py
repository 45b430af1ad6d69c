"""One fresh run, in a child forked from the fork server (fresh_server.py).

The child sheds everything of the server before the code arrives: the host channel and every
other descriptor, the process group (a session of its own), root and its two capabilities
(it becomes the run user), and the server's signal handling. Then it runs the code in a new
`__main__`, as `python3 -c` would, and writes a report (error, rich results) to its report
pipe. Its stdout and stderr are pipes the server reads with a cap.
"""

import ast
import base64
import builtins
import io
import json
import linecache
import os
import resource
import signal
import sys
import traceback
import types

CELL = "<cell>"
# Taken before any run: a run that replaces json.dumps (its own module state) still gets its report.
ENCODE = json.JSONEncoder(ensure_ascii=False, default=str).encode


def prepare_child(*, fds, uid, gid, workdir, wipe):
    """The next run's process, forked ahead of its run: it sweeps, says ready, waits for code.

    Becoming the run user first, it kills every other process of that user (what the last
    run left, or the last run itself at a timeout) and empties the scratch directories, then
    writes `R` on its report pipe and reads its command (JSON, to end of file) from the server.
    """
    command_r, out_w, err_w, report_w = fds
    os.dup2(command_r, 0)
    os.dup2(out_w, 1)
    os.dup2(err_w, 2)
    os.dup2(report_w, 3)
    os.closerange(4, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGPIPE):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.setsid()
    try:
        # The kernel's OOM killer takes a run before the server (raising needs no capability).
        adjust = os.open("/proc/self/oom_score_adj", os.O_WRONLY)
        try:
            os.write(adjust, b"1000")
        finally:
            os.close(adjust)
    except OSError:
        pass
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)  # every capability is gone from here on
    try:
        os.kill(-1, signal.SIGKILL)  # every process of the run user but this one
    except OSError:
        pass
    clean = wipe(workdir)
    os.chdir(workdir)
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="backslashreplace")
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace",
                                  line_buffering=True)
    warm_up()
    write_all(3, b"R\n" if clean else b"W\n")
    chunks = []
    while chunk := os.read(0, 1 << 20):
        chunks.append(chunk)
    command = json.loads(b"".join(chunks))
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    run_child(command=command, workdir=workdir)


def run_child(*, command, workdir):
    """Runs the command's code in a new `__main__`, as `python3 -c` would; never returns."""
    address_space = command.get("addressSpaceBytes")
    if isinstance(address_space, int) and address_space > 0:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    env = command.get("env")
    if isinstance(env, dict) and env:
        # The server set the run's environment before the fork: only the request's own variables.
        os.environ.update({str(key): str(value) for key, value in env.items()})
    sys.stdin = open(0, closefd=False)
    sys.argv = ["-c"]
    max_results = int(command.get("maxResults", 100))
    report = {"error": None, "results": [], "droppedResults": 0, "exitCode": 0}
    try:
        main = types.ModuleType("__main__")
        main.__dict__["__builtins__"] = builtins
        sys.modules["__main__"] = main
        show_inline(report["results"])
        value = execute(str(command.get("code", "")), main.__dict__)
        if value is not None:
            report["results"].append({"main": True, "data": represent(value)})
        report["results"].extend(figures())
    except SystemExit as stop:
        report["exitCode"] = stop_code(stop)
        if report["exitCode"] != 0:
            report["error"] = {"name": "SystemExit", "value": str(stop.code), "traceback": []}
    except BaseException as error:  # noqa: BLE001 - the user's failure is data
        report["error"] = describe(error)
        report["exitCode"] = 1
    if len(report["results"]) > max_results:
        report["droppedResults"] = len(report["results"]) - max_results
        del report["results"][max_results:]
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a closed or broken stream loses only its tail
            pass
    try:
        # After the output: once the server has this line, the run's output is all in the pipes.
        line = ENCODE(report).encode("utf-8", "replace") + b"\n"
        write_all(3, line)
    except Exception:  # noqa: BLE001 - the server reports a missing report
        pass
    os._exit(report["exitCode"])


def warm_up():
    """Parses and compiles a line before the code arrives, as every run does.

    A forked process pays for each page it first writes (copy-on-write): the parser's and the
    compiler's first use writes many, and doing it here, while the process waits for its run,
    takes that cost off the run's own time. Only that: warming more (exec, JSON) measured
    about 0.3 ms of CPU more per run than it saved.
    """
    compile(ast.parse("x = len([1])", filename=CELL), CELL, "exec")


def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def execute(code, namespace):
    """Runs the code as a cell: the value of a last bare expression is returned."""
    linecache.cache[CELL] = (len(code), None, code.splitlines(True), CELL)
    tree = ast.parse(code, filename=CELL)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, CELL, "exec"), namespace)
    if last is None:
        return None
    return eval(compile(last, CELL, "eval"), namespace)


def stop_code(stop):
    if stop.code is None:
        return 0
    if isinstance(stop.code, int):
        return stop.code & 0xFF
    print(stop.code, file=sys.stderr)
    return 1


def describe(error):
    """name, value and a traceback that starts at the user's code."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    lines = traceback.format_exception(type(error), error, tb)
    return {"name": type(error).__name__, "value": str(error), "traceback": lines}


def represent(value):
    """The value as the driver's result frames key it (text, html: the host's field names)."""
    data = {"text": safe(repr, value)}
    html = getattr(value, "_repr_html_", None)
    if callable(html):
        rendered = safe(html)
        if isinstance(rendered, str):
            data["html"] = rendered
    return data


def show_inline(results):
    """`plt.show()` as in a notebook: the open figures become results (PNG) and are closed.

    Under the Agg backend show() would only warn. Installed when pyplot is preloaded; the run
    may replace it (its own module state).
    """
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.show = lambda *args, **kwargs: results.extend(figures(close=True))


def figures(close=False):
    """The open figures as PNG results (what is still open when a run ends is shown too)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return []
    shown = []
    for number in pyplot.get_fignums():
        figure = pyplot.figure(number)
        buffer = io.BytesIO()
        try:
            figure.savefig(buffer, format="png", bbox_inches="tight")
        except Exception:  # noqa: BLE001 - a figure that cannot be drawn is left out
            continue
        finally:
            if close:
                pyplot.close(figure)
        shown.append({"main": False, "data": {"png": base64.b64encode(buffer.getvalue()).decode("ascii"),
                                              "text": safe(repr, figure)}})
    return shown


def safe(function, *args):
    try:
        return function(*args)
    except Exception as error:  # noqa: BLE001 - a broken repr is shown, not raised
        return f"<repr failed: {type(error).__name__}: {error}>"
