"""A reader of Server-Sent Events (the ``text/event-stream`` format).

The format is lines of ``field: value``; a blank line ends an event. ``id`` names the
event (the value to send back as ``Last-Event-ID`` when reconnecting), ``event`` its
type, ``data`` its payload (several ``data`` lines are joined with newlines), ``retry``
how long to wait before reconnecting. Lines starting with ``:`` are comments, such as
the heartbeats that keep an idle stream open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Iterator, List, Optional


@dataclass(frozen=True)
class SseEvent:
    """One event of a stream.

    Attributes:
        id: The event's id, or ``None`` when the stream never sent one.
        type: The ``event`` field; ``message`` when absent.
        data: The ``data`` lines, joined with newlines.
    """

    id: Optional[str]
    type: str
    data: str


class SseParser:
    """Turns lines of a stream into events, one line at a time.

    Attributes:
        last_event_id: The last ``id`` the stream set (kept across events).
        retry_ms: The last ``retry`` the stream asked for, or ``None``.
    """

    def __init__(self) -> None:
        self.last_event_id: Optional[str] = None
        self.retry_ms: Optional[int] = None
        self._type = ""
        self._data: List[str] = []
        self._has_data = False

    def feed(self, line: str) -> Optional[SseEvent]:
        """Reads one line (its end of line removed); returns the event it completes."""
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
            self._has_data = True
        elif name == "event":
            self._type = value
        elif name == "id":
            if "\0" not in value:
                self.last_event_id = value
        elif name == "retry":
            if value.isdigit():
                self.retry_ms = int(value)
        return None

    def _dispatch(self) -> Optional[SseEvent]:
        event = None
        if self._has_data:
            event = SseEvent(
                id=self.last_event_id,
                type=self._type or "message",
                data="\n".join(self._data),
            )
        self._type = ""
        self._data = []
        self._has_data = False
        return event


def read_events(stream: BinaryIO, parser: Optional[SseParser] = None) -> Iterator[SseEvent]:
    """The events of a byte stream, as they arrive, until it ends.

    Lines may end with ``\\n`` or ``\\r\\n``. An event cut off by the end of the stream
    (no blank line after it, or half a line) is dropped, as the format says.

    Args:
        stream: A binary file-like object with ``readline`` (an HTTP answer).
        parser: The parser to use, to read ``last_event_id`` and ``retry_ms`` from it.
    """
    parser = parser if parser is not None else SseParser()
    while True:
        raw = stream.readline()
        if not raw.endswith(b"\n"):
            return  # the end, or a line cut off by it
        line = raw.decode("utf-8", errors="replace")[:-1]
        if line.endswith("\r"):
            line = line[:-1]
        event = parser.feed(line)
        if event is not None:
            yield event
