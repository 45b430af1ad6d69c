"""Following a job's events, across dropped connections.

``GET /v1/jobs/{id}/events`` numbers a job's events from 0. A stream that ends before
the job's ``end`` event (the connection dropped, the service restarted) is opened again
with ``Last-Event-ID`` set to the last id received, so no event is lost or repeated.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse
from typing import Any, Callable, Dict, Iterator, Optional

from .errors import LagentConnectionError, LagentError, UnexpectedResponseError
from .sse import SseParser, read_events
from .transport import HttpTransport

#: Reconnections in a row, without an event in between, before giving up.
DEFAULT_MAX_RECONNECTS = 5
#: The wait before reconnecting when the stream did not say (``retry:``).
DEFAULT_RECONNECT_DELAY_S = 1.0


def _may_reconnect(error: LagentError) -> bool:
    if isinstance(error, (LagentConnectionError, TimeoutError)):
        return True
    return error.status in (429, 503) and error.is_retryable


def _parse_event(data: str, event_id: Optional[str]) -> Dict[str, Any]:
    try:
        event = json.loads(data)
        number = int(event_id) if event_id is not None else None
    except ValueError as error:
        raise UnexpectedResponseError(
            "UNEXPECTED_RESPONSE", f"an event the client cannot read: {data[:200]!r}"
        ) from error
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        raise UnexpectedResponseError(
            "UNEXPECTED_RESPONSE", f"an event without a type: {data[:200]!r}"
        )
    event["id"] = number
    return event


def follow_job_events(
    transport: HttpTransport,
    job_id: str,
    last_event_id: Optional[int] = None,
    *,
    max_reconnects: int = DEFAULT_MAX_RECONNECTS,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Dict[str, Any]]:
    """Yields the job's events after ``last_event_id``, up to and with ``end``.

    Each event is the service's ``JobEvent`` dict (``type`` and its fields) with ``id``,
    its number, added. Closing the generator closes the connection.

    Args:
        transport: The service.
        job_id: The job to follow.
        last_event_id: The id of the last event already seen; ``None`` for all events.
        max_reconnects: Reconnections in a row, without an event in between, before
            raising ``LagentConnectionError``.
        sleep: How to wait before reconnecting (tests pass their own).

    Raises:
        NotFoundError: For an unknown or expired job.
        ValidationError: For a ``last_event_id`` the stream never sent.
        LagentConnectionError: When the stream kept dropping.
    """
    path = f"/v1/jobs/{urllib.parse.quote(job_id, safe='')}/events"
    last_id = last_event_id
    failures = 0
    delay_s = DEFAULT_RECONNECT_DELAY_S
    while True:
        headers = {"Accept": "text/event-stream"}
        if last_id is not None:
            headers["Last-Event-ID"] = str(last_id)
        parser = SseParser()
        cause: Optional[BaseException] = None
        try:
            answer = transport.open("GET", path, headers=headers)
        except LagentError as error:
            if not _may_reconnect(error):
                raise
            cause = error
        else:
            try:
                with answer:
                    for sse_event in read_events(answer, parser):
                        event = _parse_event(sse_event.data, sse_event.id)
                        if event["id"] is not None:
                            last_id = event["id"]
                        failures = 0
                        yield event
                        if event["type"] == "end":
                            return
            except (http.client.HTTPException, OSError) as error:
                cause = error  # dropped mid-stream, or silent past the read timeout
            if parser.retry_ms is not None:
                delay_s = parser.retry_ms / 1000
        if failures >= max_reconnects:
            raise LagentConnectionError(
                "CONNECTION_FAILED",
                f"the events of job {job_id} ended early {failures + 1} times in a row"
                + (f": {cause}" if cause else ""),
                is_retryable=True,
            )
        failures += 1
        sleep(delay_s)
