"""Framework-free HTTP plumbing shared by the three emulated services.

The services are plain callables ``SandboxRequest -> SandboxResponse`` so the same code serves the
in-process transports (``transport.py``) and the loopback server (``server.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


@dataclass
class SandboxRequest:
    method: str
    path: str  # without the query string, percent-decoded
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    path_params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, method: str, path: str, raw_query: str, headers: dict[str, str], body: bytes) -> SandboxRequest:
        return cls(
            method=method.upper(),
            path=path,
            query=parse_qs(raw_query, keep_blank_values=True),
            headers={k.lower(): v for k, v in headers.items()},
            body=body,
        )

    def arg(self, name: str, default: str | None = None) -> str | None:
        """First value of a query parameter; case-insensitive name, as QBO treats them."""
        for key, values in self.query.items():
            if key.lower() == name.lower() and values:
                return values[0]
        return default

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass
class SandboxResponse:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> SandboxResponse:
        hdrs = {"Content-Type": "application/json;charset=utf-8"}
        hdrs.update(headers or {})
        return cls(status, json.dumps(payload, separators=(",", ":")).encode(), hdrs)

    @classmethod
    def text(
        cls,
        body: str,
        status: int = 200,
        content_type: str = "text/plain;charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> SandboxResponse:
        hdrs = {"Content-Type": content_type}
        hdrs.update(headers or {})
        return cls(status, body.encode(), hdrs)


Handler = Callable[[SandboxRequest], SandboxResponse]


class Router:
    """Routes by method and a path template such as ``/v3/company/{realm}/{entity}``."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template.rstrip("/") or "/")
        self._routes.append((method.upper(), re.compile(f"^{pattern}/?$"), handler))

    def dispatch(self, req: SandboxRequest) -> SandboxResponse | None:
        """The matching handler's response; 405 when only the method differs; None when no path matches."""
        path_matched = False
        for method, pattern, handler in self._routes:
            m = pattern.match(req.path)
            if not m:
                continue
            path_matched = True
            if method == req.method:
                req.path_params = m.groupdict()
                return handler(req)
        if path_matched:
            return SandboxResponse.json({"error": "method_not_allowed"}, status=405)
        return None


class Mount:
    """Dispatches to services by path prefix; the prefix is stripped before the service sees the path."""

    def __init__(self) -> None:
        self._mounts: list[tuple[str, Handler]] = []

    def mount(self, prefix: str, handler: Handler) -> None:
        self._mounts.append((prefix.rstrip("/"), handler))
        self._mounts.sort(key=lambda m: len(m[0]), reverse=True)

    def __call__(self, req: SandboxRequest) -> SandboxResponse:
        for prefix, handler in self._mounts:
            if req.path == prefix or req.path.startswith(prefix + "/"):
                req.path = req.path[len(prefix) :] or "/"
                return handler(req)
        return SandboxResponse.json({"error": "not_found", "path": req.path}, status=404)


class SimulatedNetworkFault(Exception):
    """Raised by a service to make the transport fail the way a network would.

    ``kind`` is ``read_timeout`` (the server may already have committed the write: the classic
    "uncertain outcome") or ``connect_error`` (nothing reached the server).
    """

    def __init__(self, kind: str, message: str = "") -> None:
        super().__init__(message or kind)
        self.kind = kind
