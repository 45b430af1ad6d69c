"""API keys: a wrong or missing key is refused with 401 ``UNAUTHORIZED``.

Runs when the service asks for keys, that is when ``LAGENT_API_KEY`` is set.
"""

from __future__ import annotations

import os
import unittest

from lagent_client import AuthenticationError, Client
from tests.service_env import ServiceTestCase, service_url, unique


@unittest.skipUnless(os.environ.get("LAGENT_API_KEY"), "the service asks for no API key")
class AuthTests(ServiceTestCase):
    def test_a_wrong_or_missing_key_is_refused(self) -> None:
        self.assertIn("queue", self.client.workers(), "the key under test is accepted")
        # "" sends no Authorization header, whatever LAGENT_API_KEY says.
        for api_key in (unique("not-a-key"), ""):
            with self.subTest(api_key=api_key):
                client = Client(service_url(), api_key=api_key)
                with self.assertRaises(AuthenticationError) as raised:
                    client.submit({"kind": "run-code", "code": "1"})
                error = raised.exception
                self.assertEqual((error.status, error.code), (401, "UNAUTHORIZED"))
                self.assertFalse(error.is_retryable)
