"""``RemoteIPythonInteractive``: Lagent's ``IPythonInteractive`` interface, run remotely."""

from __future__ import annotations

import os
import shutil
import tempfile

from lagent_client import ActionReturn, ActionStatusCode, Client, RemoteIPythonInteractive
from tests.service_env import ServiceTestCase, service_url

# The code the model writes for the Marie and Jay problem in Lagent's README (the
# ToolParser and ActionExecutor examples); Lagent's IPythonInteractive answers 3969.0.
SEED_CODE = "\n".join(
    [
        "def find_numbers():",
        "    # 正因数",
        "    positive_factors = [1, 3, 7, 9, 21, 63]",
        "    # 负因数",
        "    negative_factors = [-1, -3, -7, -9, -21, -63]",
        "    ",
        "    # 找到与正因数相乘的结果为63的数",
        "    positive_numbers = [63 / factor for factor in positive_factors]",
        "    # 找到与负因数相乘的结果为63的数",
        "    negative_numbers = [-63 / factor for factor in negative_factors]",
        "    ",
        "    # 计算两个数的乘积",
        "    product = positive_numbers[0] * negative_numbers[0]",
        "    ",
        "    return product",
        "",
        "result = find_numbers()",
        "print(result)",
    ]
)

# A 1x1 PNG made with the standard library, shown as IPython shows an image.
PNG_CODE = """
import struct, zlib
from IPython.display import Image, display

def chunk(kind, data):
    checksum = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', checksum)

png = (b'\\x89PNG\\r\\n\\x1a\\n'
       + chunk(b'IHDR', struct.pack('>IIBBBBB', 1, 1, 8, 2, 0, 0, 0))
       + chunk(b'IDAT', zlib.compress(b'\\x00\\xff\\x00\\x00'))
       + chunk(b'IEND', b''))
display(Image(data=png))
print('drawn')
"""


def after_action(action_return: ActionReturn) -> str:
    """What the README's CodeProcessor hook hands back to the agent."""
    if action_return.state == ActionStatusCode.SUCCESS:
        return action_return.format_result()
    return action_return.errmsg or ""


class LagentActionTests(ServiceTestCase):
    def setUp(self) -> None:
        self.image_dir = tempfile.mkdtemp(prefix="lagent-client-test-")
        self.addCleanup(shutil.rmtree, self.image_dir, True)
        self.action = RemoteIPythonInteractive(
            client=Client(service_url()), timeout=60, image_dir=self.image_dir
        )
        self.addCleanup(self.action.close)

    def test_the_seed_marie_and_jay_code(self) -> None:
        action_return = self.action({"command": SEED_CODE})
        self.assertEqual(action_return.state, ActionStatusCode.SUCCESS, action_return.errmsg)
        self.assertEqual(action_return.type, "IPythonInteractive")
        self.assertEqual(action_return.args, {"text": SEED_CODE})
        self.assertEqual(action_return.result, [{"type": "text", "content": "3969.0"}])
        self.assertIsNone(action_return.errmsg)
        self.assertEqual(after_action(action_return), "3969.0")

    def test_a_traceback_comes_back_as_errmsg(self) -> None:
        action_return = self.action({"command": "def f():\n    return 1 / 0\n\nf()"})
        self.assertEqual(action_return.state, ActionStatusCode.API_ERROR)
        self.assertIsNone(action_return.result)
        errmsg = action_return.errmsg or ""
        self.assertIn("ZeroDivisionError", errmsg)
        self.assertIn("division by zero", errmsg)
        self.assertNotIn("\x1b[", errmsg, "colour codes are removed")
        self.assertEqual(after_action(action_return), errmsg)

    def test_a_run_past_its_deadline(self) -> None:
        self.action({"command": "before = 'kept'"})
        action_return = self.action({"command": "import time\ntime.sleep(30)", "timeout": 1})
        self.assertEqual(action_return.state, ActionStatusCode.API_ERROR)
        self.assertTrue(
            (action_return.errmsg or "").startswith(
                "The code interpreter encountered a timeout error."
            ),
            action_return.errmsg,
        )
        # The kernel was interrupted, not restarted: the session keeps its state.
        self.assertEqual(self.action({"command": "print(before)"}).format_result(), "kept")

    def test_state_lasts_until_reset(self) -> None:
        first = self.action({"command": "a = 2"})
        self.assertEqual(first.state, ActionStatusCode.SUCCESS, first.errmsg)
        # A JSON string and a fenced block, as models write them.
        second = self.action('{"command": "```python\\nprint(a * 21)\\n```"}')
        self.assertEqual(second.format_result(), "42")

        self.action.reset()
        after_reset = self.action({"command": "a"})
        self.assertEqual(after_reset.state, ActionStatusCode.API_ERROR)
        self.assertIn("NameError", after_reset.errmsg or "")

    def test_images_become_image_entries(self) -> None:
        action_return = self.action({"command": PNG_CODE})
        self.assertEqual(action_return.state, ActionStatusCode.SUCCESS, action_return.errmsg)
        result = action_return.result or []
        self.assertEqual(result[0], {"type": "text", "content": "drawn"})
        self.assertEqual([item["type"] for item in result], ["text", "image"])
        path = result[1]["content"]
        self.assertEqual(os.path.dirname(path), self.image_dir)
        with open(path, "rb") as image:
            self.assertEqual(image.read(8), b"\x89PNG\r\n\x1a\n")
        self.assertEqual(action_return.format_result(), f"drawn\n[image]({path})")

    def test_the_action_interface(self) -> None:
        self.assertEqual(self.action.name, "IPythonInteractive")
        self.assertFalse(self.action.is_toolkit)
        description = self.action.description
        self.assertEqual(description["name"], "IPythonInteractive")
        self.assertEqual(description["required"], ["command"])
        self.assertEqual(
            [parameter["name"] for parameter in description["parameters"]],
            ["command", "timeout"],
        )
        self.assertIn("parameter_description", description)

        wrong_api = self.action({"command": "1"}, "nope")
        self.assertEqual(wrong_api.state, ActionStatusCode.API_ERROR)
        self.assertEqual(wrong_api.errmsg, "invalid API: nope")
        missing = self.action({"code": "1"})
        self.assertEqual(missing.state, ActionStatusCode.ARGS_ERROR)
        self.assertEqual(missing.errmsg, "unknown arguments: {'code'}")

    def test_an_unreachable_service_is_an_http_error(self) -> None:
        action = RemoteIPythonInteractive(client=Client("http://127.0.0.1:9", max_retries=0))
        action_return = action({"command": "1"})
        self.assertEqual(action_return.state, ActionStatusCode.HTTP_ERROR)
        self.assertIn("CONNECTION_FAILED", action_return.errmsg or "")
