"""A Python client of the lagent service (``lagent serve``), standard library only.

    from lagent_client import Client

    client = Client("http://127.0.0.1:8080")  # or LAGENT_URL / LAGENT_API_KEY
    result = client.run_code("print(6 * 7)", session_id="demo")
    print(result["execution"]["logs"]["stdout"])

``RemoteIPythonInteractive`` (``lagent_client.lagent_action``) is a drop-in for Lagent's
``IPythonInteractive`` that runs the code on the service.
"""

from .action_return import ActionReturn, ActionStatusCode, ActionValidCode
from .client import Client
from .errors import (
    AuthenticationError,
    LagentConnectionError,
    LagentError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    RequestTimeoutError,
    ServerError,
    UnavailableError,
    UnexpectedResponseError,
    UnsupportedMediaTypeError,
    ValidationError,
    WaitTimeoutError,
)
from .lagent_action import RemoteIPythonInteractive
from .version import __version__

__all__ = [
    "ActionReturn",
    "ActionStatusCode",
    "ActionValidCode",
    "AuthenticationError",
    "Client",
    "LagentConnectionError",
    "LagentError",
    "NotFoundError",
    "PayloadTooLargeError",
    "RateLimitedError",
    "RemoteIPythonInteractive",
    "RequestTimeoutError",
    "ServerError",
    "UnavailableError",
    "UnexpectedResponseError",
    "UnsupportedMediaTypeError",
    "ValidationError",
    "WaitTimeoutError",
    "__version__",
]
