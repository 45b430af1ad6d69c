"""In-container clients for the sandbox benchmark, run with `docker exec -i ... python3 -`.

Starts two kernels configured like the driver's (same kernel_args.json) and then answers
commands on stdin, one per line, with one JSON line each:
  floor N           N print(1) round trips by a minimal client on the kernel's ZeroMQ
                    sockets: the kernel's own cost, with nothing in between
  jupyter_client N  N print(1) round trips through jupyter_client's BlockingKernelClient
                    (execute_interactive), Python's own client: the baseline
"""
import json
import subprocess
import sys
import time
import uuid

import zmq
from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session

with open("/opt/lagent/kernel/kernel_args.json") as handle:
    KERNEL_ARGS = json.load(handle)


class FloorClient:
    def __init__(self):
        self.session = Session(key=b"")
        prefix = f"/tmp/floor-{uuid.uuid4().hex[:6]}"
        connection = dict(shell_port=1, iopub_port=2, stdin_port=3, control_port=4, hb_port=5,
                          transport="ipc", ip=prefix, key="")
        with open(prefix + ".json", "w") as handle:
            json.dump(connection, handle)
        self.kernel = subprocess.Popen(
            [sys.executable, "-Xfrozen_modules=off", "-m", "lagent_kernel_launcher", "-f", prefix + ".json", *KERNEL_ARGS],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        context = zmq.Context()
        self.shell = context.socket(zmq.DEALER)
        self.shell.connect(f"ipc://{prefix}-1")
        self.iopub = context.socket(zmq.SUB)
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        self.iopub.connect(f"ipc://{prefix}-2")
        self.poller = zmq.Poller()
        self.poller.register(self.shell, zmq.POLLIN)
        self.poller.register(self.iopub, zmq.POLLIN)
        while True:  # until iopub is subscribed (slow joiner)
            self.session.send(self.shell, self.session.msg("kernel_info_request", {}))
            if self.iopub.poll(500):
                break
        time.sleep(0.2)
        while self.iopub.poll(50):
            self.recv(self.iopub)
        while self.shell.poll(50):
            self.recv(self.shell)

    def recv(self, socket):
        """(parent, header, content) as raw bytes: the least a client can do per message."""
        frames = socket.recv_multipart()
        start = frames.index(b"<IDS|MSG>") + 2
        header, parent, _metadata, content = frames[start:start + 4]
        return parent, header, content

    def print_one(self):
        message = self.session.msg("execute_request", {"code": "print(1)", "silent": False, "store_history": True,
                                                       "user_expressions": {}, "allow_stdin": False,
                                                       "stop_on_error": True})
        self.session.send(self.shell, message)
        msg_id = message["header"]["msg_id"].encode()
        replied = idle = False
        while not (replied and idle):
            for socket, _ in self.poller.poll():
                parent, header, content = self.recv(socket)
                if msg_id not in parent:
                    continue
                if socket is self.shell:
                    replied = True
                elif b'"status"' in header and json.loads(content)["execution_state"] == "idle":
                    idle = True


class JupyterClientBaseline:
    def __init__(self):
        self.manager, self.client = start_new_kernel(kernel_name="python3", extra_arguments=KERNEL_ARGS)

    def print_one(self):
        self.client.execute_interactive("print(1)", output_hook=lambda message: None)


def main():
    clients = {"floor": FloorClient(), "jupyter_client": JupyterClientBaseline()}
    for client in clients.values():
        for _ in range(20):
            client.print_one()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        mode, count = line.split()
        client = clients[mode]
        samples = []
        for _ in range(int(count)):
            start = time.perf_counter()
            client.print_one()
            samples.append((time.perf_counter() - start) * 1000)
        print(json.dumps({"mode": mode, "samples_ms": samples}), flush=True)


if __name__ == "__main__":
    main()
