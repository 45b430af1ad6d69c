"""``Client``: the service's HTTP API as Python methods."""

from __future__ import annotations

import os
import time
import urllib.parse
import uuid
from typing import Any, Dict, Iterator, List, Mapping, Optional

from .errors import NotFoundError, UnexpectedResponseError, WaitTimeoutError
from .job_events import follow_job_events
from .transport import HttpTransport, Response

#: The longest wait for an answer, in seconds, besides the time a request asks the
#: service to wait (a long-poll, a run).
DEFAULT_TIMEOUT_S = 60.0
#: Retries of a request the service refused for now (429, 503 with ``Retry-After``).
DEFAULT_MAX_RETRIES = 2
#: The longest long-poll the service takes (``waitMs``).
MAX_LONG_POLL_MS = 120_000
#: What a run may take when it does not say: the service's longest default.
DEFAULT_RUN_BUDGET_MS = 120_000


def _quote(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")


def _file_path(path: str) -> str:
    relative = path.lstrip("/")
    if not relative:
        raise ValueError("a file path must name a file")
    return urllib.parse.quote(relative, safe="/")


def _expect(answer: Response, kind: type, what: str) -> Any:
    value = answer.json()
    if not isinstance(value, kind):
        raise UnexpectedResponseError(
            "UNEXPECTED_RESPONSE",
            f"{what}: expected a JSON {kind.__name__}, got {type(value).__name__}",
            status=answer.status,
        )
    return value


class Client:
    """A client of one lagent service.

    Args:
        url: The service's URL; ``LAGENT_URL`` when not given.
        api_key: Sent as ``Authorization: Bearer``; ``LAGENT_API_KEY`` when ``None``.
            ``""`` sends no key, whatever the environment says.
        timeout: The longest wait for an answer, in seconds. Requests that ask the
            service to wait (``wait_ms``, ``run_code``) get that long on top.
        max_retries: Retries of a request the service refused for now (429 or 503, which
            it answers before anything runs), after its ``Retry-After``; and of a read
            or a submit with a job id whose connection failed.

    Raises:
        ValueError: When neither ``url`` nor ``LAGENT_URL`` is set.

    Every method raises a ``LagentError`` subclass when the service refuses the request
    or cannot be reached (see ``lagent_client.errors``). A failure of the user's code is
    not an exception: it is ``result["execution"]["error"]``.
    """

    def __init__(
        self,
        url: Optional[str] = None,
        api_key: Optional[str] = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_retries: int = DEFAULT_MAX_RETRIES,
    ) -> None:
        url = url or os.environ.get("LAGENT_URL")
        if not url:
            raise ValueError("give the service's url, or set LAGENT_URL")
        if api_key is None:
            api_key = os.environ.get("LAGENT_API_KEY")
        self._transport = HttpTransport(url, api_key, timeout, max_retries)

    @property
    def url(self) -> str:
        """The service's URL."""
        return self._transport.base_url

    def __repr__(self) -> str:
        return f"Client(url={self.url!r})"

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release: each request has its own connection."""

    # Jobs

    def submit(
        self,
        request: Mapping[str, Any],
        job_id: Optional[str] = None,
        deadline_ms: Optional[int] = None,
    ) -> str:
        """Queues a job and returns its id at once.

        Args:
            request: ``{"kind": "run-code", "code": ..., "sessionId"?, "timeoutMs"?,
                "envs"?}`` or ``{"kind": "tool-call", "call": {"name", "parameters"},
                ...}``.
            job_id: The job's id (letters, digits, ``_ - .``). Submitting the same id
                again answers with the same job, which runs once. When not given the
                client makes one, so that a submit it retries cannot run twice.
            deadline_ms: The job must start within this long, or it ends ``expired``.
        """
        body: Dict[str, Any] = {
            "request": dict(request),
            "jobId": job_id or f"py-{uuid.uuid4().hex}",
        }
        if deadline_ms is not None:
            body["deadlineMs"] = deadline_ms
        answer = self._transport.request("POST", "/v1/jobs", json_body=body)
        return str(_expect(answer, dict, "submit")["jobId"])

    def get_job(self, job_id: str, wait_ms: int = 0) -> Dict[str, Any]:
        """The job's ``JobInfo``: ``jobId``, ``state`` (``queued``, ``running``,
        ``ended``), ``workerId`` and, once ended, ``result``.

        Args:
            job_id: The job.
            wait_ms: Wait up to this long (at most 120,000) for the job to end. Running
                out only returns the current state: the job goes on.
        """
        answer = self._transport.request(
            "GET",
            f"/v1/jobs/{_quote(job_id)}",
            query={"waitMs": wait_ms} if wait_ms else None,
            timeout_s=self._transport.timeout_s + wait_ms / 1000,
        )
        return _expect(answer, dict, "job")

    def wait(
        self,
        job_id: str,
        timeout_s: Optional[float] = None,
        *,
        cancel_on_timeout: bool = False,
    ) -> Dict[str, Any]:
        """Waits for the job to end and returns its result (a ``JobResult`` dict).

        It long-polls (``GET /v1/jobs/{id}?waitMs=``) as many times as it takes. Waiting
        has no side effect on the job: when ``timeout_s`` runs out, ``WaitTimeoutError``
        is raised and the job goes on running, unless ``cancel_on_timeout`` is set (then
        it is cancelled first). A job that ended badly (``cancelled``, ``timed-out``,
        ...) is a result like any other: read its ``status``.

        Args:
            job_id: The job.
            timeout_s: The longest wait in seconds; ``None`` waits as long as it takes.
            cancel_on_timeout: Cancel the job when ``timeout_s`` runs out.

        Raises:
            WaitTimeoutError: The job had not ended by ``timeout_s``.
        """
        started = time.monotonic()
        while True:
            if timeout_s is None:
                wait_ms = MAX_LONG_POLL_MS
            else:
                left_ms = int((timeout_s - (time.monotonic() - started)) * 1000)
                wait_ms = max(0, min(left_ms, MAX_LONG_POLL_MS))
            job = self.get_job(job_id, wait_ms=wait_ms)
            if job.get("state") == "ended" and "result" in job:
                return job["result"]
            if timeout_s is not None and time.monotonic() - started >= timeout_s:
                if cancel_on_timeout:
                    self.cancel(job_id)
                raise WaitTimeoutError(job_id, job, timeout_s)

    def events(
        self, job_id: str, last_event_id: Optional[int] = None
    ) -> Iterator[Dict[str, Any]]:
        """The job's events as they happen, ending with its ``end`` event.

        Each event is a dict with ``id`` (its number, from 0), ``type`` (``started``,
        ``stdout``, ``stderr``, ``result``, ``end``) and that type's fields
        (``workerId``, ``text``, ``result``). A job that already ended gives all its
        events at once. When the connection drops, the stream is opened again after
        the last id seen, so no event is lost or repeated; closing the generator (or
        leaving the loop) closes the connection.

        Args:
            job_id: The job.
            last_event_id: Give only the events after this id (as ``Last-Event-ID``).
        """
        return follow_job_events(self._transport, job_id, last_event_id)

    def cancel(self, job_id: str) -> bool:
        """Cancels a queued or running job (a running kernel is interrupted; its session
        keeps its state). Returns ``False`` when the job had already ended."""
        answer = self._transport.request(
            "POST", f"/v1/jobs/{_quote(job_id)}/cancel", json_body={}
        )
        return bool(_expect(answer, dict, "cancel")["cancelled"])

    def failed_jobs(self, limit: Optional[int] = None) -> List[Dict[str, Any]]:
        """Jobs the platform failed (a worker or the queue), newest first; failures of
        the code are results, not here."""
        answer = self._transport.request(
            "GET", "/v1/failed-jobs", query={"limit": limit} if limit else None
        )
        return _expect(answer, list, "failed jobs")

    def run_code(
        self,
        code: str,
        session_id: Optional[str] = None,
        timeout_ms: Optional[int] = None,
        envs: Optional[Mapping[str, str]] = None,
        *,
        wait_ms: Optional[int] = None,
    ) -> Dict[str, Any]:
        """Runs Python code and returns its ``JobResult`` in one request.

        The result has ``status`` (``completed``, ``timed-out``, ``cancelled``, ...)
        and ``execution``: ``results`` (rich outputs, ``isMainResult`` for the cell's
        value), ``logs`` (``stdout``, ``stderr``), ``error`` (``name``, ``value``,
        ``traceback``, or ``None``) and ``executionCount``.

        Args:
            code: The code.
            session_id: Runs in this session, whose state (variables, files) lasts
                between calls; a fresh sandbox when ``None``.
            timeout_ms: The code's own deadline in the sandbox.
            envs: Environment variables for this run.
            wait_ms: The longest the service waits for the result, then cancels the
                job. The request is also cancelled when the client gives up (closes the
                connection after ``timeout`` plus the run's budget).
        """
        body: Dict[str, Any] = {"code": code}
        if session_id is not None:
            body["sessionId"] = session_id
        if timeout_ms is not None:
            body["timeoutMs"] = timeout_ms
        if envs is not None:
            body["envs"] = dict(envs)
        if wait_ms is not None:
            body["waitMs"] = wait_ms
        budget_ms = wait_ms if wait_ms is not None else (timeout_ms or DEFAULT_RUN_BUDGET_MS)
        answer = self._transport.request(
            "POST",
            "/v1/run-code",
            json_body=body,
            timeout_s=self._transport.timeout_s + budget_ms / 1000,
            idempotent=False,
        )
        return _expect(answer, dict, "run-code")

    # The platform

    def tools(self) -> List[Dict[str, Any]]:
        """The tools the workers serve: ``name``, ``isToolkit``, ``description``, ``apis``."""
        return _expect(self._transport.request("GET", "/v1/tools"), list, "tools")

    def workers(self) -> Dict[str, Any]:
        """The live workers and their health, the jobs waiting and running, the sessions."""
        return _expect(self._transport.request("GET", "/v1/workers"), dict, "workers")

    def health(self) -> Dict[str, Any]:
        """``{"status": "ok"}`` when the service answers."""
        return _expect(self._transport.request("GET", "/healthz"), dict, "health")

    # Sessions

    def create_session(
        self,
        session_id: Optional[str] = None,
        language: str = "python",
        idle_ttl_ms: Optional[int] = None,
    ) -> Dict[str, Any]:
        """Opens a session: ``{"sessionId", "language", "createdAt"}``.

        Args:
            session_id: Its id; the service chooses one when ``None``.
            language: Only ``python`` for now.
            idle_ttl_ms: The session closes after this long unused.
        """
        body: Dict[str, Any] = {"language": language}
        if session_id is not None:
            body["sessionId"] = session_id
        if idle_ttl_ms is not None:
            body["idleTtlMs"] = idle_ttl_ms
        answer = self._transport.request(
            "POST", "/v1/sessions", json_body=body, idempotent=session_id is not None
        )
        return _expect(answer, dict, "session")

    def list_sessions(self) -> List[Dict[str, Any]]:
        """The open sessions: ``sessionId``, ``language``, ``createdAt``, ``lastUsedAt``."""
        answer = _expect(self._transport.request("GET", "/v1/sessions"), dict, "sessions")
        return list(answer.get("sessions", []))

    def close_session(self, session_id: str) -> bool:
        """Closes a session and its sandbox, after the jobs already queued for it.

        Returns ``False`` when the session was not open (the service answered
        ``{"closed": false}`` or ``SESSION_NOT_FOUND``).
        """
        try:
            answer = self._transport.request(
                "DELETE", f"/v1/sessions/{_quote(session_id)}", idempotent=False
            )
        except NotFoundError as error:
            if error.code == "SESSION_NOT_FOUND":
                return False
            raise
        return bool(_expect(answer, dict, "close session").get("closed"))

    # Files

    def upload_file(self, session_id: str, path: str, data: bytes) -> Dict[str, Any]:
        """Writes ``data`` to ``path`` in the session: ``{"path", "sizeBytes"}``.

        ``path`` is relative to the session's files (a leading ``/`` is dropped).

        Raises:
            PayloadTooLargeError: ``data`` is over the service's cap.
        """
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("data must be bytes")
        answer = self._transport.request(
            "PUT",
            f"/v1/sessions/{_quote(session_id)}/files/{_file_path(path)}",
            data=bytes(data),
            content_type="application/octet-stream",
        )
        return _expect(answer, dict, "upload")

    def download_file(self, session_id: str, path: str) -> bytes:
        """The bytes of ``path`` in the session.

        Raises:
            NotFoundError: No such session or file.
        """
        answer = self._transport.request(
            "GET",
            f"/v1/sessions/{_quote(session_id)}/files/{_file_path(path)}",
            accept="application/octet-stream",
        )
        return answer.body

    def list_files(self, session_id: str) -> List[Dict[str, Any]]:
        """The session's files: ``path`` and ``sizeBytes`` of each."""
        answer = _expect(
            self._transport.request("GET", f"/v1/sessions/{_quote(session_id)}/files"),
            dict,
            "files",
        )
        return list(answer.get("files", []))
