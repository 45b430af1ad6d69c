"""``RemoteIPythonInteractive``: Lagent's ``IPythonInteractive``, run on the service.

Lagent's ``IPythonInteractive`` runs the model's code in the agent's own process. This
action has the same interface (``name``, ``description``, ``is_toolkit``,
``__call__(inputs, name)`` returning an ``ActionReturn``, ``reset()``) but runs the code
in a sandbox of the service, in one session per instance, so variables last from one
call to the next as they do in a local shell. Swap it in::

    executor = ActionExecutor(
        actions=[RemoteIPythonInteractive("http://127.0.0.1:8080")],
        hooks=[CodeProcessor()],
    )

Its ``name`` is ``IPythonInteractive`` unless told otherwise, so hooks and prompts that
name the local action keep working.
"""

from __future__ import annotations

import copy
import json
import os
import re
import tempfile
import uuid
from typing import Any, Dict, List, Mapping, Optional, Union

from .action_return import ActionReturn, ActionStatusCode
from .client import Client
from .errors import LagentError
from .execution_output import failure_message, output_images, output_text

#: The tool description a model reads, in Lagent's format.
DEFAULT_DESCRIPTION: Dict[str, Any] = {
    "name": "IPythonInteractive",
    "description": (
        "When you send a message containing Python code to python, it will be executed "
        "in a stateful IPython environment in a sandbox: variables and imports last "
        "from one call to the next. python will respond with the output of the "
        "execution (what was printed and the value of the last expression) or the "
        "error traceback."
    ),
    "parameters": [
        {"name": "command", "type": "STRING", "description": "Python code"},
        {
            "name": "timeout",
            "type": "NUMBER",
            "description": "Upper bound of waiting time for Python script execution.",
        },
    ],
    "required": ["command"],
    "parameter_description": (
        "If you call this tool, you must pass arguments in the JSON format "
        "{key: value}, where the key is the parameter name."
    ),
}

_FENCED_CODE = re.compile(r"```[^\n]*\n(.*?)```", re.DOTALL)
_JSON_FENCE = re.compile(r"^```(?:json)?\s*\n(.*?)\n?```$", re.DOTALL)
_PARAMETERS = frozenset({"command", "timeout"})


class _ArgumentsError(ValueError):
    """Arguments the action cannot take (Lagent's ``ParseError``)."""


def extract_code(command: str) -> str:
    """The code in ``command``: the first fenced block (```` ```python ... ``` ````) when
    there is one, else ``command`` itself."""
    match = _FENCED_CODE.search(command)
    return match.group(1) if match else command


def _parse_inputs(inputs: Union[str, Mapping[str, Any]]) -> Dict[str, Any]:
    """The arguments, as Lagent's ``JsonParser`` reads them: a dict, or a JSON object
    (optionally in a ```` ```json ```` fence). Any other string is taken as the code."""
    if isinstance(inputs, Mapping):
        arguments = dict(inputs)
    elif isinstance(inputs, str):
        text = inputs.strip()
        fenced = _JSON_FENCE.match(text)
        try:
            parsed = json.loads(fenced.group(1) if fenced else text)
        except ValueError:
            parsed = None
        arguments = parsed if isinstance(parsed, dict) else {"command": inputs}
    else:
        raise _ArgumentsError(f"invalid inputs: {inputs!r}")
    unknown = set(arguments) - _PARAMETERS
    if unknown:
        raise _ArgumentsError(f"unknown arguments: {unknown}")
    if "command" not in arguments:
        raise _ArgumentsError("missing required arguments: {'command'}")
    if not isinstance(arguments["command"], str):
        raise _ArgumentsError("command must be a string")
    timeout = arguments.get("timeout")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0
    ):
        raise _ArgumentsError(f"timeout must be a positive number of seconds, got {timeout!r}")
    return arguments


