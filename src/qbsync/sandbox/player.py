"""Plays a scenario: seeds both systems, then applies the timeline in time order while Suprata's engine syncs.

Suprata-side events (an invoice created, a record edited) are followed by an engine tick, as Suprata syncs
on change; automatic retries run when they fall due between events. Everything that happens "directly in
QuickBooks" goes through the QBO emulator's own Python API, so the same validation applies.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from qbsync.sandbox import scenario as sc
from qbsync.sandbox.qbo.timefmt import local_date
from qbsync.sandbox.suprata.store import (
    CustomerRec,
    InvoiceRec,
    ItemRec,
    LineRec,
    PaymentRec,
    TaxCategoryRec,
    money,
)

if TYPE_CHECKING:
    from qbsync.sandbox.instance import Sandbox


def customer_id(number: str) -> str:
    return "cus_" + number.split("-")[-1]


def invoice_id(number: str) -> str:
    return "inv_" + number.split("-")[-1]


def payment_id(number: str) -> str:
    return "pmt_" + number.split("-")[-1]


class ScenarioPlayer:
    def __init__(self, sandbox: Sandbox, scenario: sc.Scenario) -> None:
        self.sb = sandbox
        self.scenario = scenario
        self.tz = ZoneInfo(scenario.company.timezone)
        self.tax_code_ids: dict[str, str] = {}

    # --- starting state -------------------------------------------------------------------------

    def seed(self) -> None:
        s, co, store = self.scenario, self.sb.qbo_company, self.sb.suprata_store
        start = s.clock.start
        for spec in s.qbo.vendors:
            co.create("Vendor", _party(spec))
        for spec in s.qbo.employees:
            co.create("Employee", _party(spec))
        for spec in s.qbo.customers:
            co.create("Customer", _party(spec))
        for spec in s.qbo.items:
            body: dict[str, Any] = {
                "Name": spec.name,
                "Type": spec.type,
                "UnitPrice": float(spec.unit_price),
                "Taxable": spec.taxable,
                "Active": spec.active,
            }
            if spec.sku:
                body["Sku"] = spec.sku
            co.create("Item", body)
        for spec in s.qbo.tax_codes:
            rate = co.create("TaxRate", {"Name": f"{spec.name} rate", "RateValue": float(spec.rate_percent)})
            detail = {"TaxRateRef": {"value": rate["Id"]}, "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0}
            code = co.create(
                "TaxCode", {"Name": spec.name, "Active": spec.active, "SalesTaxRateList": {"TaxRateDetail": [detail]}}
            )
            self.tax_code_ids[spec.name] = code["Id"]
        for spec in s.suprata.customers:
            rec = self._add_customer(spec, start)
            if spec.qbo_link:
                self._link(rec, "Customer", spec.qbo_link)
        for spec in s.suprata.items:
            item = ItemRec(
                id="itm_" + spec.sku.lower().replace("-", "_"),
                sku=spec.sku,
                name=spec.name,
                unit_price=money(spec.unit_price),
                created_at=start,
                updated_at=start,
                type=spec.type,
                taxable=spec.taxable,
            )
            store.add(item)
            if spec.qbo_link:
                self._link(item, "Item", spec.qbo_link)
        for spec in s.suprata.tax_categories:
            cat = TaxCategoryRec(id=spec.id, name=spec.name, rate_percent=spec.rate_percent)
            for state, code_name in spec.mappings.items():
                cat.mappings[state] = self._mapping(code_name)
            store.tax_categories[cat.id] = cat

    def _link(self, rec: CustomerRec | ItemRec, entity: str, name: str) -> None:
        """A person linked the record to an existing QuickBooks one in Suprata's settings: Suprata holds its Id
        and counts it synced without ever pushing it."""
        found = self.sb.qbo_company.find_by_name(entity, name)
        if found is None:
            raise ValueError(f"qbo_link names unknown QBO {entity} {name!r}")
        rec.sync.state, rec.sync.qbo_id, rec.sync.qbo_sync_token = "synced", found["Id"], found.get("SyncToken", "0")

    def _mapping(self, code_name: str | None) -> tuple[str | None, str | None]:
        if code_name is None:
            return (None, None)
        if code_name not in self.tax_code_ids:
            raise ValueError(f"tax mapping names unknown QBO tax code {code_name!r}")
        return (self.tax_code_ids[code_name], code_name)

    def _add_customer(self, spec: sc.SupCustomerSpec, when: datetime) -> CustomerRec:
        rec = CustomerRec(
            id=customer_id(spec.number),
            number=spec.number,
            display_name=spec.display_name,
            created_at=when,
            updated_at=when,
            company_name=spec.company_name,
            given_name=spec.given_name,
            family_name=spec.family_name,
            email=spec.email,
            phone=spec.phone,
            line1=spec.line1,
            city=spec.city,
            state=spec.state,
            postal_code=spec.postal_code,
            parent_id=customer_id(spec.parent) if spec.parent else None,
        )
        if rec.parent_id and rec.parent_id not in self.sb.suprata_store.customers:
            raise ValueError(f"customer {spec.number}: unknown parent {spec.parent!r}")
        self.sb.suprata_store.add(rec)
        return rec

    # --- timeline -------------------------------------------------------------------------------

    def play(self) -> None:
        for event in self.scenario.ordered_timeline():
            self.advance_to(event.at)
            self.apply(event)
            if event.type in sc.SUPRATA_EVENTS:
                self.sb.engine.tick()
        self.advance_to(self.scenario.clock.now)

    def advance_to(self, when: datetime) -> None:
        """Move the clock to ``when``, running every automatic retry that falls due on the way."""
        engine, clock = self.sb.engine, self.sb.clock
        while True:
            due = engine.next_due()
            if due is None or due > when:
                break
            clock.set(due)
            engine.tick()
        clock.set(when)

    def apply(self, event: Any) -> None:
        handler = getattr(self, "_on_" + event.type)
        handler(event)

    # Suprata side

    def _on_customer_created(self, ev: sc.CustomerCreated) -> None:
        rec = self._add_customer(ev.customer, ev.at)
        if ev.customer.qbo_link:
            self._link(rec, "Customer", ev.customer.qbo_link)

    def _on_invoice_created(self, ev: sc.InvoiceCreated) -> None:
        store = self.sb.suprata_store
        customer = store.customers[customer_id(ev.customer)]
        txn_date = ev.txn_date or local_date(ev.at, self.tz)
        category = store.tax_categories.get(ev.tax_category or "")
        inv = InvoiceRec(
            id=invoice_id(ev.number),
            number=ev.number,
            customer_id=customer.id,
            txn_date=txn_date,
            lines=[self._line(spec) for spec in ev.lines],
            created_at=ev.at,
            updated_at=ev.at,
            due_date=txn_date + timedelta(days=ev.due_days),
            service_state=ev.service_state or customer.state,
            tax_category_id=category.id if category else None,
            tax_rate_percent=category.rate_percent if category else None,
        )
        store.add(inv)
        if not ev.held:
            self.sb.engine.enqueue(inv)

    def _line(self, spec: sc.LineSpec) -> LineRec:
        item = self.sb.suprata_store.item_by_ref(spec.sku)
        if item is None:
            raise ValueError(f"unknown item {spec.sku!r}")
        price = spec.unit_price if spec.unit_price is not None else item.unit_price
        return LineRec(
            item_id=item.id,
            quantity=Decimal(spec.qty),
            unit_price=money(price),
            description=spec.description or item.name,
            taxable=item.taxable,
        )

    def _on_payment_created(self, ev: sc.PaymentCreated) -> None:
        store = self.sb.suprata_store
        applied: list[tuple[str, Decimal]] = []
        customer = None
        for app in ev.applied:
            inv = store.invoices[invoice_id(app.invoice)]
            amount = money(app.amount) if app.amount is not None else inv.balance
            inv.paid += amount
            applied.append((inv.id, amount))
            customer = customer or inv.customer_id
        pay = PaymentRec(
            id=payment_id(ev.number),
            number=ev.number,
            customer_id=customer or "",
            txn_date=ev.txn_date or local_date(ev.at, self.tz),
            applied=applied,
            created_at=ev.at,
            updated_at=ev.at,
            method=ev.method,
            reference=ev.reference,
        )
        store.add(pay)
        if not ev.held:
            self.sb.engine.enqueue(pay)

    def _on_invoice_edited(self, ev: sc.InvoiceEdited) -> None:
        inv = self.sb.suprata_store.invoices[invoice_id(ev.number)]
        inv.lines.extend(self._line(spec) for spec in ev.add_lines)
        if ev.due_date:
            inv.due_date = ev.due_date
        inv.updated_at = ev.at
        self.sb.engine.enqueue(inv)

    def _on_sync_enabled(self, ev: sc.SyncEnabled) -> None:
        self.sb.engine.enabled = ev.enabled  # the tick that follows every Suprata-side event pushes the backlog

    def _on_batch_released(self, ev: sc.BatchReleased) -> None:
        """Held records go to the engine's queue; the tick after the event pushes them (invoices first)."""
        store = self.sb.suprata_store
        wanted = set(ev.numbers)
        records: list[InvoiceRec | PaymentRec] = [*store.invoices.values(), *store.payments.values()]
        for rec in records:
            never_pushed = rec.sync.attempts == 0 and not rec.sync.qbo_id and not rec.sync.needs_push
            if never_pushed and (not wanted or rec.number in wanted):
                self.sb.engine.enqueue(rec)

    def _on_customer_edited(self, ev: sc.CustomerEdited) -> None:
        rec = self.sb.suprata_store.customers[customer_id(ev.customer)]
        for name in ("display_name", "email", "phone"):
            if getattr(ev, name) is not None:
                setattr(rec, name, getattr(ev, name))
        rec.updated_at = ev.at
        if rec.sync.qbo_id:  # not yet in QuickBooks: the next push creates it with the new details
            self.sb.engine.enqueue(rec)

    def _on_item_edited(self, ev: sc.ItemEdited) -> None:
        rec = self.sb.suprata_store.item_by_ref(ev.sku)
        if rec is None:
            raise ValueError(f"unknown item {ev.sku!r}")
        if ev.name is not None:
            rec.name = ev.name
        if ev.unit_price is not None:
            rec.unit_price = money(ev.unit_price)
        rec.updated_at = ev.at
        if rec.sync.qbo_id:
            self.sb.engine.enqueue(rec)

    def _on_payment_edited(self, ev: sc.PaymentEdited) -> None:
        store = self.sb.suprata_store
        pay = store.payments[payment_id(ev.number)]
        target = invoice_id(ev.invoice)
        new_amount = money(ev.amount)
        applied = []
        for inv_id, amount in pay.applied:
            if inv_id == target:
                store.invoices[inv_id].paid += new_amount - amount
                amount = new_amount
            applied.append((inv_id, amount))
        pay.applied = applied
        pay.updated_at = ev.at
        self.sb.engine.enqueue(pay)

    def _on_payment_deleted(self, ev: sc.PaymentDeleted) -> None:
        store = self.sb.suprata_store
        pay = store.payments[payment_id(ev.number)]
        for inv_id, amount in pay.applied:
            store.invoices[inv_id].paid -= amount
        pay.deleted, pay.updated_at = True, ev.at
        if pay.sync.qbo_id:
            self.sb.engine.enqueue(pay)
        else:
            self.sb.engine.forget(pay)  # never reached QuickBooks: nothing to delete there

    def _on_retry_clicked(self, ev: sc.RetryClicked) -> None:
        store = self.sb.suprata_store
        record = (
            store.item_by_ref(ev.number) if ev.record_type == "item" else store.by_number(ev.record_type, ev.number)
        )
        if record is None:
            raise ValueError(f"unknown {ev.record_type} {ev.number!r}")
        self.sb.engine.push(record, "manual_retry")

    def _on_engine_tick(self, ev: sc.EngineTick) -> None:
        pass  # the tick follows every Suprata-side event

    def _on_tax_mapping_changed(self, ev: sc.TaxMappingChanged) -> None:
        cat = self.sb.suprata_store.tax_categories[ev.category]
        cat.mappings[ev.state] = self._mapping(ev.tax_code)

    # Suprata's connection

    def _on_connection_lapsed(self, ev: sc.ConnectionLapsed) -> None:
        self.sb.lapse_suprata_connection()

    def _on_connection_revoked(self, ev: sc.ConnectionRevoked) -> None:
        self.sb.revoke_suprata_connection()

    def _on_reconnected(self, ev: sc.Reconnected) -> None:
        self.sb.connect_suprata()

    # directly in QuickBooks

    def _on_qbo_edited(self, ev: sc.QboEdited) -> None:
        co = self.sb.qbo_company
        rec = self.sb.qbo_find(ev.entity, ev.key)
        co.sparse_update(ev.entity, {"Id": rec["Id"], **ev.changes})

    def _on_qbo_payment_entered(self, ev: sc.QboPaymentEntered) -> None:
        co = self.sb.qbo_company
        inv = self.sb.qbo_find("Invoice", ev.invoice)
        amount = ev.amount if ev.amount is not None else Decimal(str(inv["Balance"]))
        body: dict[str, Any] = {
            "CustomerRef": {"value": inv["CustomerRef"]["value"]},
            "TotalAmt": float(amount),
            "TxnDate": (ev.txn_date or local_date(ev.at, self.tz)).isoformat(),
            "Line": [{"Amount": float(amount), "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}],
        }
        if ev.reference:
            body["PaymentRefNum"] = ev.reference
        co.create("Payment", body)

    def _on_qbo_customers_merged(self, ev: sc.QboCustomersMerged) -> None:
        self.sb.qbo_company.merge_customers(
            self.sb.qbo_find("Customer", ev.key)["Id"], self.sb.qbo_find("Customer", ev.into)["Id"]
        )

    def _sales_line(self, amount: Decimal, item_name: str | None) -> dict[str, Any]:
        co = self.sb.qbo_company
        item = co.find_by_name("Item", item_name) if item_name else None
        if item is None:
            item = next(iter(co.all("Item", include_inactive=False)), None)
        if item is None:
            raise ValueError("the QuickBooks company has no item for the line")
        detail = {"ItemRef": {"value": item["Id"]}, "TaxCodeRef": {"value": "NON"}}
        return {"Amount": float(amount), "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}

    def _on_qbo_credit_memo_entered(self, ev: sc.QboCreditMemoEntered) -> None:
        co = self.sb.qbo_company
        body: dict[str, Any] = {
            "CustomerRef": {"value": self.sb.qbo_find("Customer", ev.customer)["Id"]},
            "TxnDate": local_date(ev.at, self.tz).isoformat(),
            "Line": [self._sales_line(ev.amount, ev.item)],
        }
        if ev.memo:
            body["PrivateNote"] = ev.memo
        if ev.doc_number:
            body["DocNumber"] = ev.doc_number
        co.create("CreditMemo", body)

    def _on_qbo_refund_issued(self, ev: sc.QboRefundIssued) -> None:
        co = self.sb.qbo_company
        checking = co.find_by_name("Account", "Checking")
        body: dict[str, Any] = {
            "CustomerRef": {"value": self.sb.qbo_find("Customer", ev.customer)["Id"]},
            "TxnDate": local_date(ev.at, self.tz).isoformat(),
            "DepositToAccountRef": {"value": checking["Id"] if checking else ""},
            "Line": [self._sales_line(ev.amount, ev.item)],
        }
        if ev.memo:
            body["PrivateNote"] = ev.memo
        co.create("RefundReceipt", body)

    def _on_qbo_voided(self, ev: sc.QboVoided) -> None:
        self.sb.qbo_company.void(ev.entity, self.sb.qbo_find(ev.entity, ev.key)["Id"])

    def _on_qbo_deleted(self, ev: sc.QboDeleted) -> None:
        self.sb.qbo_company.delete(ev.entity, self.sb.qbo_find(ev.entity, ev.key)["Id"])

    def _on_qbo_made_inactive(self, ev: sc.QboMadeInactive) -> None:
        self.sb.qbo_company.make_inactive(ev.entity, self.sb.qbo_find(ev.entity, ev.key)["Id"])

    def _on_qbo_renamed(self, ev: sc.QboRenamed) -> None:
        field = "Name" if ev.entity == "Item" else "DisplayName"
        rec = self.sb.qbo_find(ev.entity, ev.key)
        self.sb.qbo_company.sparse_update(ev.entity, {"Id": rec["Id"], field: ev.new_name})

    def _on_books_closed(self, ev: sc.BooksClosed) -> None:
        self.sb.qbo_company.set_book_close_date(ev.through)

    # QuickBooks' infrastructure

    def _on_throttle_burst(self, ev: sc.ThrottleBurst) -> None:
        from qbsync.sandbox.instance import QBSYNC_CLIENT_ID, SUPRATA_CLIENT_ID

        client = {"suprata": SUPRATA_CLIENT_ID, "qbsync": QBSYNC_CLIENT_ID}.get(ev.app or "")
        self.sb.qbo_faults.throttle_burst(ev.at, ev.at + timedelta(seconds=ev.seconds), client)

    def _on_outage(self, ev: sc.Outage) -> None:
        self.sb.qbo_faults.outage(ev.at, ev.at + timedelta(seconds=ev.seconds), ev.status)

    def _on_timeout_after_commit(self, ev: sc.TimeoutAfterCommit) -> None:
        self.sb.qbo_faults.timeout_after_commit(ev.entity, ev.count)


def _party(spec: sc.PartySpec) -> dict[str, Any]:
    body: dict[str, Any] = {"DisplayName": spec.display_name, "Active": spec.active}
    if spec.given_name:
        body["GivenName"] = spec.given_name
    if spec.family_name:
        body["FamilyName"] = spec.family_name
    if spec.company_name:
        body["CompanyName"] = spec.company_name
    if spec.email:
        body["PrimaryEmailAddr"] = {"Address": spec.email}
    if spec.phone:
        body["PrimaryPhone"] = {"FreeFormNumber": spec.phone}
    return body
