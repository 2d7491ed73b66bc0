"""When may a heavy job run? Only while the user is idle, and not on battery where that is known.

Probes answer None for "cannot tell"; the app chains them so that something always answers
(X11 idle time where available, else time since the last captured screen change).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class IdleProbe(Protocol):
    def idle_seconds(self) -> float | None: ...


class PowerProbe(Protocol):
    def on_battery(self) -> bool | None: ...


@dataclass(frozen=True)
class Gate:
    ok: bool
    reason: str


def heavy_gate(idle: IdleProbe, power: PowerProbe, min_idle_s: float) -> Gate:
    battery = power.on_battery()
    if battery:
        return Gate(False, "on battery")
    seconds = idle.idle_seconds()
    if seconds is None:
        return Gate(True, "idle time unknown")
    if seconds < min_idle_s:
        return Gate(False, f"user active ({seconds:.0f}s idle, needs {min_idle_s:.0f}s)")
    return Gate(True, f"idle {seconds:.0f}s")
