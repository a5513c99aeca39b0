"""Core of ``qbsync sandbox``: list the scenarios, and serve one on 127.0.0.1 until interrupted."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qbsync.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from qbsync.context import Env


@dataclass
class ServingInfo:
    scenario: str
    base_url: str
    qbo_base_url: str
    suprata_base_url: str
    discovery_url: str
    profile: dict[str, str]
    now: str  # the scenario's clock, ISO UTC


def list_scenarios() -> list[Any]:
    from qbsync.sandbox.catalog import list_scenarios as catalogue

    return catalogue()


def serve_forever(
    env: Env,
    *,
    port: int,
    latency_ms: float,
    on_ready: Callable[[ServingInfo], None],
    stop: threading.Event | None = None,
) -> None:
    from qbsync.clock import format_iso
    from qbsync.sandbox.app import serve
    from qbsync.services import _scenario_source

    if not 0 <= port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, not {port}", hint="0 picks a free port")
    if latency_ms < 0:
        raise UsageError("--latency-ms cannot be negative", hint="e.g. --latency-ms 100")
    try:
        server = serve(_scenario_source(env.settings.scenario), port=port, latency_ms=latency_ms)
    except KeyError as exc:
        raise ConfigError(str(exc.args[0]), hint="run 'qbsync sandbox scenarios' to list them") from None
    except OSError as exc:
        raise UsageError(
            f"cannot listen on 127.0.0.1:{port}: {exc.strerror}", hint="pick another --port, or 0"
        ) from None
    base = server.base_url
    profile = server.profile()
    on_ready(
        ServingInfo(
            env.settings.scenario,
            base,
            profile["qbo_base_url"],
            profile["suprata_base_url"],
            profile["oauth_discovery_url"],
            profile,
            format_iso(server.sandbox.clock.now()),
        )
    )
    try:
        (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
