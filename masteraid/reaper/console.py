"""The REAPER console: the one place MasterAid's REAPER actions write text.

The library never prints; an action (``masteraid.reaper.actions``) formats its result and hands
it to :func:`show`, which calls ``ShowConsoleMsg`` through reapy's ReaScript API.
"""

from __future__ import annotations

from ._api import api

__all__ = ["show", "show_error"]


def show(text: str) -> None:
    """Append ``text`` to REAPER's console (opens the console window), with a final newline."""
    api().ShowConsoleMsg(text if text.endswith("\n") else text + "\n")


def show_error(exc: BaseException) -> None:
    """One line for a :class:`~masteraid.errors.MasterAidError`: no traceback dialog."""
    show(f"MasterAid: {exc}")
