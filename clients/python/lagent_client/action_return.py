"""Lagent's ``ActionReturn`` and status codes: Lagent's own when it is installed, else a
stand-in with the same fields, values and ``format_result``.

Code that reads ``state == ActionStatusCode.SUCCESS``, ``format_result()`` or ``errmsg``
works the same with either.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import List, Optional, Union

try:  # pragma: no cover - depends on what is installed
    from lagent.schema import ActionReturn, ActionStatusCode, ActionValidCode

    HAS_LAGENT = True
except ImportError:
    HAS_LAGENT = False

    class ActionStatusCode(IntEnum):  # type: ignore[no-redef]
        """How a tool call went (Lagent's values)."""

        ING = 1
        SUCCESS = 0
        HTTP_ERROR = -1000
        ARGS_ERROR = -1001
        API_ERROR = -1002

    class ActionValidCode(IntEnum):  # type: ignore[no-redef]
        """Whether the called action was valid (Lagent's values)."""

        FINISH = 1
        OPEN = 0
        CLOSED = -1
        INVALID = -2
        ABSENT = -3

    @dataclass
    class ActionReturn:  # type: ignore[no-redef]
        """The outcome of a tool call, field for field as Lagent's.

        Attributes:
            args: The arguments the action ran with.
            url: Unused here.
            type: The action's name.
            result: The outputs: ``[{"type": "text" | "image" | ..., "content": ...}]``.
            errmsg: What went wrong, when ``state`` is not ``SUCCESS``.
            state: An ``ActionStatusCode``.
            thought: Unused here.
            valid: An ``ActionValidCode``.
        """

        args: Optional[dict] = None
        url: Optional[str] = None
        type: Optional[str] = None
        result: Optional[List[dict]] = None
        errmsg: Optional[str] = None
        state: Union[ActionStatusCode, int] = ActionStatusCode.SUCCESS
        thought: Optional[str] = None
        valid: Optional[ActionValidCode] = ActionValidCode.OPEN

        def format_result(self) -> str:
            """The result as text: text items as they are, others as ``[type](content)``."""
            lines = []
            for item in self.result or []:
                if item["type"] == "text":
                    lines.append(str(item["content"]))
                else:
                    lines.append(f"[{item['type']}]({item['content']})")
            return "\n".join(lines)


__all__ = ["ActionReturn", "ActionStatusCode", "ActionValidCode", "HAS_LAGENT"]
