"""Fault bodies exactly as QBO sends them (see docs: qbo-api.md sections 7 and 8).

Business faults use the capitalised ``Fault`` envelope; the gateway (auth) uses the lower-case ``fault``
envelope with an epoch-millis ``time``; throttling answers in XML even when JSON was asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

_INACTIVE = (
    "Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, "
    "vendors or employees."
)
NAME_TAKEN = (
    "The name supplied already exists. : Another customer, vendor or employee is already using this name. "
    "Please use a different name."
)
# Unconfirmed: the reference has no captured 6240 Detail for Items; this follows the name-list wording
# with QBO's UI term for items ("product or service").
ITEM_NAME_TAKEN = (
    "The name supplied already exists. : Another product or service is already using this name. "
    "Please use a different name."
)
PERIOD_CLOSED = (
    "The account period has closed and the account books cannot be updated through through the QBO Services API. "
    "Please use the QBO website to make these changes."
)
TAX_CALC_ERROR = (
    "Business Validation Error: We're sorry, QuickBooks encountered an error while calculating tax. Try reselecting "
    "the tax rate or reentering the product/service item and saving the form again. "
    "<a href='https://support.qbo.intuit.com/support/help-article.cfm?faq_id=5558&locale={locale}' "
    'target="_blank" title="Help">Please click here for more information</a>'
)
NON_US_TAX_WORD = {"CA": "GST/HST", "UK": "VAT", "GB": "VAT", "AU": "GST"}  # AU wording unconfirmed


@dataclass
class QboError(Exception):
    """A business fault raised while handling a request; becomes one ``Fault`` body."""

    code: str
    message: str
    detail: str
    element: str | None = ""  # None: leave the key out, as in the captured 6240 and 4001 bodies
    status: int = 400
    fault_type: str = "ValidationFault"
    also: tuple[QboError, ...] = ()  # the Fault's further Errors: QuickBooks reports every bad line at once

    def __str__(self) -> str:
        return f"{self.code} {self.message}: {self.detail}"

    def error_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"Message": self.message, "Detail": self.detail, "code": self.code}
        if self.element is not None:
            entry["element"] = self.element
        return entry

    def fault(self) -> dict[str, Any]:
        return {"Error": [self.error_entry(), *(e.error_entry() for e in self.also)], "type": self.fault_type}


def together(errors: list[QboError]) -> QboError:
    """One Fault carrying every error found, in the order found."""
    first, *rest = errors
    return replace(first, also=(*first.also, *rest))


# The 2020 capture of a customer clashing with a customer (qbo_api spec/vcr/error/validation.yml).
NAME_TAKEN_SAME_LIST = "The name supplied already exists. : null"


def duplicate_name(is_item: bool = False, same_list: bool = False) -> QboError:
    """6240. ``same_list``: the holder is of the requested entity's own kind; QBO's 2020 capture for that case
    has the bare ``: null`` Detail, the 2019 one (a party of another kind) explains who holds the name."""
    detail = ITEM_NAME_TAKEN if is_item else NAME_TAKEN_SAME_LIST if same_list else NAME_TAKEN
    return QboError("6240", "Duplicate Name Exists Error", detail, element=None)


def made_inactive() -> QboError:
    return QboError("610", "Object Not Found", f"Object Not Found : {_INACTIVE}")


def txn_deleted() -> QboError:
    return QboError("610", "Object Not Found", "Object Not Found : Another user has deleted this transaction.")


def invalid_reference() -> QboError:
    return QboError("2500", "Invalid Reference Id", f"Invalid Reference Id : {_INACTIVE}")


def invalid_reference_at(element: str) -> QboError:
    """A reference to nothing: captured as XML in QuickBooks-V3-PHP-SDK#102 and quoted in quickbooks-ruby#251."""
    return QboError("2500", "Invalid Reference Id", f"Invalid Reference Id : {element}", element=element)


