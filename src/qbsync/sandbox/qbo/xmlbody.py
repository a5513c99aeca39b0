"""XML request bodies, as the Ruby and PHP SDKs write them (``Content-Type: application/xml``): read into the
same dict a JSON body gives, so every write rule applies unchanged.

The shape is the one QBO answers in (xmlwire.py): ``<Invoice xmlns="http://schema.intuit.com/finance/v3"
sparse="true">``, references as ``<CustomerRef name="Amy">1</CustomerRef>``, a list as repeated elements.
quickbooks-ruby's BaseService sends ``Content-Type: application/xml`` with its models' ``to_xml_ns``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

# Properties whose value is a list in JSON even when the XML has one element (Finance.xsd maxOccurs="unbounded").
_LISTS = frozenset({"Line", "LinkedTxn", "CustomField", "TaxLine", "TaxRateDetail", "NameValue", "AttachableRef"})
# Numbers in JSON (Finance.xsd decimal/int types of the fields a sales write carries); everything else is text.
_DECIMALS = frozenset(
    {
        "Amount", "UnitPrice", "Qty", "TotalAmt", "Balance", "UnappliedAmt", "RatePercent", "DiscountPercent",
        "ExchangeRate", "TotalTax", "TaxPercent", "NetAmountTaxable", "RateValue", "DiscountAmt", "Deposit",
        "PurchaseCost", "QtyOnHand", "CreditLimit", "TaxInclusiveAmt", "HomeTotalAmt", "HomeBalance",
    }
)  # fmt: skip
_INTEGERS = frozenset({"LineNum"})
_ENTITY_ATTRS = ("domain", "sparse", "status")


class XmlBodyError(ValueError):
    """The body is not an XML document the emulator can read."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _scalar(name: str, text: str) -> Any:
    if text in ("true", "false"):
        return text == "true"
    try:
        if name in _INTEGERS:
            return int(text)
        if name in _DECIMALS:
            return float(text)
    except ValueError:
        return text  # left as sent: the write's own checks refuse it as they would in JSON
    return text


def _value(el: ET.Element) -> Any:
    name = _local(el.tag)
    children = list(el)
    text = (el.text or "").strip()
    if not children:
        if el.attrib or name.endswith("Ref"):  # a reference: its id as text, its name (and type) as attributes
            return {"value": text, **{k: v for k, v in el.attrib.items() if k in ("name", "type")}}
        return _scalar(name, text)
    out: dict[str, Any] = {k: _scalar(k, v) for k, v in el.attrib.items() if k in _ENTITY_ATTRS}
    for child in children:
        key = _local(child.tag)
        value = _value(child)
        if key in _LISTS:
            out.setdefault(key, []).append(value)
        elif key in out:  # repeated but not known as a list: keep every occurrence rather than drop one
            out[key] = [*out[key], value] if isinstance(out[key], list) else [out[key], value]
        else:
            out[key] = value
    return out


def parse_entity(body: bytes) -> tuple[str, dict[str, Any]]:
    """``(entity element name, its properties)`` of an XML write body."""
    text = body.decode("utf-8")
    if "<!DOCTYPE" in text or "<!ENTITY" in text:  # no entity expansion from a request
        raise XmlBodyError("a DOCTYPE is not accepted")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as err:
        raise XmlBodyError(str(err)) from None
    data = _value(root)
    if not isinstance(data, dict):
        data = {}
    for key, value in root.attrib.items():
        if key in _ENTITY_ATTRS:
            data[key] = _scalar(key, value)
    return _local(root.tag), data
