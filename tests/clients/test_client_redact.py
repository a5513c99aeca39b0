from qbsync.clients.redact import redact_headers, redact_text, redact_url


def test_redact_url_removes_secret_params_and_userinfo():
    url = "https://u:pw@h.test/cb?code=abc123&state=s1&realmId=9130&refresh_token=RT1&api_key=K&x=1"
    out = redact_url(url)
    for secret in ("abc123", "RT1", "pw", "=K&"):
        assert secret not in out
    assert "state=s1" in out and "realmId=9130" in out and out.startswith("https://h.test/cb?")


def test_redact_headers_and_text():
    assert redact_headers({"Authorization": "Bearer eyJabc", "Accept": "x"}) == {
        "Authorization": "REDACTED",
        "Accept": "x",
    }
    text = 'Authorization: Bearer eyJhbGciOi.x-y_z {"access_token": "AT-123", "refresh_token":"RT"} code=C0DE&a=1'
    out = redact_text(text, secrets=["supersecretkey"])
    assert "eyJhbGciOi" not in out and "AT-123" not in out and '"RT"' not in out and "C0DE" not in out
    assert redact_text("key supersecretkey here", ["supersecretkey"]) == "key REDACTED here"
