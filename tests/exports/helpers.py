"""Helpers for the export tests: a small city with residents, an Actor per persona."""

from __future__ import annotations

from juki.core.actor import Actor

# Valid My Numbers (check digit per 番号法施行令), obviously synthetic.
MY_NUMBERS = ["123456789018", "234567890121", "345678901234", "456789012346"]


def act(staff, terminal_id: str = "T-COUNTER-01") -> Actor:
    return Actor(staff, terminal_id, "127.0.0.1")
