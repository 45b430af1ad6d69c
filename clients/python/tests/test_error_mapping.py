"""How error answers become typed errors (no service needed)."""

from __future__ import annotations

import json
import unittest

from lagent_client import (
    AuthenticationError,
    LagentError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    ServerError,
    UnavailableError,
    UnsupportedMediaTypeError,
    ValidationError,
)
from lagent_client.errors import error_from_response


def _body(code: str, retryable: bool = False, **extra: object) -> bytes:
    error = {"code": code, "message": f"{code} happened", "isRetryable": retryable, **extra}
    return json.dumps({"error": error}).encode()


class ErrorMappingTests(unittest.TestCase):
    def test_the_status_picks_the_class(self) -> None:
        cases = [
            (400, "VALIDATION_FAILED", ValidationError),
            (401, "UNAUTHORIZED", AuthenticationError),
            (404, "SESSION_NOT_FOUND", NotFoundError),
            (413, "PAYLOAD_TOO_LARGE", PayloadTooLargeError),
            (415, "UNSUPPORTED_MEDIA_TYPE", UnsupportedMediaTypeError),
            (429, "RATE_LIMITED", RateLimitedError),
            (503, "NO_WORKER", UnavailableError),
            (500, "INTERNAL", ServerError),
            (504, "DEADLINE_EXCEEDED", ServerError),
            (418, "TEAPOT", LagentError),
        ]
        for status, code, error_class in cases:
            with self.subTest(status=status):
                error = error_from_response(status, _body(code), {})
                self.assertIs(type(error), error_class)
                self.assertEqual((error.status, error.code), (status, code))
                self.assertEqual(error.message, f"{code} happened")
                self.assertIn(code, str(error))

    def test_issues_retryable_and_retry_after(self) -> None:
        error = error_from_response(
            400, _body("VALIDATION_FAILED", issues=["body.code: Required"]), {}
        )
        self.assertEqual(error.issues, ["body.code: Required"])
        self.assertIsNone(error.retry_after_s)

        error = error_from_response(503, _body("QUEUE_FULL", True), {"Retry-After": "1"})
        self.assertTrue(error.is_retryable)
        self.assertEqual(error.retry_after_s, 1.0)
        error = error_from_response(429, _body("RATE_LIMITED", True), {"retry-after": "7"})
        self.assertEqual(error.retry_after_s, 7.0)

    def test_an_answer_without_the_error_shape(self) -> None:
        error = error_from_response(502, b"<html>Bad Gateway</html>", {})
        self.assertIsInstance(error, ServerError)
        self.assertEqual(error.code, "HTTP_502")
        self.assertIn("Bad Gateway", error.message)
        self.assertTrue(error.is_retryable)
