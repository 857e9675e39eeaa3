"""Faults on demand: make a chosen ``RPR_`` call raise, or a render fail / write nothing.

Faults live in ``Session.faults`` (so they travel in the project JSON to the subprocess runner):

``{"raise": [{"function": "TrackFX_SetParam", "call": 2, "message": "..."}],
   "render": [{"render": 1, "mode": "fail"}]}``

* ``raise``: the ``call``-th call (1-based, counted per function over the run; ``None`` = every
  call) of ``RPR_<function>`` raises :class:`InjectedFault` *before* it has any effect.
* ``render``: the ``render``-th render (1-based over the run, counting actions 41824/42230;
  ``None`` = every render) misbehaves. Modes:
  ``"fail"`` — REAPER reports an error: nothing written, RENDER_STATS unchanged, a console line;
  ``"nothing"`` — the action returns having written nothing and said nothing (a cancelled render);
  ``"truncated"`` — the file is written with only the first half of the frames;
  ``"raise"`` — ``Main_OnCommand`` raises :class:`InjectedFault`.
"""

from __future__ import annotations

__all__ = ["InjectedFault", "raise_on", "fail_render", "clear", "RENDER_MODES"]

RENDER_MODES = ("fail", "nothing", "truncated", "raise")


class InjectedFault(RuntimeError):
    """An error injected by the REAPER emulator's fault plan."""


def raise_on(session, function: str, *, call: int | None = 1, message: str | None = None) -> None:
    """Make the ``call``-th call of ``RPR_<function>`` raise (``call=None``: every call)."""
    from . import signatures
    if function.startswith("RPR_"):
        function = function[4:]
    if function not in signatures.load():
        raise ValueError(f"{function!r} is not a function of REAPER's Python binding")
    if call is not None and call < 1:
        raise ValueError(f"call must be >= 1 or None, got {call}")
    session.faults.setdefault("raise", []).append(
        {"function": function, "call": call, "message": message or f"injected fault in RPR_{function}"})


def fail_render(session, *, mode: str = "fail", render: int | None = 1) -> None:
    """Make the ``render``-th render misbehave (``render=None``: every render)."""
    if mode not in RENDER_MODES:
        raise ValueError(f"render fault mode {mode!r}; choose one of {RENDER_MODES}")
    session.faults.setdefault("render", []).append({"render": render, "mode": mode})


def clear(session) -> None:
    session.faults.clear()


def call_fault(session, function: str, count: int) -> str | None:
    """The message to raise with for call number ``count`` of ``function``, or None."""
    for f in session.faults.get("raise", []):
        if f["function"] == function and (f["call"] is None or f["call"] == count):
            return f["message"]
    return None


def render_fault(session, count: int) -> str | None:
    for f in session.faults.get("render", []):
        if f["render"] is None or f["render"] == count:
            return f["mode"]
    return None
