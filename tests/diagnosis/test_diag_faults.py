"""parse_fault / parse_batch_item / extract_fault_from_text on every shape in qbo-api.md §7."""

from __future__ import annotations

import pytest

from qbsync.clients.faults import extract_fault_from_text, parse_batch_item, parse_fault

UPPER = (
    '{"Fault":{"Error":[{"Message":"Duplicate Name Exists Error","Detail":"The name supplied already exists. : null",'
    '"code":"6240"}],"type":"ValidationFault"},"time":"2020-09-29T06:58:50.262-07:00"}'
)
LOWER = (
    '{"warnings":null,"intuitObject":null,"fault":{"error":[{"message":"message=AuthenticationFailed; '
    'errorCode=003200; statusCode=401","detail":"Token expired: AB016","code":"3200","element":null}],'
    '"type":"AUTHENTICATION"},"report":null,"batchItemResponse":[],"time":1601391072830,"cdcresponse":[]}'
)
THROTTLE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<IntuitResponse time="2017-07-30T22:45:22.933-07:00" '
    'xmlns="http://schema.intuit.com/finance/v3"><Fault type="SERVICE"><Error code="3001"><Message>'
    "message=ThrottleExceeded; errorCode=003001; statusCode=429</Message><Detail>The request limit was reached.  "
    "Try again later</Detail></Error></Fault></IntuitResponse>"
)


def test_upper_case_json_fault():
    f = parse_fault(400, UPPER.encode(), "application/json", {"intuit_tid": "1-abc"})
    assert (f.code, f.message, f.fault_type, f.body_format) == (
        "6240",
        "Duplicate Name Exists Error",
        "ValidationFault",
        "json",
    )
    assert f.detail == "The name supplied already exists. : null"
    assert f.intuit_tid == "1-abc" and f.content_type == "application/json" and f.raw == UPPER


def test_lower_case_gateway_envelope():
    f = parse_fault(401, LOWER)
    assert f.code == "3200" and f.fault_type == "AUTHENTICATION" and f.detail.startswith("Token expired")
    assert f.extra["gateway_reason"] == "AuthenticationFailed" and f.extra["gateway_status"] == "401"


def test_xml_with_namespace_and_zero_padded_gateway_code():
    f = parse_fault(429, THROTTLE_XML, "application/xml")
    assert (f.code, f.fault_type, f.body_format) == ("3001", "SERVICE", "xml")
    assert f.extra["gateway_reason"] == "ThrottleExceeded"


def test_xml_without_namespace_and_several_errors():
    body = (
        '<Fault type="ValidationFault"><Error code="101"><Message>Length of the field exceeds 21 chars</Message>'
        '</Error><Error code="201" element="PostalCode"><Message>ZipCode should be a number</Message></Error></Fault>'
    )
    f = parse_fault(400, body)
    assert f.codes == ("101", "201") and f.errors[1].element == "PostalCode"


def test_several_json_errors_and_single_error_object():
    body = '{"Fault":{"Error":[{"Message":"a","code":"2050"},{"Message":"b","code":2080}],"type":"ValidationFault"}}'
    assert parse_fault(400, body).codes == ("2050", "2080")
    single = '{"Fault":{"Error":{"Message":"a","code":"610"},"type":"ValidationFault"}}'
    assert parse_fault(400, single).code == "610"


@pytest.mark.parametrize(
    ("status", "body", "title"),
    [
        (
            503,
            "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head><body></body></html>",
            "503 Service Temporarily Unavailable",
        ),
        (
            503,
            '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN"><HTML><HEAD><TITLE>Service Unavailable</TITLE>'
            "</HEAD><BODY><h2>Service Unavailable</h2></BODY></HTML>",
            "Service Unavailable",
        ),
        (502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "502 Bad Gateway"),
    ],
)
def test_html_error_pages(status, body, title):
    f = parse_fault(status, body, "text/html")
    assert f.body_format == "html" and f.message == title and f.http_status == status and f.code is None


def test_http_200_carrying_a_fault():
    f = parse_fault(200, UPPER)
    assert f is not None and f.code == "6240" and f.http_status == 200


def test_http_200_success_is_not_a_fault():
    assert parse_fault(200, '{"Invoice":{"Id":"1"},"time":"x"}') is None
    assert parse_fault(200, b"") is None
    assert parse_fault(200, '{"warnings":null,"fault":null,"QueryResponse":{}}') is None


