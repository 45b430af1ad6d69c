"""The errors the client raises: one base, ``LagentError``, and a subclass per kind.

Every answer of the service that is not a success has one body shape,
``{"error": {"code", "message", "issues"?, "isRetryable"}}``. The client turns it into
the subclass that matches its HTTP status (``NotFoundError`` for 404, ...), keeping the
stable ``code`` so callers can tell ``JOB_NOT_FOUND`` from ``SESSION_NOT_FOUND``.
Failures that never reached an answer (refused connection, timeout) have their own
subclasses, with ``status`` set to ``None``.

A failure of the user's code is not an error: it is data in the result
(``result["execution"]["error"]``), as it is for a local call.
"""

from __future__ import annotations

import json
from typing import Dict, List, Mapping, Optional, Type


class LagentError(Exception):
    """Anything the service refused, or a request that got no answer.

    Attributes:
        code: The stable, machine-readable code (``VALIDATION_FAILED``,
            ``JOB_NOT_FOUND``, ...); client-side codes are ``CONNECTION_FAILED``,
            ``REQUEST_TIMEOUT``, ``WAIT_TIMEOUT`` and ``UNEXPECTED_RESPONSE``.
        message: What went wrong, for people.
        status: The HTTP status, or ``None`` when there was no answer.
        issues: For a request that does not match its schema, the failing fields as
            ``path: problem``; otherwise empty.
        is_retryable: Whether sending the same request again later may succeed.
        retry_after_s: The service's ``Retry-After``, in seconds, when it sent one.
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: Optional[int] = None,
        issues: Optional[List[str]] = None,
        is_retryable: bool = False,
        retry_after_s: Optional[float] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.issues: List[str] = list(issues or [])
        self.is_retryable = is_retryable
        self.retry_after_s = retry_after_s

    def __str__(self) -> str:
        where = f" (HTTP {self.status})" if self.status is not None else ""
        return f"{self.code}: {self.message}{where}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, "
            f"status={self.status!r})"
        )


class ValidationError(LagentError):
    """400: the request does not match its schema, or a value the platform refuses."""


class AuthenticationError(LagentError):
    """401: no API key, or one the service does not know (``UNAUTHORIZED``)."""


class NotFoundError(LagentError):
    """404: an unknown or expired job, session or file, or an unknown route."""


class PayloadTooLargeError(LagentError):
    """413: a body, code or file over the service's limits."""


class UnsupportedMediaTypeError(LagentError):
    """415: a body in a content type the route does not take."""


class RateLimitedError(LagentError):
    """429: too many requests or jobs for now; wait ``retry_after_s`` and try again."""


class UnavailableError(LagentError):
    """503: nothing would run the job now (no worker, full or unreachable queue)."""


class ServerError(LagentError):
    """Any other 5xx: the service failed on this request."""


class LagentConnectionError(LagentError, ConnectionError):
    """The service could not be reached, or dropped the connection before answering."""


class RequestTimeoutError(LagentError, TimeoutError):
    """The service did not answer within the client's timeout."""


class WaitTimeoutError(LagentError, TimeoutError):
    """``Client.wait`` gave up: the job had not ended by then (it goes on unless cancelled).

    Attributes:
        job_id: The job that was waited for.
        job: The last ``JobInfo`` read, with its ``state``.
    """

    def __init__(self, job_id: str, job: Mapping[str, object], waited_s: float) -> None:
        super().__init__(
            "WAIT_TIMEOUT",
            f"job {job_id} had not ended after {waited_s:g} s (state: {job.get('state')})",
            is_retryable=True,
        )
        self.job_id = job_id
        self.job = dict(job)


class UnexpectedResponseError(LagentError):
    """An answer the client cannot read (not JSON, or not the documented shape)."""


_ERROR_BY_STATUS: Dict[int, Type[LagentError]] = {
    400: ValidationError,
    401: AuthenticationError,
    404: NotFoundError,
    413: PayloadTooLargeError,
    415: UnsupportedMediaTypeError,
    429: RateLimitedError,
    503: UnavailableError,
}


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    """Seconds from a ``Retry-After`` header given in seconds; ``None`` otherwise."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None  # an HTTP date: not sent by the service
    return seconds if seconds >= 0 else None


def error_from_response(
    status: int, body: bytes, headers: Mapping[str, str]
) -> LagentError:
    """The error for an answer with a 4xx or 5xx status.

    Args:
        status: The HTTP status.
        body: The raw body; the service's error shape is read from it when present.
        headers: The answer's headers (``Retry-After`` is read, case-insensitively).
    """
    retry_after = None
    for name, value in headers.items():
        if name.lower() == "retry-after":
            retry_after = parse_retry_after(value)
    code = "HTTP_" + str(status)
    message = body.decode("utf-8", errors="replace").strip() or f"HTTP {status}"
    issues: List[str] = []
    is_retryable = status >= 500 or status == 429
    try:
        parsed = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        parsed = None
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(error, dict):
        code = str(error.get("code", code))
        message = str(error.get("message", message))
        raw_issues = error.get("issues")
        if isinstance(raw_issues, list):
            issues = [str(issue) for issue in raw_issues]
        if isinstance(error.get("isRetryable"), bool):
            is_retryable = error["isRetryable"]
    if status in _ERROR_BY_STATUS:
        error_class = _ERROR_BY_STATUS[status]
    elif status >= 500:
        error_class = ServerError
    else:
        error_class = LagentError
    return error_class(
        code,
        message,
        status=status,
        issues=issues,
        is_retryable=is_retryable,
        retry_after_s=retry_after,
    )
