"""Placeholder: commands are added here by the work in progress on issue 8."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    del sub
