"""API settings: port, extra allowed browser origins, per-token rate limits, body size cap."""

from __future__ import annotations

from dataclasses import dataclass, field

from reverie.settings import Settings

# Loopback names a browser or client may put in the Host header. Anything else is a DNS-rebinding
# attempt (a hostile page resolving its own name to 127.0.0.1) and is refused.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})


@dataclass(frozen=True)
class ApiConfig:
    port: int = 8765
    # Browser origins allowed to call the API (e.g. a browser extension). Empty by default:
    # no web page may talk to Reverie unless the user adds its origin. Never "*".
    allowed_origins: frozenset[str] = field(default_factory=frozenset)
    rate_per_s: float = 20.0  # sustained requests per second per token
    burst: int = 60  # bucket size: short bursts above the sustained rate
    max_body_bytes: int = 1 << 20

    @classmethod
    def from_settings(cls, settings: Settings, port: int | None = None) -> ApiConfig:
        # getattr: the rate and origin fields may not exist in older settings classes.
        origins = getattr(settings, "api_allowed_origins", None) or []
        if "*" in origins:
            raise ValueError("api_allowed_origins may not contain '*': list the exact origins to allow")
        return cls(
            port=settings.api_port if port is None else port,
            allowed_origins=frozenset(o.rstrip("/") for o in origins),
            rate_per_s=float(getattr(settings, "api_rate_per_s", cls.rate_per_s)),
            burst=int(getattr(settings, "api_burst", cls.burst)),
        )
