"""In-process bridges from HTTP clients to the sandbox: no sockets, no outside host.

``SandboxTransport`` serves httpx clients (qbsync's own clients and Suprata's sync engine);
``SandboxRequestsAdapter`` serves ``requests`` sessions, which is what intuitlib's ``AuthClient`` is.
Neither subclasses ``httpx.MockTransport``, so vcrpy never intercepts them (see libraries.md).
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import httpx

from qbsync.sandbox.http import Handler, SandboxRequest, SimulatedNetworkFault


def _to_sandbox_request(method: str, url: str, headers: dict[str, str], body: bytes) -> SandboxRequest:
    parts = urlsplit(url)
    return SandboxRequest.build(method, unquote(parts.path), parts.query, headers, body)


class SandboxTransport(httpx.BaseTransport):
    def __init__(self, app: Handler) -> None:
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        req = _to_sandbox_request(request.method, str(request.url), dict(request.headers), body)
        try:
            resp = self.app(req)
        except SimulatedNetworkFault as fault:
            if fault.kind == "connect_error":
                raise httpx.ConnectError(str(fault), request=request) from None
            raise httpx.ReadTimeout(str(fault), request=request) from None
        return httpx.Response(resp.status, headers=resp.headers, content=resp.body, request=request)


def requests_adapter(app: Handler):  # -> requests.adapters.BaseAdapter (imported lazily: requests is heavy)
    import requests
    from requests.adapters import BaseAdapter
    from requests.structures import CaseInsensitiveDict

    class SandboxRequestsAdapter(BaseAdapter):
        def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
            body = request.body or b""
            if isinstance(body, str):
                body = body.encode()
            req = _to_sandbox_request(request.method, request.url, dict(request.headers), body)
            try:
                resp = app(req)
            except SimulatedNetworkFault as fault:
                raise requests.exceptions.ReadTimeout(str(fault), request=request) from None
            out = requests.Response()
            out.status_code = resp.status
            out.headers = CaseInsensitiveDict(resp.headers)
            out._content = resp.body
            out.url = request.url
            out.request = request
            out.encoding = "utf-8"
            return out

        def close(self) -> None:
            pass

    return SandboxRequestsAdapter()
