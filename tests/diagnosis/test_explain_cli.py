"""``qbsync explain`` from the command line: pasted text, a bare code, JSONL in and out, bad input."""

from __future__ import annotations

import json
from pathlib import Path

from clihelp import run_cli
from qbsync.render.support_report import support_markdown


def test_pasted_text_wrapped_by_another_tool() -> None:
    text = "QuickBooks Online Sync Error: Duplicate Name Exists Error: The name supplied already exists. : null"
    result = run_cli(["explain", text, "--entity", "Item"])
    assert result.exit_code == 0
    assert result.stdout.startswith("P2 Item name collision")


def test_bare_code_and_json_envelope() -> None:
    envelope = run_cli("explain 6210 --json").json()
    assert envelope["command"] == "explain" and envelope["exit_code"] == 0
    assert envelope["data"]["classification"]["pattern"] == "P3"
    assert envelope["data"]["steps"]


def test_jsonl_one_object_per_line_in_order_with_bad_lines(tmp_path: Path) -> None:
    lines = [
        {"message": "message=ThrottleExceeded; errorCode=003001; statusCode=429", "http_status": 429},
        "this is not json",
        {"code": "6240", "entity": "Customer", "message": "Duplicate Name Exists Error"},
        {"raw": '{"error_description":"Token invalid","error":"invalid_grant"}'},
    ]
    source = tmp_path / "errors.jsonl"
    source.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    result = run_cli(["explain", "--jsonl", str(source)])
    assert result.exit_code == 0
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["line"] for o in out] == [1, 2, 3, 4]
    assert [o.get("pattern") for o in out] == ["P7", None, "P1", "P5"]
    assert out[1]["error"]["code"] == "bad_line"
    assert all({"pattern", "name", "confidence", "reason"} <= set(o) for o in out if "error" not in o)


def test_jsonl_from_stdin() -> None:
    result = run_cli("explain --jsonl -", input='{"code": "6100"}\n')
    assert json.loads(result.stdout)["pattern"] == "P4"


def test_bad_input() -> None:
    assert run_cli("explain", input="").exit_code == 3
    assert run_cli("explain --jsonl /no/such/file").exit_code == 3
    both = run_cli(["explain", "x", "--jsonl", "-"])
    assert both.exit_code == 3 and "not both" in both.stderr


def test_support_report_is_redacted(tmp_path: Path) -> None:
    out = tmp_path / "support.md"
    result = run_cli(["diagnose", "--demo", "--report", str(out)])
    assert result.exit_code == 2
    text = out.read_text()
    assert "# QuickBooks sync report" in text and "5010" in text
    assert "eyJ" not in text and "Bearer" not in text and "refresh_token" not in text
    assert "9130" not in text.split("QuickBooks company")[1].split(")")[0]  # realm shortened
    assert support_markdown  # the module is importable on its own