class RemoteIPythonInteractive:
    """Runs the model's Python code on a lagent service, in a session of its own.

    Args:
        url: The service; ``LAGENT_URL`` when not given.
        api_key: The API key; ``LAGENT_API_KEY`` when not given.
        timeout: Each run's deadline in seconds, as ``IPythonInteractive``'s; a call may
            ask for another with its ``timeout`` argument.
        max_out_len: Longest text or error returned, in characters; negative: no limit.
        use_signals: Accepted for ``IPythonInteractive`` compatibility; unused (the
            deadline is kept by the sandbox, not by signals).
        client: A ``Client`` to use instead of one made from ``url`` and ``api_key``.
        description: The tool description instead of ``DEFAULT_DESCRIPTION``.
        image_dir: Where images the code displays are saved (an ``image`` result holds
            the file's path); a new temporary directory when not given.
        session_prefix: The start of the session id made for each instance.

    How a run maps to an ``ActionReturn``: success gives ``state`` ``SUCCESS`` and
    ``result`` ``[{"type": "text", "content": ...}]`` (all of stdout, stderr, then the
    value of the last expression; note that ``IPythonInteractive`` keeps only the value
    or the last line of stdout), followed by an ``{"type": "image", "content": path}``
    per image. The code's error gives ``state`` ``API_ERROR`` and its traceback as
    ``errmsg``; a run past its deadline gives Lagent's timeout message. When the service
    cannot be reached or refuses the call, ``state`` is ``HTTP_ERROR`` and ``errmsg``
    says why.
    """

    def __init__(
        self,
        url: Optional[str] = None,
        api_key: Optional[str] = None,
        *,
        timeout: float = 30,
        max_out_len: int = 8192,
        use_signals: bool = True,
        client: Optional[Client] = None,
        description: Optional[Mapping[str, Any]] = None,
        image_dir: Optional[str] = None,
        session_prefix: str = "lagent",
    ) -> None:
        del use_signals  # the sandbox keeps the deadline
        self.client = client if client is not None else Client(url, api_key)
        self.timeout = timeout
        self.max_out_len = max_out_len
        self._description: Dict[str, Any] = copy.deepcopy(
            dict(description) if description is not None else DEFAULT_DESCRIPTION
        )
        self.name: str = self._description["name"]
        self._image_dir = image_dir
        self._session_prefix = session_prefix
        self.session_id = self._new_session_id()

    @property
    def description(self) -> Dict[str, Any]:
        """The tool description (a copy), in Lagent's format."""
        return copy.deepcopy(self._description)

    @property
    def is_toolkit(self) -> bool:
        """False: one API, ``run``."""
        return False

    def __repr__(self) -> str:
        return str(self._description)

    def __call__(
        self, inputs: Union[str, Mapping[str, Any]], name: Optional[str] = None
    ) -> ActionReturn:
        """Calls an API (only ``run``) with ``inputs`` (``{"command": code}``, its JSON,
        or the code), as Lagent's ``ActionExecutor`` does."""
        api = name or "run"
        if api != "run":
            return ActionReturn(
                args={"inputs": inputs, "name": api},
                type=self.name,
                errmsg=f"invalid API: {api}",
                state=ActionStatusCode.API_ERROR,
            )
        try:
            arguments = _parse_inputs(inputs)
        except _ArgumentsError as error:
            return ActionReturn(
                args={"inputs": inputs, "name": api},
                type=self.name,
                errmsg=str(error),
                state=ActionStatusCode.ARGS_ERROR,
            )
        return self.run(**arguments)

    def run(self, command: str, timeout: Optional[float] = None) -> ActionReturn:
        """Runs ``command`` (or the first fenced code block in it) in the session.

        Args:
            command: Python code.
            timeout: This run's deadline in seconds instead of the instance's.
        """
        action_return = ActionReturn(args={"text": command}, type=self.name)
        deadline_s = timeout or self.timeout
        try:
            result = self.client.run_code(
                extract_code(command),
                session_id=self.session_id,
                timeout_ms=max(1, int(deadline_s * 1000)),
            )
        except LagentError as error:
            action_return.errmsg = str(error)
            action_return.state = ActionStatusCode.HTTP_ERROR
            return action_return
        failure = failure_message(result)
        if failure is not None:
            action_return.errmsg = self._cut(failure)
            action_return.state = ActionStatusCode.API_ERROR
            return action_return
        action_return.result = self._result_items(result.get("execution") or {})
        action_return.state = ActionStatusCode.SUCCESS
        return action_return

    def reset(self) -> None:
        """Starts over with empty state: closes the session and moves to a new one."""
        self._close_session()
        self.session_id = self._new_session_id()

    def close(self) -> None:
        """Closes the session; the instance opens a new one if it is called again."""
        self.reset()

    def __enter__(self) -> "RemoteIPythonInteractive":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._close_session()

    def _new_session_id(self) -> str:
        return f"{self._session_prefix}-{uuid.uuid4().hex[:20]}"

    def _close_session(self) -> None:
        # Best effort: a session that never ran, or a service without the sessions
        # routes, has nothing to close; an idle session also closes on its own.
        try:
            self.client.close_session(self.session_id)
        except LagentError:
            pass

    def _cut(self, text: str) -> str:
        if 0 <= self.max_out_len < len(text):
            return text[: self.max_out_len] + f"\n... (cut at {self.max_out_len} characters)"
        return text

    def _result_items(self, execution: Mapping[str, Any]) -> List[Dict[str, Any]]:
        text = self._cut(output_text(execution))
        images = output_images(execution)
        items: List[Dict[str, Any]] = []
        if text or not images:
            items.append({"type": "text", "content": text})
        for extension, data in images:
            items.append({"type": "image", "content": self._save_image(extension, data)})
        return items

    def _save_image(self, extension: str, data: bytes) -> str:
        if self._image_dir is None:
            self._image_dir = tempfile.mkdtemp(prefix="lagent-images-")
        os.makedirs(self._image_dir, exist_ok=True)
        path = os.path.join(self._image_dir, f"{uuid.uuid4().hex}.{extension}")
        with open(path, "wb") as file:
            file.write(data)
        return path
