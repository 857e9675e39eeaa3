"""Findings: what the audit and the compare tell a mixer, as values.

A finding has a severity (``info`` < ``warning`` < ``error``), a stable machine ``code``
(``"true_peak_over"``; never renamed once published), a sentence a mixer understands with the
measured value and what to do, and optionally the measured ``value`` and its ``unit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

__all__ = ["SEVERITIES", "Finding", "rank"]

#: Severities in increasing order of gravity.
SEVERITIES = ("info", "warning", "error")


@dataclass(frozen=True)
class Finding:
    severity: str
    code: str
    message: str
    value: float | None = None
    unit: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, got {self.severity!r}")
        if self.value is not None and not isinstance(self.value, (int, float)):
            raise TypeError(f"Finding.value must be a number or None, got {type(self.value).__name__}")

    @property
    def level(self) -> int:
        return SEVERITIES.index(self.severity)


def rank(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Most severe first; stable within a severity (the order the rules were written in)."""
    items = list(findings)
    return tuple(sorted(items, key=lambda f: -f.level))
