"""What the fork server looks at between runs: child processes, survivors, the scratch directories."""

import errno
import os
import resource
import shutil

# A private directory of the server in /tmp (root's, 0700): the wipe leaves it alone.
PRIVATE_DIR = "/tmp/.lagent-fresh"
SCRATCH_DIRS = ("/workspace", "/tmp", "/dev/shm", "/dev/mqueue")
SYSV_IPC_FILES = ("/proc/sysvipc/shm", "/proc/sysvipc/msg", "/proc/sysvipc/sem")


def other_processes(expected):
    """Every process but PID 1, this one and the `expected` ones."""
    own = {1, os.getpid(), *expected}
    return [int(name) for name in os.listdir("/proc") if name.isdigit() and int(name) not in own]


def read_file(path):
    """A small file's bytes (a /proc entry), without the io module's layers: read after every run."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def process_state(pid):
    """The process's state letter and its parent's pid; (None, None) once it is gone."""
    try:
        fields = read_file(f"/proc/{pid}/stat").rsplit(b")", 1)[1].split()
        return fields[0].decode(), int(fields[1])
    except (OSError, IndexError, ValueError):
        return None, None


def lingering(pid, parents):
    """True while a process is still in /proc for the next run to see.

    Only a dead child of one of `parents`, the zygotes, may be left: the last run, reaped by
    its zygote right after the sweep and waited for by the server before the next run starts.
    Anything the run started was orphaned to PID 1 and is reaped there: until it is, the next
    run would see it.
    """
    state, parent_pid = process_state(pid)
    if state is None:
        return False
    return not (state in ("Z", "X") and parent_pid in parents)


def address_space_bytes():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * resource.getpagesize()


def wipe(workdir):
    """Empties the scratch directories as the run user (their owner); False if something stayed."""
    clean = True
    private = os.path.basename(PRIVATE_DIR)
    for directory in dict.fromkeys((workdir, *SCRATCH_DIRS)):
        try:
            entries = os.listdir(directory)
        except OSError:
            continue
        for name in entries:
            if directory == "/tmp" and name == private:
                continue
            path = os.path.join(directory, name)
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, onerror=make_writable)
                else:
                    os.unlink(path)
            except OSError:
                pass
            if os.path.lexists(path):
                clean = False
    return clean


def make_writable(function, path, _error):
    """rmtree's retry (onerror: Debian's Python is 3.11) for a directory the run made unwritable (its owner may chmod)."""
    parent = os.path.dirname(path)
    for target in (parent, path):
        try:
            os.chmod(target, 0o700)
        except OSError:
            pass
    try:
        function(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        if error.errno == errno.ENOTEMPTY and os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