# What QuickBooks calls each list in "X assigned to this transaction has been deleted".
ASSIGNED_NOUN = {"Item": "Product/Service", "Customer": "Customer", "Vendor": "Vendor"}


def assigned_was_deleted(entity: str, shown_name: str, element: str) -> QboError:
    """An inactive ("deleted") record on a transaction being modified. The wording is quoted by integrators for
    customers and for products/services; the element naming the line is the 2500 one of PHP-SDK#102."""
    noun = ASSIGNED_NOUN.get(entity, entity)
    return QboError(
        "2500",
        "Invalid Reference Id",
        f"Invalid Reference Id : {noun} assigned to this transaction has been deleted. Before you can modify this "
        f"transaction, you must restore {shown_name}.",
        element=element,
    )


def duplicate_doc_number(doc_number: str, txn_type: str, txn_id: str) -> QboError:
    return QboError(
        "6140",
        "Duplicate Document Number Error",
        "Duplicate Document Number Error : You must specify a different number. This number has already been used. "
        f"DocNumber={doc_number} is assigned to TxnType={txn_type} with TxnId={txn_id}",
    )


def period_closed(password_required: bool = True) -> QboError:
    """6210 when the close asks for a password (Intuit's table: "Account Period Closed Required Password
    Error"); without one, the 5010 "Account Period Closed" reported in python-quickbooks#208, whose Detail
    really ends in an unfilled ``{1}``."""
    if not password_required:
        return QboError("5010", "Account Period Closed", "The account period has closed. {1}")
    return QboError("6210", "Account Period Closed, Cannot Update Through Services API", PERIOD_CLOSED)


def invalid_line_tax_code(value: str) -> QboError:
    return QboError(
        "6100",
        "Invalid Line TaxCode in the request",
        f"Valid line TaxCodes for US should be TAX or NON. Supplied value: {value}",
        element="Line.SalesItemLineDetail.TaxCodeRef",
    )


def business_validation(text: str) -> QboError:
    return QboError("6000", "A business validation error has occurred while processing your request", text)


# An invoice to be emailed (EmailStatus NeedToSend) with no address to send it to, on it (BillEmail) or on
# its customer (PrimaryEmailAddr). The Detail as integrators relay QuickBooks' answer (help.bill.com article
# 115005939203 and cashflow360.bill.com 360001988732: "Business Validation Error: You must enter the email
# address for this customer in order to email statements."); the code and Message are the ones QuickBooks
# sends with every "Business Validation Error: ..." Detail (node-quickbooks#48, QuickBooks-V3-PHP-SDK#279).
EMAIL_REQUIRED = (
    "Business Validation Error: You must enter the email address for this customer in order to email statements."
)


def email_required() -> QboError:
    return business_validation(EMAIL_REQUIRED)


def tax_calculation_error(country: str) -> QboError:
    return business_validation(TAX_CALC_ERROR.format(locale=f"en_{country}"))


def missing_line_tax_rate(country: str) -> QboError:
    word = NON_US_TAX_WORD.get(country, "tax")
    return business_validation(
        f"Business Validation Error: Make sure all your transactions have a {word} rate before you save."
    )


def stale_object(user: str) -> QboError:
    return QboError(
        "5010",
        "Stale Object Error",
        f"Stale Object Error : You and {user} were working on this at the same time. {user} finished before you did, "
        "so your work was not saved.",
    )


def required_param(name: str) -> QboError:
    # Message/Detail pattern from Intuit's code table; element naming is unconfirmed.
    return QboError(
        "2020",
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {name} is missing in the request",
    )


def query_parser_error(detail: str) -> QboError:
    return QboError("4000", "Error parsing query", f"QueryParserError: {detail}", element=None)


def query_validation_error(detail: str) -> QboError:
    return QboError("4001", "Invalid query", f"QueryValidationError: {detail}", element=None)


def unsupported_operation(what: str) -> QboError:
    # Code 500 comes back with HTTP 400 (captured cassette error/500.yml).
    return QboError("500", "Unsupported Operation", f"Operation {what} is not supported.")


