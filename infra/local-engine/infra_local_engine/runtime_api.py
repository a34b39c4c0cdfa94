"""The Lambda Runtime API, served on loopback to one function process.

A `provided.*` function's `bootstrap` polls `GET /2018-06-01/runtime/invocation/next`
for an event and posts its result to `…/invocation/<id>/response` or `…/error`
(`…/init/error` when it cannot start). This module serves exactly that, for one
process at a time, and hands each invocation's outcome back to the caller of
`invoke`. It knows nothing of LocalStack, so it is tested on its own.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"


@dataclass
class Invocation:
    """One event for the function, and where its outcome goes."""

    request_id: str
    payload: bytes
    function_arn: str
    deadline_ms: int
    trace_id: str = ""
    done: threading.Event = field(default_factory=threading.Event)
    result: bytes = b""
    is_error: bool = False


class RuntimeApi:
    """A Runtime API server for one function process on 127.0.0.1 (port chosen by the OS)."""

    def __init__(self) -> None:
        self._pending: queue.Queue[Invocation | None] = queue.Queue()
        self._current: Invocation | None = None
        self._lock = threading.Lock()
        self.ready = threading.Event()
        """Set when the process first asks for an event (its init finished) or reports an init error."""
        self.init_error: bytes | None = None
        self._server = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="runtime-api", daemon=True
        )

    @property
    def address(self) -> str:
        """`127.0.0.1:<port>`, the value of `AWS_LAMBDA_RUNTIME_API`."""
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stops serving; a process blocked on `next` gets no event (it is being killed)."""
        self._pending.put(None)
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            current, self._current = self._current, None
        if current is not None and not current.done.is_set():
            fail(current, "Runtime.Stopped", "the function process was stopped")

    def submit(self, invocation: Invocation) -> None:
        """Queues an event; `invocation.done` is set when the function answers."""
        self._pending.put(invocation)

    def abandon(self, invocation: Invocation) -> None:
        """Forgets an invocation that timed out or whose process died."""
        with self._lock:
            if self._current is invocation:
                self._current = None

    # -- HTTP ---------------------------------------------------------------------------

    def _next(self) -> Invocation | None:
        self.ready.set()
        invocation = self._pending.get()
        with self._lock:
            self._current = invocation
        return invocation

    def _finish(self, request_id: str, body: bytes, is_error: bool) -> bool:
        with self._lock:
            current = self._current
            if current is None or current.request_id != request_id:
                return False
            self._current = None
        current.result, current.is_error = body, is_error
        current.done.set()
        return True

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass  # requests are not worth a log line each

            def _reply(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def do_GET(self) -> None:
                if self.path != f"{PREFIX}/invocation/next":
                    self._reply(HTTPStatus.NOT_FOUND, b'{"errorMessage":"not found"}')
                    return
                invocation = api._next()
                if invocation is None:
                    self.close_connection = True
                    self._reply(HTTPStatus.GONE)
                    return
                headers = {
                    "Content-Type": "application/json",
                    "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": invocation.function_arn,
                }
                if invocation.trace_id:
                    headers["Lambda-Runtime-Trace-Id"] = invocation.trace_id
                self._reply(HTTPStatus.OK, invocation.payload, headers)

            def do_POST(self) -> None:
                body = self._body()
                parts = self.path.removeprefix(PREFIX).strip("/").split("/")
                if parts == ["init", "error"]:
                    api.init_error = body or b'{"errorType":"Runtime.InitError"}'
                    api.ready.set()
                    self._reply(HTTPStatus.ACCEPTED, b'{"status":"OK"}')
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    if api._finish(parts[1], body, parts[2] == "error"):
                        self._reply(HTTPStatus.ACCEPTED, b'{"status":"OK"}')
                    else:
                        self._reply(
                            HTTPStatus.BAD_REQUEST,
                            b'{"errorMessage":"unknown or finished request id"}',
                        )
                else:
                    self._reply(HTTPStatus.NOT_FOUND, b'{"errorMessage":"not found"}')

        return Handler


class _QuietServer(ThreadingHTTPServer):
    """A server for one process: a connection it drops (it was killed) is not an error."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def fail(invocation: Invocation, error_type: str, message: str) -> None:
    """Ends an invocation with an error in the Runtime API's error shape."""
    invocation.result = json.dumps({"errorType": error_type, "errorMessage": message}).encode()
    invocation.is_error = True
    invocation.done.set()


def deadline_ms(timeout_seconds: float) -> int:
    """The `Lambda-Runtime-Deadline-Ms` of an invocation starting now."""
    return int((time.time() + timeout_seconds) * 1000)
