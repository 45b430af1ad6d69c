"""Jobs: submit, wait (long-polls without side effects), cancel; the platform's reads."""

from __future__ import annotations

import time

from lagent_client import WaitTimeoutError
from tests.service_env import JOB_WAIT_S, ServiceTestCase, unique

SLEEP_CODE = "import time\ntime.sleep(60)"


class JobTests(ServiceTestCase):
    def _wait_until_running(self, job_id: str) -> None:
        deadline = time.monotonic() + JOB_WAIT_S
        while time.monotonic() < deadline:
            state = self.client.get_job(job_id, wait_ms=0)["state"]
            if state == "running":
                return
            self.assertEqual(state, "queued", "the job ended before it was cancelled")
            time.sleep(0.2)
        self.fail(f"job {job_id} never started")

    def test_submit_and_wait(self) -> None:
        job_id = self.client.submit({"kind": "run-code", "code": 'print("hi")\n6 * 7'})
        result = self.client.wait(job_id, timeout_s=JOB_WAIT_S)
        self.assertEqual(result["jobId"], job_id)
        self.assertEqual(result["status"], "completed")
        execution = result["execution"]
        self.assertEqual("".join(execution["logs"]["stdout"]), "hi\n")
        self.assertEqual(execution["results"][0]["text"], "42")

        job = self.client.get_job(job_id)
        self.assertEqual(job["state"], "ended")
        self.assertEqual(job["result"], result)

    def test_the_same_job_id_runs_once(self) -> None:
        job_id = unique("py-once")
        request = {"kind": "run-code", "code": "print('once')"}
        self.assertEqual(self.client.submit(request, job_id=job_id, deadline_ms=60_000), job_id)
        self.assertEqual(self.client.submit(request, job_id=job_id), job_id)
        result = self.client.wait(job_id, timeout_s=JOB_WAIT_S)
        self.assertEqual("".join(result["execution"]["logs"]["stdout"]), "once\n")

    def test_wait_running_out_leaves_the_job_running(self) -> None:
        job_id = self.client.submit(
            {"kind": "run-code", "code": SLEEP_CODE, "sessionId": self.new_session_id()}
        )
        self._wait_until_running(job_id)
        with self.assertRaises(WaitTimeoutError) as raised:
            self.client.wait(job_id, timeout_s=1)
        self.assertEqual(raised.exception.job_id, job_id)
        self.assertIsInstance(raised.exception, TimeoutError)
        self.assertEqual(self.client.get_job(job_id)["state"], "running")
        self.assertTrue(self.client.cancel(job_id))

    def _wait_until_printing(self, job_id: str) -> None:
        """Returns once the job's code has printed: the kernel is running it."""
        stream = self.client.events(job_id)
        try:
            for event in stream:
                self.assertNotEqual(event["type"], "end", "the job ended before it was cancelled")
                if event["type"] == "stdout":
                    return
        finally:
            stream.close()

    def test_cancel_a_running_job(self) -> None:
        session_id = self.new_session_id()
        kept = self.client.run_code("kept = 'still here'", session_id=session_id)
        self.assertEqual(kept["status"], "completed")
        job_id = self.client.submit(
            {
                "kind": "run-code",
                "code": "print('sleeping', flush=True)\n" + SLEEP_CODE,
                "sessionId": session_id,
            }
        )
        self._wait_until_printing(job_id)
        self.assertEqual(self.client.get_job(job_id)["state"], "running")
        started = time.monotonic()
        self.assertTrue(self.client.cancel(job_id))
        result = self.client.wait(job_id, timeout_s=JOB_WAIT_S)
        self.assertEqual(result["status"], "cancelled")
        self.assertLess(time.monotonic() - started, 50, "the sleep was not interrupted")
        self.assertFalse(self.client.cancel(job_id), "an ended job cannot be cancelled")

        # The kernel was interrupted, not lost: the session keeps its state.
        after = self.client.run_code("print(kept)", session_id=session_id)
        self.assertEqual("".join(after["execution"]["logs"]["stdout"]), "still here\n")

    def test_platform_reads(self) -> None:
        self.assertEqual(self.client.health(), {"status": "ok"})
        names = [tool["name"] for tool in self.client.tools()]
        self.assertIn("IPythonInteractive", names)
        workers = self.client.workers()
        self.assertIn("queue", workers)
        self.assertIsInstance(workers["sessions"], int)
        self.assertIsInstance(self.client.failed_jobs(limit=5), list)
