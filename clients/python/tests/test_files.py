"""Files of a session (``/v1/sessions/{id}/files``): upload, list, download.

Off until the routes are served: set ``LAGENT_TEST_SESSIONS=1`` to run them.
"""

from __future__ import annotations

import os
import unittest

from lagent_client import NotFoundError, PayloadTooLargeError
from tests.service_env import ServiceTestCase, unique


@unittest.skipUnless(
    os.environ.get("LAGENT_TEST_SESSIONS") == "1",
    "the sessions routes are not served yet: set LAGENT_TEST_SESSIONS=1",
)
class FileTests(ServiceTestCase):
    def setUp(self) -> None:
        self.session_id = self.new_session_id()
        self.client.create_session(session_id=self.session_id)

    def test_upload_list_and_download(self) -> None:
        data = bytes(range(256)) * 4 + "naïve ✓".encode("utf-8")
        stored = self.client.upload_file(self.session_id, "data/input.bin", data)
        self.assertEqual(stored["sizeBytes"], len(data))
        self.assertTrue(stored["path"].endswith("data/input.bin"), stored)

        files = {entry["path"]: entry for entry in self.client.list_files(self.session_id)}
        self.assertIn(stored["path"], files)
        self.assertEqual(files[stored["path"]]["sizeBytes"], len(data))
        self.assertEqual(self.client.download_file(self.session_id, "data/input.bin"), data)

    def test_the_code_sees_the_session_files(self) -> None:
        # Paths are relative to the working directory of the session's code.
        self.client.upload_file(self.session_id, "notes/in.txt", b"from the client\n")
        run = self.client.run_code(
            "text = open('notes/in.txt').read()\n"
            "open('notes/out.txt', 'w').write(text.upper())\n"
            "print(text, end='')",
            session_id=self.session_id,
        )
        self.assertEqual("".join(run["execution"]["logs"]["stdout"]), "from the client\n")
        downloaded = self.client.download_file(self.session_id, "notes/out.txt")
        self.assertEqual(downloaded, b"FROM THE CLIENT\n")

    def test_a_file_over_the_cap_is_refused(self) -> None:
        cap = int(os.environ.get("LAGENT_TEST_MAX_UPLOAD_BYTES", str(8 * 1024 * 1024)))
        with self.assertRaises(PayloadTooLargeError) as raised:
            self.client.upload_file(self.session_id, "big.bin", b"\0" * (cap + 1))
        error = raised.exception
        self.assertEqual((error.status, error.code), (413, "PAYLOAD_TOO_LARGE"))

    def test_unknown_files_and_sessions_are_not_found(self) -> None:
        with self.assertRaises(NotFoundError):
            self.client.download_file(self.session_id, "no-such-file.txt")
        with self.assertRaises(NotFoundError):
            self.client.list_files(unique("py-no-session"))
