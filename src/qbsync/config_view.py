"""Core of ``qbsync config``: the effective settings with sources, and safe edits of the config file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qbsync.config import ALL_SPECS, GLOBAL_SPECS, Settings, _coerce, load_config_file, masked
from qbsync.errors import ConfigError, UsageError


@dataclass
class SettingRow:
    name: str
    value: Any
    source: str
    help: str


@dataclass
class EffectiveSettings:
    profile: str
    config_file: str
    profiles: list[str]
    settings: list[SettingRow]


@dataclass
class SetResult:
    config_file: str
    section: str
    name: str
    value: Any


def effective_settings(settings: Settings) -> EffectiveSettings:
    rows = [
        SettingRow(
            spec.name, masked(spec.name, settings.values[spec.name].value), settings.values[spec.name].source, spec.help
        )
        for spec in ALL_SPECS.values()
    ]
    return EffectiveSettings(settings.profile, str(settings.config_file), list(settings.profiles_in_file), rows)


def set_setting(config_file: Path, profile: str, name: str, raw: str) -> SetResult:
    spec = ALL_SPECS.get(name)
    if spec is None:
        raise UsageError(f"unknown setting {name!r}", hint="run 'qbsync config' to list the settings")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in raw):
        raise UsageError(
            f"{name}: the value contains a control character (e.g. a pasted tab or escape code)",
            hint="type the value again without it; nothing was written",
        )
    try:
        value = _coerce(spec, raw)
    except ValueError as exc:
        raise UsageError(f"{name}: {exc}", hint="give a valid value") from None
    if spec.choices and value not in spec.choices:
        raise UsageError(f"{name} must be one of {', '.join(spec.choices)}", hint="give one of those")
    load_config_file(config_file)  # refuses a corrupt file rather than overwrite it
    is_global = spec in GLOBAL_SPECS
    section = "defaults" if is_global else f"profiles.{profile}"
    text = config_file.read_text(encoding="utf-8") if config_file.exists() else ""
    _write_atomically(config_file, set_in_toml(text, section, name, value))
    return SetResult(str(config_file), section, name, masked(name, value))


def set_in_toml(text: str, section: str, name: str, value: Any) -> str:
    """``text`` with ``[section] name = value`` set, the user's comments, order and blank lines kept (tomlkit)."""
    import tomlkit

    document = tomlkit.parse(text)
    table: Any = document
    for part in section.split("."):
        if part not in table:
            # [profiles.acme] without an empty [profiles] header above it, as people write it by hand
            table[part] = tomlkit.table(is_super_table=table is document and part == "profiles")
        table = table[part]
    table[name] = value
    out = tomlkit.dumps(document)
    return out if out.endswith("\n") else out + "\n"


def _write_atomically(path: Path, text: str) -> None:
    """Mode 0600: the file may hold an API key."""
    from qbsync.fileio import write_text_atomically

    try:
        write_text_atomically(path, text, mode=0o600)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}", hint="check the folder's permissions") from None
