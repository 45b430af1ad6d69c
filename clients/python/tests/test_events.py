"""``Client.events``: a job's Server-Sent Events, numbered, resumable by id."""

from __future__ import annotations

from typing import Any, Dict, List

from tests.service_env import JOB_WAIT_S, ServiceTestCase

CODE = "print('one')\nprint('two')\n6 * 7"


class EventTests(ServiceTestCase):
    def _all_events(self, job_id: str) -> List[Dict[str, Any]]:
        events = list(self.client.events(job_id))
        self.assertEqual(events[-1]["type"], "end")
        return events

    def test_events_of_a_job(self) -> None:
        job_id = self.client.submit({"kind": "run-code", "code": CODE})
        events = self._all_events(job_id)

        self.assertEqual([event["id"] for event in events], list(range(len(events))))
        types = [event["type"] for event in events]
        self.assertEqual(types[0], "started")
        self.assertIsInstance(events[0]["workerId"], str)
        printed = "".join(event["text"] for event in events if event["type"] == "stdout")
        self.assertEqual(printed, "one\ntwo\n")
        values = [event["result"] for event in events if event["type"] == "result"]
        self.assertIn("42", [value.get("text") for value in values])
        end = events[-1]["result"]
        self.assertEqual(end["jobId"], job_id)
        self.assertEqual(end["status"], "completed")
        self.assertEqual(end, self.client.wait(job_id, timeout_s=JOB_WAIT_S))

    def test_resume_after_a_last_event_id(self) -> None:
        job_id = self.client.submit({"kind": "run-code", "code": CODE})
        events = self._all_events(job_id)
        self.assertGreaterEqual(len(events), 3)

        resumed = list(self.client.events(job_id, last_event_id=0))
        self.assertEqual(resumed, events[1:])
        last_only = list(self.client.events(job_id, last_event_id=events[-2]["id"]))
        self.assertEqual(last_only, events[-1:])

    def test_leaving_the_loop_early_then_resuming(self) -> None:
        job_id = self.client.submit({"kind": "run-code", "code": CODE})
        stream = self.client.events(job_id)
        first = next(stream)
        stream.close()  # drops the connection, as a client that goes away
        self.assertEqual((first["id"], first["type"]), (0, "started"))

        rest = list(self.client.events(job_id, last_event_id=first["id"]))
        self.assertEqual(rest[0]["id"], 1)
        self.assertEqual(rest[-1]["type"], "end")
