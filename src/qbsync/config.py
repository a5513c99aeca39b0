"""Settings and profiles.

Precedence for every setting: command-line flag > ``QBSYNC_*`` environment variable > config file >
default. ``resolve_settings`` records where each value came from, so ``qbsync config`` can say.

The config file is TOML::

    [defaults]
    profile = "acme"
    format = "table"

    [profiles.acme]
    suprata_base_url = "https://api.suprata.example"
    suprata_api_key_env = "SUPRATA_API_KEY"      # or suprata_api_key = "..." (kept in a 0600 file)
    qbo_realm_id = "9130355377645206"
    qbo_environment = "production"               # production | sandbox | custom (then qbo_base_url)
    intuit_client_id = "AB..."
    intuit_client_secret_env = "QBSYNC_INTUIT_CLIENT_SECRET"
    redirect_uri = "http://127.0.0.1:8765/callback"
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qbsync.errors import ConfigError

FORMATS = ("table", "json")
SECRET_KEYS = frozenset({"suprata_api_key", "intuit_client_secret"})


@dataclass(frozen=True)
class SettingSpec:
    name: str
    default: Any
    help: str
    kind: type = str
    choices: tuple[str, ...] = ()

    @property
    def env_var(self) -> str:
        return "QBSYNC_" + self.name.upper()


GLOBAL_SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("profile", "default", "Profile (company) to use"),
    SettingSpec("format", "table", "Output format", choices=FORMATS),
    SettingSpec("no_color", False, "Disable colour (also NO_COLOR)", kind=bool),
    SettingSpec("quiet", False, "Only errors on stderr", kind=bool),
    SettingSpec("debug", False, "Show details, secrets redacted", kind=bool),
    SettingSpec("demo", False, "Run against the built-in sandbox, in-process", kind=bool),
    SettingSpec("scenario", "demo", "Sandbox scenario for --demo (name or file)"),
    SettingSpec(
        "timeout", None, "Overall deadline of a command in seconds (default 60; retry 900; reconnect 360)", kind=int
    ),
)

PROFILE_SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("suprata_base_url", None, "Suprata API base URL"),
    SettingSpec("suprata_api_key", None, "Suprata API key (prefer suprata_api_key_env)"),
    SettingSpec("suprata_api_key_env", "SUPRATA_API_KEY", "Environment variable holding the Suprata API key"),
    SettingSpec("qbo_realm_id", None, "QuickBooks company (realm) id"),
    SettingSpec("qbo_environment", "production", "QuickBooks environment", choices=("production", "sandbox", "custom")),
    SettingSpec("qbo_base_url", None, "QuickBooks API base URL (for qbo_environment = custom)"),
    SettingSpec("oauth_discovery_url", None, "Intuit OpenID discovery URL override"),
    SettingSpec("intuit_client_id", None, "Intuit app client id"),
    SettingSpec("intuit_client_secret", None, "Intuit app client secret (prefer intuit_client_secret_env)"),
    SettingSpec(
        "intuit_client_secret_env",
        "QBSYNC_INTUIT_CLIENT_SECRET",
        "Environment variable holding the Intuit client secret",
    ),
    SettingSpec("redirect_uri", "http://127.0.0.1:8765/callback", "OAuth redirect URI registered with Intuit"),
    SettingSpec("token_warn_days", 14, "Warn when a refresh token expires within this many days", kind=int),
    SettingSpec("transient_max_hours", 24, "Transient failures older than this are escalated", kind=int),
    SettingSpec(
        "close_window_days", 7, "Warn about unsynced records dated up to this many days after the close date", kind=int
    ),
    SettingSpec(
        "retry_repeat_limit", 1, "Retries qbsync sends for one cause before it refuses without --force", kind=int
    ),
)

ALL_SPECS = {s.name: s for s in (*GLOBAL_SPECS, *PROFILE_SPECS)}


@dataclass(frozen=True)
class Setting:
    value: Any
    source: str  # flag | env:NAME | file:PATH | default


@dataclass
class Settings:
    values: dict[str, Setting] = field(default_factory=dict)
    config_file: Path | None = None
    profiles_in_file: tuple[str, ...] = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name].value
        except KeyError:
            raise AttributeError(name) from None

    def source(self, name: str) -> str:
        return self.values[name].source

    def secret(self, name: str) -> str | None:
        """A secret from the file or flag, else from the environment variable the profile names."""
        from qbsync.clients.redact import remember_secret

        direct = self.values.get(name)
        if direct and direct.value:
            remember_secret(str(direct.value))
            return str(direct.value)
        env_name = self.values.get(f"{name}_env")
        if env_name and env_name.value:
            value = os.environ.get(str(env_name.value)) or None
            remember_secret(value)
            return value
        return None


def load_config_file(path: Path) -> dict[str, Any]:
    """Parsed TOML, or {} when the file does not exist. Errors name the file and the line."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO would block the read forever, a device never end
            raise ConfigError(
                f"config file {path} is not a regular file", hint="point QBSYNC_HOME at a folder with a real file"
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(
            f"cannot read config file {path}: {exc.strerror}", hint="check the file's permissions"
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(
            f"config file {path} is not UTF-8 text", hint="fix or move the file; qbsync never overwrites it"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"config file {path} is not valid TOML: {exc}", hint="fix the line named above; qbsync never overwrites it"
        ) from None
    except RecursionError:
        raise ConfigError(
            f"config file {path} is not a usable config: its values are nested too deeply",
            hint="fix or move the file; qbsync never overwrites it",
        ) from None
    _validate_file(path, data)
    return data


def _validate_file(path: Path, data: dict[str, Any]) -> None:
    unknown_top = set(data) - {"defaults", "profiles"}
    if unknown_top:
        raise ConfigError(
            f"config file {path}: unknown section {sorted(unknown_top)[0]!r}",
            hint="allowed: [defaults] and [profiles.NAME]",
        )
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ConfigError(f"config file {path}: [defaults] must be a table", hint="see docs/configuration.md")
    for key, value in defaults.items():
        _check_value(path, "defaults", key, value, GLOBAL_SPECS)
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(
            f"config file {path}: [profiles] must hold tables like [profiles.acme]", hint="see docs/configuration.md"
        )
    for name, table in profiles.items():
        if not isinstance(table, dict):
            raise ConfigError(
                f"config file {path}: profiles.{name} must be a table", hint=f"write it as [profiles.{name}]"
            )
        for key, value in table.items():
            _check_value(path, f"profiles.{name}", key, value, PROFILE_SPECS)


def _check_value(path: Path, section: str, key: str, value: Any, specs: tuple[SettingSpec, ...]) -> None:
    spec = next((s for s in specs if s.name == key), None)
    if spec is None:
        allowed = ", ".join(s.name for s in specs)
        raise ConfigError(f"config file {path}: unknown setting {section}.{key}", hint=f"known settings: {allowed}")
    try:
        coerced = _coerce(spec, value)
    except ValueError as exc:
        raise ConfigError(f"config file {path}: {section}.{key}: {exc}", hint="fix the value") from None
    if spec.choices and coerced not in spec.choices:
        raise ConfigError(
            f"config file {path}: {section}.{key} = {value!r} is not one of {', '.join(spec.choices)}",
            hint="fix the value",
        )


def _coerce(spec: SettingSpec, value: Any) -> Any:
    if value is None:
        return None
    if spec.kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off", ""}:
            return False
        raise ValueError(f"expected true or false, got {value!r}")
    if spec.kind is int:
        if isinstance(value, bool):
            raise ValueError(f"expected a whole number, got {value!r}")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ValueError(f"expected a whole number, got {value!r}") from None
    if not isinstance(value, str | int | float):
        raise ValueError(f"expected text, got {type(value).__name__}")
    return str(value)


def resolve_settings(
    flags: dict[str, Any], environ: dict[str, str], config_file: Path, *, new_profile_ok: bool = False
) -> Settings:
    """Resolve every setting. ``flags`` holds only options given on the command line.

    ``new_profile_ok``: ``qbsync --profile beta config set ...`` is how a second company is added, so the
    config command may name a profile the file does not have yet.
    """
    data = load_config_file(config_file)
    file_defaults = data.get("defaults", {})
    profiles = data.get("profiles", {})
    settings = Settings(config_file=config_file, profiles_in_file=tuple(profiles))

    def pick(spec: SettingSpec, file_table: dict[str, Any], file_label: str) -> Setting:
        if spec.name in flags and flags[spec.name] is not None:
            return Setting(_coerce(spec, flags[spec.name]), "flag")
        if spec.env_var in environ:
            try:
                value = _coerce(spec, environ[spec.env_var])
            except ValueError as exc:
                raise ConfigError(f"{spec.env_var}: {exc}", hint=f"fix or unset {spec.env_var}") from None
            if spec.choices and value not in spec.choices:
                raise ConfigError(
                    f"{spec.env_var}={environ[spec.env_var]!r} is not one of {', '.join(spec.choices)}",
                    hint=f"fix or unset {spec.env_var}",
                )
            return Setting(value, f"env:{spec.env_var}")
        if spec.name in file_table:
            return Setting(_coerce(spec, file_table[spec.name]), f"file:{file_label}")
        return Setting(spec.default, "default")

    for spec in GLOBAL_SPECS:
        settings.values[spec.name] = pick(spec, file_defaults, f"{config_file} [defaults]")
    if environ.get("NO_COLOR") and settings.source("no_color") == "default":
        settings.values["no_color"] = Setting(True, "env:NO_COLOR")

    profile = settings.profile
    table = profiles.get(profile, {})
    if profiles and profile not in profiles and settings.source("profile") != "default" and not new_profile_ok:
        raise ConfigError(
            f"no profile named {profile!r} in {config_file}", hint=f"profiles there: {', '.join(sorted(profiles))}"
        )
    for spec in PROFILE_SPECS:
        settings.values[spec.name] = pick(spec, table, f"{config_file} [profiles.{profile}]")
    return settings


def masked(name: str, value: Any) -> Any:
    if name in SECRET_KEYS and value:
        text = str(value)
        return "****" + text[-2:] if len(text) > 8 else "****"
    return value
