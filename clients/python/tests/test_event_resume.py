"""The events reader against a stand-in server that drops the stream on purpose.

A real service rarely drops a stream, so these tests use a small local server: its
first answer ends after two events, and the client must reconnect with
``Last-Event-ID: 1`` and read on from event 2 without losing or repeating one.
"""

from __future__ import annotations

import json
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional

from lagent_client import LagentConnectionError, NotFoundError
from lagent_client.job_events import follow_job_events
from lagent_client.transport import HttpTransport

EVENTS: List[Dict[str, Any]] = [
    {"type": "started", "workerId": "w1"},
    {"type": "stdout", "text": "a\n"},
    {"type": "stdout", "text": "b\n"},
    {"type": "end", "result": {"jobId": "job-1", "status": "completed", "workerId": "w1"}},
]


class _DroppingHandler(BaseHTTPRequestHandler):
    """Serves job-1's events; ``server.plan`` says how many each connection sends."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        server: Any = self.server
        last_seen = self.headers.get("Last-Event-ID")
        server.seen_last_ids.append(last_seen)
        if self.path != "/v1/jobs/job-1/events":
            error = {"code": "JOB_NOT_FOUND", "message": "no such job", "isRetryable": False}
            body = json.dumps({"error": error}).encode()
            self.send_response(404)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        count = server.plan.pop(0) if server.plan else len(EVENTS)
        start = int(last_seen) + 1 if last_seen is not None else 0
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(b"retry: 10\n\n: keep-alive\n\n")
        for number in range(start, min(start + count, len(EVENTS))):
            event = EVENTS[number]
            self.wfile.write(
                f"id: {number}\nevent: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()
            )
        if start + count < len(EVENTS):
            self.wfile.write(b"id: 99\nevent: stdout\ndata: {\"type\"")  # cut mid-event
        self.wfile.flush()
        self.close_connection = True


class EventResumeTests(unittest.TestCase):
    def setUp(self) -> None:
        self.server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _DroppingHandler)
        self.server.plan = []
        self.server.seen_last_ids = []
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        host, port = self.server.server_address[:2]
        self.transport = HttpTransport(f"http://{host}:{port}", None, 10.0, 0)
        self.sleeps: List[float] = []

    def _follow(
        self, job_id: str = "job-1", last_event_id: Optional[int] = None
    ) -> List[Dict[str, Any]]:
        return list(
            follow_job_events(
                self.transport, job_id, last_event_id, max_reconnects=3, sleep=self.sleeps.append
            )
        )

    def test_reconnects_after_a_dropped_connection(self) -> None:
        self.server.plan = [2, 1]
        events = self._follow()
        self.assertEqual([event["id"] for event in events], [0, 1, 2, 3])
        self.assertEqual([event["type"] for event in events], [e["type"] for e in EVENTS])
        self.assertEqual(self.server.seen_last_ids, [None, "1", "2"])
        self.assertEqual(self.sleeps, [0.01, 0.01])

    def test_starts_after_the_given_last_event_id(self) -> None:
        events = self._follow(last_event_id=1)
        self.assertEqual([event["id"] for event in events], [2, 3])
        self.assertEqual(self.server.seen_last_ids, ["1"])

    def test_gives_up_when_the_stream_keeps_dropping(self) -> None:
        self.server.plan = [2, 0, 0, 0, 0, 0]
        with self.assertRaises(LagentConnectionError):
            self._follow()
        self.assertEqual(self.server.seen_last_ids, [None, "1", "1", "1"])

    def test_an_unknown_job_is_not_retried(self) -> None:
        with self.assertRaises(NotFoundError) as raised:
            self._follow(job_id="job-2")
        self.assertEqual(raised.exception.code, "JOB_NOT_FOUND")
        self.assertEqual(len(self.server.seen_last_ids), 1)
