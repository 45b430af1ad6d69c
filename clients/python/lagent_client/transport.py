"""HTTP to the service, with the standard library only (``http.client``).

One place turns every way a request can fail into a ``LagentError``: an error answer,
a refused or dropped connection, a timeout. Answers the service marks as "try again
later" (429 and 503, which it sends before anything runs) are retried after their
``Retry-After``; a dropped connection is retried only for requests that are safe to send
twice. Each request has a connection of its own, made directly to the service
(environment proxies are not used).
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple

from .errors import (
    LagentConnectionError,
    LagentError,
    RequestTimeoutError,
    UnexpectedResponseError,
    error_from_response,
)
from .version import __version__

#: What the client waits between retries when the service named no ``Retry-After``.
DEFAULT_RETRY_BACKOFF_S = 0.5
#: The longest wait between two retries.
MAX_RETRY_BACKOFF_S = 10.0

_Exchange = Tuple[http.client.HTTPConnection, http.client.HTTPResponse]


@dataclass
class Response:
    """An answer with a 2xx status."""

    status: int
    headers: Dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON; ``UnexpectedResponseError`` when it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise UnexpectedResponseError(
                "UNEXPECTED_RESPONSE",
                f"the service answered {self.status} with a body that is not JSON",
                status=self.status,
            ) from error


class StreamAnswer:
    """A 2xx answer whose body is read as it comes; close it (or use ``with``)."""

    def __init__(
        self, connection: http.client.HTTPConnection, answer: http.client.HTTPResponse
    ) -> None:
        self._connection = connection
        self._answer = answer
        self.status = answer.status

    def readline(self) -> bytes:
        """The next line of the body, with its end of line; ``b""`` at the end."""
        return self._answer.readline()

    def close(self) -> None:
        """Closes the answer and its connection."""
        self._answer.close()
        self._connection.close()

    def __enter__(self) -> "StreamAnswer":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def transport_error(error: BaseException, what: str) -> LagentError:
    """The ``LagentError`` for a request that got no answer."""
    if isinstance(error, TimeoutError):
        return RequestTimeoutError(
            "REQUEST_TIMEOUT", f"{what}: no answer in time", is_retryable=True
        )
    return LagentConnectionError(
        "CONNECTION_FAILED", f"{what}: {error or type(error).__name__}", is_retryable=True
    )


class HttpTransport:
    """Sends requests to one service.

    Args:
        base_url: The service's URL, e.g. ``http://127.0.0.1:8080`` (a path is kept as
            the prefix of every route).
        api_key: Sent as ``Authorization: Bearer <api_key>`` when set.
        timeout_s: The longest wait for an answer (socket timeout), in seconds.
        max_retries: Retries of a request the service refused for now (429, 503), or
            of an idempotent one whose connection failed.

    Raises:
        ValueError: ``base_url`` is not an http or https URL.
    """

    def __init__(
        self,
        base_url: str,
        api_key: Optional[str],
        timeout_s: float,
        max_retries: int,
    ) -> None:
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http or https URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self._secure = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")

    def headers(self, extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
        """The headers of every request: user agent, auth, then ``extra``."""
        headers = {"User-Agent": f"lagent-client-python/{__version__}"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        headers.update(extra or {})
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Optional[Mapping[str, Any]] = None,
        json_body: Any = None,
        data: Optional[bytes] = None,
        content_type: Optional[str] = None,
        timeout_s: Optional[float] = None,
        idempotent: bool = True,
        accept: str = "application/json",
    ) -> Response:
        """Sends one request and returns its 2xx answer, or raises a ``LagentError``.

        Args:
            method: ``GET``, ``POST``, ``PUT`` or ``DELETE``.
            path: The quoted path, starting with ``/``.
            query: Query parameters; ``None`` values are left out.
            json_body: Sent as JSON when not ``None``.
            data: Sent as is (with ``content_type``) when not ``None``.
            content_type: The content type of ``data``.
            timeout_s: This request's timeout instead of the client's.
            idempotent: Whether a request whose connection failed may be sent again.
            accept: The ``Accept`` header.
        """
        extra: Dict[str, str] = {"Accept": accept}
        if json_body is not None:
            data = json.dumps(json_body).encode("utf-8")
            content_type = "application/json"
        if content_type is not None:
            extra["Content-Type"] = content_type
        target = self._target(path, query)
        attempt = 0
        while True:
            try:
                return self._send(method, target, data, extra, timeout_s)
            except LagentError as error:
                refused_for_now = error.status in (429, 503) and error.is_retryable
                dropped = isinstance(error, LagentConnectionError) and idempotent
                if attempt >= self.max_retries or not (refused_for_now or dropped):
                    raise
                delay = error.retry_after_s
                if delay is None:
                    delay = DEFAULT_RETRY_BACKOFF_S * (2**attempt)
                time.sleep(min(delay, MAX_RETRY_BACKOFF_S))
                attempt += 1

    def open(
        self,
        method: str,
        path: str,
        *,
        headers: Optional[Mapping[str, str]] = None,
        timeout_s: Optional[float] = None,
    ) -> StreamAnswer:
        """Opens a request whose body the caller reads as it comes (a stream).

        ``timeout_s`` bounds each read, not the whole stream. Error answers raise as in
        ``request``.
        """
        connection, answer = self._exchange(
            method, self._target(path), None, self.headers(headers), timeout_s, f"{method} {path}"
        )
        if not 200 <= answer.status < 300:
            raise self._error_answer(connection, answer, f"{method} {path}")
        return StreamAnswer(connection, answer)

    def _target(self, path: str, query: Optional[Mapping[str, Any]] = None) -> str:
        target = self._prefix + path
        if query:
            values = {key: value for key, value in query.items() if value is not None}
            if values:
                target += "?" + urllib.parse.urlencode(values)
        return target

    def _connect(self, timeout_s: Optional[float]) -> http.client.HTTPConnection:
        timeout = self.timeout_s if timeout_s is None else timeout_s
        if self._secure:
            return http.client.HTTPSConnection(self._host, self._port, timeout=timeout)
        return http.client.HTTPConnection(self._host, self._port, timeout=timeout)

    def _exchange(
        self,
        method: str,
        target: str,
        data: Optional[bytes],
        headers: Mapping[str, str],
        timeout_s: Optional[float],
        what: str,
    ) -> _Exchange:
        """Sends the request and reads the answer's head; ``LagentError`` when that fails."""
        connection = self._connect(timeout_s)
        try:
            try:
                connection.request(method, target, body=data, headers=dict(headers))
            except (BrokenPipeError, ConnectionResetError):
                # The service may answer before it has read the whole body (a body over
                # its limit, 413) and stop reading: its answer is what matters.
                pass
            return connection, connection.getresponse()
        except (http.client.HTTPException, OSError) as error:
            connection.close()
            raise transport_error(error, what) from error

    def _send(
        self,
        method: str,
        target: str,
        data: Optional[bytes],
        extra: Mapping[str, str],
        timeout_s: Optional[float],
    ) -> Response:
        what = f"{method} {target.split('?')[0]}"
        connection, answer = self._exchange(
            method, target, data, self.headers(extra), timeout_s, what
        )
        if not 200 <= answer.status < 300:
            raise self._error_answer(connection, answer, what)
        try:
            body = answer.read()
        except (http.client.HTTPException, OSError) as error:
            raise transport_error(error, what) from error
        finally:
            connection.close()
        return Response(answer.status, dict(answer.headers.items()), body)

    @staticmethod
    def _error_answer(
        connection: http.client.HTTPConnection, answer: http.client.HTTPResponse, what: str
    ) -> LagentError:
        try:
            body = answer.read()
        except (http.client.HTTPException, OSError):
            body = b""  # the status says enough
        finally:
            connection.close()
        return error_from_response(answer.status, body, dict(answer.headers.items()))
