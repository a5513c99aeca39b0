"""Where the browser lands after the Intuit consent page: a one-shot receiver and a loopback HTTP server for it.

``CallbackReceiver`` takes the first redirect for its path, hands it to the waiting flow and answers the
browser with the page the flow chose (connected, or what went wrong). ``LoopbackCallbackServer`` puts a
receiver on ``127.0.0.1`` only, whatever host the redirect URI names. The demo's simulated browser calls
``CallbackReceiver.deliver`` directly, in-process.

Nothing here logs or echoes the request line: it carries the authorization code.
"""

from __future__ import annotations

import html
import queue
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

LOOPBACK = "127.0.0.1"
VERDICT_WAIT_SECONDS = 120.0  # how long the browser's request waits for the flow to exchange and confirm
PAGE_SENT_WAIT_SECONDS = 5.0  # how long stop() waits for the page to reach the browser
WAIT_SLICE_SECONDS = 0.2  # the flow wakes this often while waiting, so Ctrl-C is honoured at once
SOCKET_TIMEOUT_SECONDS = 10.0  # a connection that sends nothing (browsers pre-connect) is dropped after this


class CallbackPage:
    """The small HTML page the browser shows at the end."""

    def __init__(self, ok: bool, headline: str, detail: str = "", status: int = 200) -> None:
        self.ok = ok
        self.headline = headline
        self.detail = detail
        self.status = status

    def html(self) -> str:
        esc = html.escape
        colour = "#1b7f3b" if self.ok else "#b3261e"
        mark = "&#10003;" if self.ok else "&#10007;"
        detail = f"<p>{esc(self.detail)}</p>" if self.detail else ""
        return (
            "<!doctype html><html lang=en><head><meta charset=utf-8>"
            '<meta name="referrer" content="no-referrer">'
            f"<title>qbsync: {esc(self.headline)}</title>"
            "<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;"
            f"line-height:1.5}}h1{{color:{colour};font-size:1.4em}}</style></head>"
            f"<body><h1>{mark} {esc(self.headline)}</h1>{detail}"
            "<p>You can close this tab and return to the terminal.</p></body></html>"
        )


RECEIVED_PAGE = CallbackPage(
    True, "qbsync received Intuit's answer", "The terminal shows whether the connection worked."
)
ALREADY_USED_PAGE = CallbackPage(
    False, "This sign-in answer was not used", "qbsync already received an answer for this attempt.", status=409
)
NOT_FOUND_PAGE = CallbackPage(False, "Not found", "This address is not part of qbsync's sign-in.", status=404)


class CallbackReceiver:
    """Accepts exactly one redirect for ``path``; later ones get a 'not used' page."""

    def __init__(self, path: str = "/callback") -> None:
        self.path = path or "/"
        self._targets: queue.Queue[str] = queue.Queue(maxsize=1)
        self._lock = threading.Lock()
        self._taken = False
        self._verdict = threading.Event()
        self._page: CallbackPage | None = None
        self._sent = threading.Event()

    def matches(self, target: str) -> bool:
        return urlsplit(target).path == self.path

    def deliver(self, target: str) -> CallbackPage:
        """Called by the browser side with the redirect (path and query, or a whole URL); returns the page."""
        with self._lock:
            if self._taken:
                return ALREADY_USED_PAGE
            self._taken = True
        self._targets.put(target)
        self._verdict.wait(VERDICT_WAIT_SECONDS)
        return self._page or RECEIVED_PAGE

    def page_sent(self) -> None:
        self._sent.set()

    def wait(self, timeout: float) -> str | None:
        """The redirect the browser brought, or ``None`` after ``timeout`` seconds.

        Waits in short slices: a long lock wait is not woken when the kernel hands Ctrl-C (SIGINT) to another
        thread (the server's), so the interrupt would only be seen when the whole timeout had passed.
        """
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                return self._targets.get(timeout=min(WAIT_SLICE_SECONDS, remaining))
            except queue.Empty:
                continue

    def respond(self, page: CallbackPage) -> None:
        """What the waiting browser will show; only the first answer counts."""
        if not self._verdict.is_set():
            self._page = page
            self._verdict.set()

    @property
    def delivered(self) -> bool:
        return self._taken

    def wait_page_sent(self, timeout: float = PAGE_SENT_WAIT_SECONDS) -> bool:
        return self._sent.wait(timeout)


class LoopbackCallbackServer:
    """A ``CallbackReceiver`` served over HTTP on 127.0.0.1:``port`` (never another interface).

    Binding happens in the constructor, so a port already in use fails before the browser is opened.
    """

    def __init__(self, receiver: CallbackReceiver, port: int) -> None:
        self.receiver = receiver
        self.httpd = ThreadingHTTPServer((LOOPBACK, port), _handler_class(receiver))
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def start(self) -> LoopbackCallbackServer:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="qbsync-callback", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self.receiver.delivered:
            self.receiver.wait_page_sent()
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread = None
        self.httpd.server_close()

    def __enter__(self) -> LoopbackCallbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _handler_class(receiver: CallbackReceiver) -> type[BaseHTTPRequestHandler]:
    class _CallbackHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one request per connection: nothing lingers after the answer
        timeout = SOCKET_TIMEOUT_SECONDS
        server_version = "qbsync"
        sys_version = ""

        def log_message(self, format: str, *args: object) -> None:
            pass  # the request line holds the authorization code: never log it

        def log_error(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if not receiver.matches(self.path):
                self._send(NOT_FOUND_PAGE)
                return
            page = receiver.deliver(self.path)
            try:
                self._send(page)
            finally:
                if page is not ALREADY_USED_PAGE:
                    receiver.page_sent()

        def do_POST(self) -> None:
            self._send(CallbackPage(False, "Method not allowed", status=405))

        def _send(self, page: CallbackPage) -> None:
            body = page.html().encode("utf-8")
            self.send_response(page.status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Referrer-Policy", "no-referrer")
            self.end_headers()
            self.wfile.write(body)

    return _CallbackHandler
