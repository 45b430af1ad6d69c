"""What a model reads of a run: an ``Execution`` turned into text, images and errors.

An ``Execution`` (a run-code result's ``execution``) holds ``results`` (rich outputs;
``isMainResult`` marks the cell's value), ``logs`` (``stdout`` and ``stderr`` chunks),
``error`` (``name``, ``value``, ``traceback``) and ``executionCount``, and, when the
deadline passed, ``timedOut``.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, List, Mapping, Optional, Tuple

#: Lagent's own words for a run that hit its deadline.
TIMEOUT_MESSAGE = "The code interpreter encountered a timeout error."

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")

#: Image kinds of a result, with the file extension each is saved under.
_IMAGE_KINDS = (("png", "png"), ("jpeg", "jpg"), ("svg", "svg"))


def strip_ansi(text: str) -> str:
    """``text`` without terminal colour codes (tracebacks come coloured)."""
    return _ANSI_ESCAPE.sub("", text)


def _has_image(result: Mapping[str, Any]) -> bool:
    return any(isinstance(result.get(kind), str) for kind, _ in _IMAGE_KINDS)


def output_text(execution: Mapping[str, Any]) -> str:
    """The run's text: its stdout, its stderr, then the text of each result that is
    not an image (displays, then the cell's value), without trailing blank space."""
    logs = execution.get("logs") or {}
    parts = ["".join(logs.get("stdout") or []), "".join(logs.get("stderr") or [])]
    results = list(execution.get("results") or [])
    results.sort(key=lambda result: bool(result.get("isMainResult")))
    for result in results:
        if not _has_image(result) and isinstance(result.get("text"), str):
            parts.append(result["text"])
    return "\n".join(part.rstrip("\n") for part in parts if part.strip()).strip()


def output_images(execution: Mapping[str, Any]) -> List[Tuple[str, bytes]]:
    """The run's images, in order, as ``(file extension, bytes)``: PNG, JPEG or SVG."""
    images: List[Tuple[str, bytes]] = []
    for result in execution.get("results") or []:
        for kind, extension in _IMAGE_KINDS:
            value = result.get(kind)
            if not isinstance(value, str):
                continue
            if kind == "svg":
                images.append((extension, value.encode("utf-8")))
            else:
                try:
                    images.append((extension, base64.b64decode(value, validate=False)))
                except (binascii.Error, ValueError):
                    continue
            break
    return images


def failure_message(result: Mapping[str, Any]) -> Optional[str]:
    """Why a run-code ``JobResult`` is not a success, or ``None`` when it is one.

    The code's own error is its traceback (colour codes removed); a run stopped at its
    deadline says so as Lagent does, then how it was stopped; a job the platform could not
    finish names its status.
    """
    status = result.get("status")
    execution = result.get("execution") or {}
    error = execution.get("error")
    if execution.get("timedOut") or status == "timed-out":
        detail = error.get("value") if isinstance(error, Mapping) else None
        return f"{TIMEOUT_MESSAGE} {detail}" if detail else TIMEOUT_MESSAGE
    if isinstance(error, Mapping):
        traceback = strip_ansi(str(error.get("traceback") or "")).strip()
        return traceback or f"{error.get('name', 'Error')}: {error.get('value', '')}"
    if status == "completed":
        return None
    if status == "cancelled":
        return "The code was cancelled before it finished."
    if status == "session-lost":
        return "The interpreter was lost, and its state with it: run the setup code again."
    return f"The platform could not run the code (job status: {status})."
