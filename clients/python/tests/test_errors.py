"""Typed errors from a real service, and from one that cannot be reached."""

from __future__ import annotations

from lagent_client import (
    Client,
    LagentConnectionError,
    LagentError,
    NotFoundError,
    ValidationError,
)
from tests.service_env import ServiceTestCase, unique


class ErrorTests(ServiceTestCase):
    def test_an_unknown_job_is_not_found(self) -> None:
        job_id = unique("py-missing")
        for read in (
            lambda: self.client.get_job(job_id),
            lambda: self.client.cancel(job_id),
            lambda: list(self.client.events(job_id)),
        ):
            with self.assertRaises(NotFoundError) as raised:
                read()
            error = raised.exception
            self.assertEqual((error.status, error.code), (404, "JOB_NOT_FOUND"))
            self.assertFalse(error.is_retryable)
            self.assertIn(job_id, error.message)

    def test_a_bad_body_is_a_validation_error(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            self.client.submit({"kind": "no-such-kind", "code": "1"})
        error = raised.exception
        self.assertEqual((error.status, error.code), (400, "VALIDATION_FAILED"))
        self.assertFalse(error.is_retryable)
        self.assertTrue(error.issues, "the failing fields are listed")
        self.assertTrue(any("request" in issue for issue in error.issues), error.issues)
        self.assertIsInstance(error, LagentError)

    def test_a_refused_value_is_an_invalid_argument(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            self.client.run_code("1", envs={"LD_PRELOAD": "/tmp/x.so"})
        error = raised.exception
        self.assertEqual((error.status, error.code), (400, "INVALID_ARGUMENT"))

        job_id = self.client.submit({"kind": "run-code", "code": "1"})
        with self.assertRaises(ValidationError) as raised:
            list(self.client.events(job_id, last_event_id=-2))
        self.assertEqual(raised.exception.code, "INVALID_ARGUMENT")

    def test_an_unreachable_service_is_a_connection_error(self) -> None:
        client = Client("http://127.0.0.1:9", timeout=5, max_retries=0)
        with self.assertRaises(LagentConnectionError) as raised:
            client.health()
        error = raised.exception
        self.assertIsInstance(error, ConnectionError)
        self.assertIsNone(error.status)
        self.assertEqual(error.code, "CONNECTION_FAILED")
