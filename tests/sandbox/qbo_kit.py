"""Fixtures for the emulated QBO API: a VirtualClock, a token registry, one US company and an httpx client
going through the in-process transport (no vcr markers: vcrpy would intercept transports)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from qbsync.clock import VirtualClock
from qbsync.sandbox import IN_PROCESS_BASE
from qbsync.sandbox.http import Mount
from qbsync.sandbox.qbo.company import QboCompany
from qbsync.sandbox.qbo.service import QboSandbox
from qbsync.sandbox.tokens import ACCOUNTING_SCOPE, AccessTokenRegistry
from qbsync.sandbox.transport import SandboxTransport

REALM = "9130357766900000"
START = datetime(2024, 3, 1, 15, 0, tzinfo=UTC)  # 08:00 in Denver (UTC-7 before DST)


class QboApi:
    """A thin client for one realm: paths are relative to ``/qbo/v3/company/{realm}``."""

    def __init__(self, http: httpx.Client, realm: str) -> None:
        self.http = http
        self.realm = realm

    def url(self, path: str) -> str:
        return f"/qbo/v3/company/{self.realm}{path}"

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(self.url(path), params=params)

    def post(self, path: str, body: Any = None, **params: Any) -> httpx.Response:
        return self.http.post(self.url(path), json=body, params=params)

    def query(self, statement: str) -> httpx.Response:
        return self.get("/query", query=statement, minorversion="75")


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def tokens(clock: VirtualClock) -> AccessTokenRegistry:
    return AccessTokenRegistry(clock)


@pytest.fixture
def qbo(clock: VirtualClock, tokens: AccessTokenRegistry) -> QboSandbox:
    return QboSandbox(clock, tokens)


@pytest.fixture
def company(qbo: QboSandbox) -> QboCompany:
    return qbo.add_company(REALM, "Suprata Demo Plumbing")


@pytest.fixture
def app(qbo: QboSandbox) -> Mount:
    mount = Mount()
    mount.mount("/qbo", qbo)
    return mount


@pytest.fixture
def bearer(tokens: AccessTokenRegistry, company: QboCompany) -> str:
    return tokens.issue(company.realm_id, "client-id", {ACCOUNTING_SCOPE}).value


@pytest.fixture
def http(app: Mount, bearer: str) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {bearer}", "Accept": "application/json"}
    with httpx.Client(transport=SandboxTransport(app), base_url=IN_PROCESS_BASE, headers=headers) as client:
        yield client


@pytest.fixture
def api(http: httpx.Client, company: QboCompany) -> QboApi:
    return QboApi(http, company.realm_id)


@pytest.fixture
def seeded(company: QboCompany) -> QboCompany:
    """A US company with a customer, a vendor, a taxable and a non-taxable item and an 8% tax code."""
    company.create("Customer", {"DisplayName": "Amy's Bird Sanctuary", "GivenName": "Amy"})  # Id 1
    company.create("Vendor", {"DisplayName": "Pipe Supply Co"})  # Id 1
    company.create("Item", {"Name": "Services", "UnitPrice": 100, "Taxable": False})  # Id 1
    company.create("Item", {"Name": "Faucet", "UnitPrice": 50, "Taxable": True})  # Id 2
    company.create("TaxRate", {"Name": "Denver 8%", "RateValue": 8})  # Id 1
    company.create(
        "TaxCode",
        {"Name": "Denver", "SalesTaxRateList": {"TaxRateDetail": [{"TaxRateRef": {"value": "1"}}]}},
    )  # Id 1
    return company


def sales_line(amount: float, item: str = "1", tax: str | None = None) -> dict[str, Any]:
    detail: dict[str, Any] = {"ItemRef": {"value": item}}
    if tax is not None:
        detail["TaxCodeRef"] = {"value": tax}
    return {"Amount": amount, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}


def invoice_body(customer: str = "1", *lines: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"CustomerRef": {"value": customer}, "Line": list(lines) or [sales_line(100.0)], **extra}


def only_error(resp: httpx.Response) -> dict[str, Any]:
    body = resp.json()
    errors = body["Fault"]["Error"]
    assert len(errors) == 1
    return errors[0]
