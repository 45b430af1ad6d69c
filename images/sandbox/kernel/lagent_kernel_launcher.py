"""Starts a sandbox kernel: `python -m lagent_kernel_launcher` is ipykernel's launcher, trimmed.

A third of what ipykernel and IPython import at start serves what no sandbox kernel uses:
ipykernel's debugger (debugpy, pydevd and pkg_resources) and IPython's jedi completer. Both
are optional there (an ImportError turns them off), so they are made to fail while the
kernel's modules load, then allowed again: the user's code can import them as usual. Under
gVisor, where every file read goes through the gofer, this is over a second per kernel.
Kernels forked from the driver (which imports the same modules through this file) and
kernels started as new interpreters are then the same kernel.
"""

import sys

SKIPPED_AT_START = ("debugpy", "jedi")


def import_kernel_modules():
    """Imports what a kernel imports at start, without the modules it can do without."""
    blocked = [name for name in SKIPPED_AT_START if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # makes `import name` raise ImportError
    try:
        import ipykernel.kernelapp  # noqa: F401
        import lagent_kernel_ext  # noqa: F401
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


def parse_traceback_sources():
    """Parses, once, the source files every traceback of the user's code passes through.

    IPython finds each frame's node with stack_data (on `executing`), which parses the
    frame's whole file the first time it meets it: for interactiveshell.py, whose run_code is
    in every traceback, about 170 ms under runc and 300 ms under gVisor. The first error of
    each kernel paid it, and so did the first interrupt, against the grace the code has to
    stop before the kernel is restarted (on a loaded host that cost the state). Done in the
    driver before kernels are forked, every kernel starts with the files parsed.
    """
    import stack_data
    from IPython.core import interactiveshell

    import lagent_kernel_ext

    for module in (interactiveshell, lagent_kernel_ext):
        stack_data.Source.for_filename(module.__file__)


def main():
    import_kernel_modules()
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
