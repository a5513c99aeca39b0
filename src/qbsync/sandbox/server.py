"""The sandbox as a real HTTP server on 127.0.0.1 (never another interface)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from qbsync.sandbox.http import Handler, SandboxRequest, SimulatedNetworkFault

LOOPBACK = "127.0.0.1"


class SandboxServer:
    """Serves a sandbox app on loopback in a background thread; use as a context manager."""

    def __init__(self, app: Handler, port: int = 0, timeout_fault_seconds: float = 5.0) -> None:
        self.app = app
        self.timeout_fault_seconds = timeout_fault_seconds
        handler_cls = self._handler_class()
        self.httpd = ThreadingHTTPServer((LOOPBACK, port), handler_cls)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="qbsync-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Small keep-alive replies must not wait for the client's delayed ACK (about 40 ms each on Linux).
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                pass  # the sandbox keeps its own request log; stderr stays quiet

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                req = SandboxRequest.build(self.command, unquote(parts.path), parts.query, dict(self.headers), body)
                try:
                    resp = server.app(req)
                except SimulatedNetworkFault as fault:
                    if fault.kind == "read_timeout":
                        time.sleep(server.timeout_fault_seconds)
                    self.close_connection = True
                    return
                self.send_response(resp.status)
                headers = dict(resp.headers)
                headers["Content-Length"] = str(len(resp.body))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(resp.body)

            def handle(self) -> None:
                try:
                    super().handle()
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client went away early: nothing to answer, no traceback

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

        return _Handler
