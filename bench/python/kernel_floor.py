"""Round trips of print(1) measured inside a sandbox container, without the host in the path.

Modes (argv[1]):
  floor           a minimal client on the kernel's ZeroMQ sockets (the kernel's own cost)
  jupyter_client  Python's jupyter_client: start_new_kernel + BlockingKernelClient.execute
Prints one JSON line: {"mode", "samples_ms": [...]}.
"""
import json
import os
import sys
import time
import uuid

N = int(sys.argv[2]) if len(sys.argv) > 2 else 300
KERNEL_ARGS = json.loads(sys.argv[3]) if len(sys.argv) > 3 else []


def floor():
    import subprocess
    import zmq
    from jupyter_client.session import Session

    session = Session(key=b"")
    prefix = f"/tmp/floor-{uuid.uuid4().hex[:6]}"
    connection = dict(shell_port=1, iopub_port=2, stdin_port=3, control_port=4, hb_port=5, transport="ipc",
                      ip=prefix, key="")
    with open(prefix + ".json", "w") as handle:
        json.dump(connection, handle)
    kernel = subprocess.Popen([sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f",
                               prefix + ".json", *KERNEL_ARGS], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = zmq.Context()
    shell = context.socket(zmq.DEALER)
    shell.connect(f"ipc://{prefix}-1")
    iopub = context.socket(zmq.SUB)
    iopub.setsockopt(zmq.SUBSCRIBE, b"")
    iopub.connect(f"ipc://{prefix}-2")

    def recv(socket):
        _, parts = session.feed_identities(socket.recv_multipart(), copy=True)
        return session.deserialize(parts, content=True, copy=True)

    def execute(code):
        message = session.msg("execute_request", {"code": code, "silent": False, "store_history": True,
                                                   "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        session.send(shell, message)
        msg_id = message["header"]["msg_id"]
        replied = idle = False
        poller = zmq.Poller()
        poller.register(shell, zmq.POLLIN)
        poller.register(iopub, zmq.POLLIN)
        while not (replied and idle):
            for socket, _ in poller.poll():
                reply = recv(socket)
                if reply["parent_header"].get("msg_id") != msg_id:
                    continue
                if socket is shell:
                    replied = True
                elif reply["msg_type"] == "status" and reply["content"]["execution_state"] == "idle":
                    idle = True

    # Wait until iopub works (slow joiner), then warm up.
    while True:
        session.send(shell, session.msg("kernel_info_request", {}))
        if iopub.poll(500):
            break
    while iopub.poll(100):
        recv(iopub)
    while shell.poll(100):
        recv(shell)
    for _ in range(20):
        execute("print(1)")
    samples = []
    for _ in range(N):
        start = time.perf_counter()
        execute("print(1)")
        samples.append((time.perf_counter() - start) * 1000)
    kernel.kill()
    return samples


def jupyter_client_baseline():
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", extra_arguments=KERNEL_ARGS)
    for _ in range(20):
        client.execute_interactive("print(1)", output_hook=lambda message: None)
    samples = []
    for _ in range(N):
        start = time.perf_counter()
        client.execute_interactive("print(1)", output_hook=lambda message: None)
        samples.append((time.perf_counter() - start) * 1000)
    client.stop_channels()
    manager.shutdown_kernel(now=True)
    return samples


if __name__ == "__main__":
    mode = sys.argv[1]
    samples = floor() if mode == "floor" else jupyter_client_baseline()
    print(json.dumps({"mode": mode, "samples_ms": samples}))