def test_batch_reply_is_judged_item_by_item():
    body = '{"BatchItemResponse":[{"bId":"1","Vendor":{"Id":"7"}},{"bId":"2","Fault":{"Error":[{"code":"610"}]}}]}'
    assert parse_fault(200, body) is None


def test_oauth_token_endpoint_body():
    f = parse_fault(400, '{"error_description":"Token invalid","error":"invalid_grant"}', headers={"Intuit_Tid": "t"})
    assert (f.code, f.message, f.fault_type, f.is_oauth, f.intuit_tid) == (
        "invalid_grant",
        "Token invalid",
        "oauth",
        True,
        "t",
    )
    assert parse_fault(400, '{"error":"invalid_grant"}').is_oauth


@pytest.mark.parametrize("body", [b"", "   ", None])
def test_empty_error_body_keeps_the_status(body):
    f = parse_fault(502, body)
    assert f.body_format == "empty" and f.http_status == 502 and f.errors == ()


def test_truncated_json_keeps_raw_and_what_it_can():
    body = '{"Fault":{"Error":[{"Message":"Account Period Closed","Detail":"The account per'
    f = parse_fault(400, body)
    assert f.raw == body and f.message == "Account Period Closed" and f.extra.get("partial") == "true"


def test_truncated_xml_falls_back_to_regex():
    f = parse_fault(400, '<IntuitResponse><Fault type="ValidationFault"><Error code="6210"><Message>Account Per')
    assert f.code == "6210" and f.body_format == "xml"


def test_non_json_text_and_invalid_utf8():
    f = parse_fault(500, b"\xff\xfe upstream exploded")
    assert f is not None and f.http_status == 500 and "upstream exploded" in f.raw
    plain = parse_fault(200, "Invalid Company StatusSubscription period has ended or cancelled")
    assert plain.code == "6190" and plain.body_format == "text"


def test_parse_batch_item():
    item = {
        "Fault": {
            "Error": [
                {
                    "Message": "Stale Object Error",
                    "Detail": "Stale Object Error : You and X ...",
                    "code": "5010",
                    "element": "",
                }
            ],
            "type": "ValidationFault",
        },
        "bId": "bid3",
    }
    f = parse_batch_item(item)
    assert f.code == "5010" and f.extra["bId"] == "bid3" and f.http_status == 200 and f.element is None
    assert parse_batch_item({"bId": "bid1", "Vendor": {"Id": "71"}}) is None
    assert parse_batch_item("nonsense") is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "code", "status"),
    [
        (
            "QuickBooks Online Sync Error: Duplicate Name Exists Error: The name supplied already exists. : Another "
            "customer, vendor or employee is already using this name.",
            "6240",
            None,
        ),
        ("message=ThrottleExceeded; errorCode=003001; statusCode=429", "3001", 429),
        ("  MESSAGE=throttleexceeded ;  errorcode=003001 ; statuscode=403  ", "3001", 403),
        ("Error 6210: Account period closed, cannot update through API", "6210", None),
        ("Error Code 6140 - Duplicate Document Error", "6140", None),
        (
            'Response Code:[400] with body: [<?xml version="1.0"?><IntuitResponse xmlns="http://schema.intuit.com/'
            'finance/v3"><Fault type="ValidationFault"><Error code="2500" element=""><Message>Invalid Reference Id'
            "</Message></Error></Fault></IntuitResponse>].",
            "2500",
            400,
        ),
        (
            'Error 1: {\\"response\\":{\\"status\\":400,\\"body\\":{\\"Fault\\":{\\"Error\\":[{\\"Message\\":\\"A\\",'
            '\\"code\\":\\"6000\\"}],\\"type\\":\\"ValidationFault\\"}}}}',
            "6000",
            400,
        ),
        (
            'intuitlib.exceptions.AuthClientError: HTTP status 400, error message: b\'{"error":"invalid_grant"}\'',
            "invalid_grant",
            400,
        ),
        ("Authorization Failure\nDetails: AuthorizationFailure: - You do not have access, statusCode: 401", "120", 401),
    ],
)
def test_extract_from_pasted_text(text, code, status):
    f = extract_fault_from_text(text)
    assert f is not None and f.code == code and f.http_status == status and f.raw == text


def test_extract_splits_message_and_detail():
    f = extract_fault_from_text("Duplicate Name Exists Error: The name supplied already exists. : null")
    assert f.message == "Duplicate Name Exists Error" and f.detail == "The name supplied already exists. : null"


@pytest.mark.parametrize("text", ["", "   ", "hello world", "everything synced fine"])
def test_extract_finds_nothing_in_ordinary_text(text):
    assert extract_fault_from_text(text) is None
