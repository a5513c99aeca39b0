"""The suite-wide secrets scan: it knows the real secret values of every sandbox a test used and checks
every stream and file the test wrote.

Known values: every access token, refresh token and authorization code any OAuth emulator minted during the
test (read from the emulator itself, not from qbsync's redaction registry, so a value qbsync forgot to
register is still caught), the sandbox's client secrets and Suprata API keys, and the auth tests' client
secret. Scanned: stdout and stderr of every CLI run (in-process through ``clihelp.run_cli`` and real
processes through ``record_stream``), and every file under the test's tmp folder, except the files whose job
is to hold a secret (token files, config.toml, scenario JSON written by the test itself).
"""

from __future__ import annotations

from pathlib import Path

STREAMS: list[str] = []  # appended by clihelp.run_cli and the subprocess kits
MAX_FILE_BYTES = 2_000_000
# Files that hold a secret on purpose (0600 token store, the config the user wrote, scenario inputs).
KEEPS_SECRETS = (".tokens.json", "config.toml", ".scenario.json")
FIXED_SECRETS = {
    "sandbox-suprata-client-secret",
    "sandbox-qbsync-client-secret",
    "sk_sandbox_suprata_demo_key",
    "s3cr3t-qbsync-client-secret-value-0001",
}


def record_stream(*texts: str | None) -> None:
    STREAMS.extend(t for t in texts if t)


class SecretsScan:
    def __init__(self, tmp_path: Path | None) -> None:
        self.tmp_path = tmp_path
        self.services: list[object] = []
        self.sandboxes: list[object] = []
        self.start = len(STREAMS)
        self.extra: set[str] = set()

    def secrets(self) -> set[str]:
        found = set(FIXED_SECRETS) | self.extra
        for oauth in self.services:
            found.update(getattr(oauth, "_codes", {}) or ())
            found.update(getattr(oauth, "_refresh_index", {}) or ())
            registry = getattr(oauth, "registry", None)
            found.update(getattr(registry, "_tokens", {}) or ())
        for sb in self.sandboxes:
            key = getattr(getattr(getattr(sb, "scenario", None), "suprata", None), "api_key", None)
            if key:
                found.add(key)
        return {s for s in found if isinstance(s, str) and len(s) >= 8}

    def haystacks(self) -> list[tuple[str, str]]:
        out = [(f"stream {i}", text) for i, text in enumerate(STREAMS[self.start :])]
        if self.tmp_path is not None and self.tmp_path.exists():
            for path in sorted(self.tmp_path.rglob("*")):
                try:
                    if path.is_symlink() or not path.is_file() or path.name.endswith(KEEPS_SECRETS):
                        continue
                    if path.suffix == ".json" and path.parent.name != "locks":
                        continue  # scenario and cassette inputs the test itself wrote
                    data = path.read_bytes()[:MAX_FILE_BYTES]
                except OSError:
                    continue
                out.append((str(path.relative_to(self.tmp_path)), data.decode("utf-8", errors="replace")))
        return out

    def leaks(self) -> list[str]:
        secrets = self.secrets()
        found = []
        for where, text in self.haystacks():
            for s in secrets:
                if s in text:
                    found.append(f"{where}: a secret ({s[:4]}…, {len(s)} chars)")
        return sorted(set(found))
