"""``Client.run_code``: code in one request, with state kept in a session."""

from __future__ import annotations

from tests.service_env import ServiceTestCase


class RunCodeTests(ServiceTestCase):
    def test_state_lasts_in_a_session(self) -> None:
        session_id = self.new_session_id()
        first = self.client.run_code("x = 41\nprint('set')", session_id=session_id)
        self.assertEqual(first["status"], "completed")
        self.assertEqual("".join(first["execution"]["logs"]["stdout"]), "set\n")

        second = self.client.run_code("x + 1", session_id=session_id, timeout_ms=30_000)
        self.assertEqual(second["status"], "completed")
        execution = second["execution"]
        self.assertIsNone(execution["error"])
        main = [result for result in execution["results"] if result["isMainResult"]]
        self.assertEqual([result.get("text") for result in main], ["42"])
        self.assertIsInstance(execution["executionCount"], int)

    def test_code_error_is_a_result(self) -> None:
        result = self.client.run_code("1 / 0", session_id=self.new_session_id())
        self.assertEqual(result["status"], "completed")
        error = result["execution"]["error"]
        self.assertEqual(error["name"], "ZeroDivisionError")
        self.assertIn("division by zero", error["value"])

    def test_envs_reach_the_code(self) -> None:
        result = self.client.run_code(
            "import os\nprint(os.environ['GREETING'])",
            session_id=self.new_session_id(),
            envs={"GREETING": "hello from envs"},
        )
        self.assertEqual("".join(result["execution"]["logs"]["stdout"]), "hello from envs\n")