def unknown_resource(path: str) -> QboError:
    return unsupported_operation(
        f"Could not find resource for relative : {path} of full path: https://c50.sandbox.qbo.intuit.com/qbo50{path}"
    )


def unrecognized_field(name: str, entity: str, known: list[str]) -> QboError:
    """2010 for an unknown property: Jackson's text inside QBO's, as captured (qbo_api error/400_json.yml),
    with the line break before "specified". Jackson lists known names until its text passes 1,000 characters,
    then adds " [truncated]" (PropertyBindingException.getMessageSuffix): 61 of Invoice's 83, as captured."""
    listed = f" ({len(known)} known properties: "
    for i, known_name in enumerate(known):
        listed += f'"{known_name}"'
        if len(listed) > 1000:
            listed += " [truncated]"
            break
        if i < len(known) - 1:
            listed += ", "
    return QboError(
        "2010",
        "Request has invalid or unsupported property",
        f'Property Name:Unrecognized field "{name}" (class com.intuit.schema.finance.v3.{entity}), not marked as '
        f"ignorable{listed}])\n specified is unsupported or invalid",
        element=None,
    )


def invalid_date(name: str, value: str) -> QboError:
    # 2060 "Invalid Date Format" is the code in Intuit's table; the Detail wording is unconfirmed.
    return QboError(
        "2060",
        "Invalid Date Format",
        f"Invalid Date Format : {name} {value!r} is not a valid date (use YYYY-MM-DD)",
        element=name,
    )


def invalid_property(detail: str) -> QboError:
    # Wording for unparseable bodies is unconfirmed; the code and Message are the real 2010 ones.
    return QboError(
        "2010",
        "Request has invalid or unsupported property",
        f"Property Name:{detail} specified is unsupported or invalid",
    )


def invalid_id(value: str) -> QboError:
    return QboError("2030", "Invalid ID", f"Id should be a valid number. Supplied value:{value}", element="Id")


def batch_too_large(limit: int) -> QboError:
    # 1040's Message is from Intuit's code table; the Detail wording is unconfirmed.
    return QboError("1040", "Batch size exceeds allowed limit", f"Batch size exceeds allowed limit of {limit}")


def system_failure() -> QboError:
    return QboError(
        "10000",
        "An application error has occurred while processing your request",
        "System Failure Error: An unexpected error occurred while accessing or saving your data. Please wait a few "
        "minutes and try again. If the problem persists, contact customer support.",
        status=500,
        fault_type="SystemFault",
    )


# --- gateway bodies -------------------------------------------------------------------------------


def gateway_fault(code: str, message: str, detail: str | None, fault_type: str, time_ms: int) -> dict[str, Any]:
    """The lower-case envelope of the Intuit gateway (captured 401 in qbo-api.md section 7.1)."""
    return {
        "warnings": None,
        "intuitObject": None,
        "fault": {"error": [{"message": message, "detail": detail, "code": code, "element": None}], "type": fault_type},
        "report": None,
        "queryResponse": None,
        "batchItemResponse": [],
        "attachableResponse": [],
        "syncErrorResponse": None,
        "requestId": None,
        "time": time_ms,
        "status": None,
        "cdcresponse": [],
    }


def throttle_xml(time_text: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="{time_text}">'
        '<Fault type="SERVICE"><Error code="3001">'
        "<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>"
        "<Detail>The request limit was reached.  Try again later</Detail>"
        "</Error></Fault></IntuitResponse>"
    )


# No captured 503/504 page exists in the reference; these are plausible load-balancer pages.
SERVICE_UNAVAILABLE_HTML = (
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>503 Service Unavailable</title>\n'
    "</head><body>\n<h1>Service Unavailable</h1>\n<p>The server is temporarily unable to service your\n"
    "request due to maintenance downtime or capacity\nproblems. Please try again later.</p>\n</body></html>\n"
)
GATEWAY_TIMEOUT_HTML = (
    "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
    "<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n"
)
