"""Sessions as routes (``/v1/sessions``): open, list, use, close.

Off until the routes are served: set ``LAGENT_TEST_SESSIONS=1`` to run them.
"""

from __future__ import annotations

import os
import unittest

from tests.service_env import ServiceTestCase


@unittest.skipUnless(
    os.environ.get("LAGENT_TEST_SESSIONS") == "1",
    "the sessions routes are not served yet: set LAGENT_TEST_SESSIONS=1",
)
class SessionTests(ServiceTestCase):
    def test_open_list_use_and_close(self) -> None:
        session_id = self.new_session_id()
        opened = self.client.create_session(session_id=session_id, idle_ttl_ms=60_000)
        self.assertEqual(opened["sessionId"], session_id)
        self.assertEqual(opened["language"], "python")
        self.assertIsInstance(opened["createdAt"], (int, float, str))

        listed = {session["sessionId"]: session for session in self.client.list_sessions()}
        self.assertIn(session_id, listed)
        self.assertLessEqual(
            {"sessionId", "language", "createdAt", "lastUsedAt"}, set(listed[session_id])
        )

        self.client.run_code("kept = 7", session_id=session_id)
        kept = self.client.run_code("print(kept * 6)", session_id=session_id)
        self.assertEqual("".join(kept["execution"]["logs"]["stdout"]), "42\n")

        self.assertTrue(self.client.close_session(session_id))
        self.assertNotIn(session_id, [s["sessionId"] for s in self.client.list_sessions()])
        self.assertFalse(self.client.close_session(session_id), "already closed")

    def test_the_service_names_a_session(self) -> None:
        opened = self.client.create_session()
        self.addCleanup(self._close_quietly, opened["sessionId"])
        self.assertTrue(opened["sessionId"])
        self.assertEqual(opened["language"], "python")
