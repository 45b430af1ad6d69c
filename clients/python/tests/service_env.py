"""What the tests share: the service under test, read from the environment.

``LAGENT_URL`` names the service (the tests fail, not skip, without it) and
``LAGENT_API_KEY`` its key when it asks for one.
"""

from __future__ import annotations

import os
import unittest
import uuid

from lagent_client import Client, LagentError

#: How long a test waits for a job that should end soon (sandboxes may start slowly).
JOB_WAIT_S = 120.0


def service_url() -> str:
    """The service's URL; a clear failure when ``LAGENT_URL`` is not set."""
    url = os.environ.get("LAGENT_URL")
    if not url:
        raise RuntimeError(
            "LAGENT_URL is not set: start a service (npx lagent serve) and point "
            "LAGENT_URL at it"
        )
    return url


def unique(prefix: str) -> str:
    """A fresh id for a job or a session."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class ServiceTestCase(unittest.TestCase):
    """A test against the service, with a client in ``self.client``."""

    client: Client

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.client = Client(service_url())

    def new_session_id(self, prefix: str = "py-test") -> str:
        """A session id for this test; the session is closed after it (best effort,
        for services without the sessions routes)."""
        session_id = unique(prefix)
        self.addCleanup(self._close_quietly, session_id)
        return session_id

    def _close_quietly(self, session_id: str) -> None:
        try:
            self.client.close_session(session_id)
        except LagentError:
            pass
