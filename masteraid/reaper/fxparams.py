"""Set an FX parameter to a value in its own units (dB, ms, Hz, ratio), checked on what REAPER displays.

MasterAid sets parameters on REAPER's normalized 0..1 scale (``TrackFX_SetParamNormalized``; some
stock parameters report another raw range, ``docs/reaper-stock-fx.md``), and how 0..1 maps onto dB,
ms or Hz is not documented (ReaEQ's frequency is non-linear, ReaComp's threshold linear amplitude,
ReaLimit's threshold linear in dB, by public dumps). So MasterAid never computes a normalized value
from a formula: it asks REAPER how a
candidate value would read (``TrackFX_FormatParamValueNormalized``), bisects the 0..1 range until
the text reads the target, sets it, then reads the parameter's text back
(``TrackFX_GetFormattedParamValue``) and raises a :class:`~masteraid.errors.ReaperError` naming
the plug-in, the parameter, the value asked and the value shown when they differ by more than the
tolerance. A REAPER whose plug-ins map or display values otherwise can only fail loudly here.

Assumptions, each checked where it is used:

* the display is monotonic in the normalized value (checked: the texts of 0 and 1 must bracket the
  target, and the text read back after setting must show it);
* the text starts with the number, optionally followed by a unit or ``k`` (``"-6.0"``,
  ``"-6.0 dB"``, ``"1.2k"``, ``"4.0:1"``), or reads ``-inf`` / ``inf`` / ``On`` / ``Off``: anything
  else is refused with the text in the message;
* ``TrackFX_FormatParamValueNormalized`` only works with FX that support Cockos' VST extensions
  (SDK): when it gives no text, the bisection sets each candidate and reads it back instead.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Optional, Sequence

from ..errors import ReaperError
from ._api import CheckedApi

__all__ = ["parse_display", "find_param", "ParamTarget", "set_param", "param_names"]

_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([kK](?:[hH][zZ])?(?![a-zA-Z]))?")
#: Bisection steps: 2**-40 of the range, far below any display's resolution.
_STEPS = 40


def parse_display(text: str) -> Optional[float]:
    """The number a parameter's display text shows, or ``None`` when it shows none.

    ``"-6.0 dB"`` -> -6.0, ``"1.2k"`` / ``"1.2 kHz"`` -> 1200.0, ``"4.0:1"`` -> 4.0, ``"-inf"`` ->
    -inf, ``"∞:1"`` -> inf, ``"−3.0"`` (a true minus sign) -> -3.0, ``"On"`` -> 1.0, ``"Off"`` -> 0.0.
    """
    t = str(text).strip().replace("\u2212", "-")
    low = t.lower()
    if low.startswith("-inf") or low.startswith("-\u221e"):
        return -math.inf
    if low.startswith("+inf") or low.startswith("inf") or low.startswith("\u221e") or low.startswith("+\u221e"):
        return math.inf
    if low in ("on", "yes", "enabled"):
        return 1.0
    if low in ("off", "no", "disabled"):
        return 0.0
    m = _NUMBER.match(t)
    if not m:
        return None
    value = float(m.group(1))
    if m.group(2):
        value *= 1000.0
    return value


def param_names(rpr: CheckedApi, track: str, fx: int) -> list[str]:
    """Every parameter name of the FX, in index order."""
    return [str(rpr.TrackFX_GetParamName(track, fx, p, "", 256)[4]) for p in range(int(rpr.TrackFX_GetNumParams(track, fx)))]


def _norm_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def find_param(have: Sequence[str], names: Sequence[str], index: Optional[int] = None) -> Optional[int]:
    """Index, among the parameter names ``have``, of the one named one of ``names`` (ignoring case,
    spaces and punctuation), or ``None``. With ``index``: that parameter, whose name must start
    with ``names[0]``."""
    keys = [_norm_name(n) for n in have]
    if index is not None:
        return index if index < len(keys) and keys[index].startswith(_norm_name(names[0])) else None
    for want in names:
        if _norm_name(want) in keys:
            return keys.index(_norm_name(want))
    return None


@dataclass(frozen=True)
class ParamTarget:
    """One parameter to set.

    ``names``: its possible names (with ``index``: the name at that index must start with
    ``names[0]``, as ReaEQ's ``Freq-<band>``); ``value`` in the plug-in's display units; the display
    may read ``abs_tol`` or ``rel_tol * |value|`` off it, and half a step of its own resolution (a
    display with one decimal cannot show 0.04 dB). ``optional``: skipped when the plug-in has no
    such parameter (a detector setting some versions lack), instead of an error. ``toggle``: a switch,
    set to the normalized ``value`` (0 or 1) and checked on the normalized read-back (its text is
    not needed). ``clamp``: a value beyond the plug-in's range is set to the nearest end (the caller
    reports it) instead of an error.
    """

    names: tuple[str, ...]
    value: float
    unit: str
    abs_tol: float
    rel_tol: float = 0.0
    index: Optional[int] = None
    optional: bool = False
    toggle: bool = False
    clamp: bool = False

    def tolerance(self, text: str = "") -> float:
        if not math.isfinite(self.value):
            return 0.0
        return max(self.abs_tol, self.rel_tol * abs(self.value), 0.5 * _resolution(text))

    def close(self, shown: float, text: str = "") -> bool:
        if not math.isfinite(self.value) or not math.isfinite(shown):
            return shown == self.value
        return abs(shown - self.value) <= self.tolerance(text) + 1e-9


def _resolution(text: str) -> float:
    """The step of a display such as ``"-6.25 dB"`` (0.01) or ``"1.2k"`` (100); 0 when unknown."""
    m = _NUMBER.match(str(text))
    if not m or "e" in m.group(1).lower():
        return 0.0
    number = m.group(1)
    decimals = len(number.split(".", 1)[1]) if "." in number else 0
    return 10.0 ** -decimals * (1000.0 if m.group(2) else 1.0)


class _Display:
    """``norm -> shown value`` of one parameter, through REAPER's formatter (or set-and-read)."""

    def __init__(self, rpr: CheckedApi, track: str, fx: int, p: int, what: str):
        self.rpr, self.track, self.fx, self.p, self.what = rpr, track, fx, p, what
        self.formatter = True

    def _text(self, norm: float) -> str:
        if self.formatter:
            out = self.rpr.TrackFX_FormatParamValueNormalized(self.track, self.fx, self.p, norm, "", 256)
            if out[0] and str(out[5]).strip():
                return str(out[5])
            self.formatter = False  # no Cockos VST extensions: set, then read
        self.rpr.TrackFX_SetParamNormalized(self.track, self.fx, self.p, norm)
        return self.shown_text()

    def shown_text(self) -> str:
        return str(self.rpr.TrackFX_GetFormattedParamValue(self.track, self.fx, self.p, "", 256)[4])

    def value(self, norm: float) -> float:
        text = self._text(norm)
        v = parse_display(text)
        if v is None:
            raise ReaperError(f"{self.what} displays {text!r}, which MasterAid cannot read as a number: "
                              "report your REAPER version")
        return v


def set_param(rpr: CheckedApi, track: str, fx: int, plugin: str, target: ParamTarget) -> Optional[str]:
    """Set one parameter so its display reads ``target.value`` (within its tolerance); returns the
    text REAPER shows afterwards (``None``: an optional parameter the plug-in lacks). Raises
    :class:`ReaperError` when the plug-in's range does not reach the value, or the display does
    not read it back."""
    have = param_names(rpr, track, fx)
    p = find_param(have, target.names, target.index)
    if p is None:
        if target.optional:
            return None
        where = f" at #{target.index + 1}" if target.index is not None else ""
        raise ReaperError(f"{plugin} has no parameter named {' / '.join(map(repr, target.names))}{where} (it has: "
                          f"{', '.join(have) or 'none'}): this REAPER's {plugin} differs from what MasterAid knows — "
                          "report your REAPER version")
    what = f"{plugin}'s {have[p]}"
    if target.toggle:
        rpr.TrackFX_SetParamNormalized(track, fx, p, target.value)
        now = float(rpr.TrackFX_GetParamNormalized(track, fx, p))
        if abs(now - target.value) > 1e-6:
            raise ReaperError(f"{what} did not switch {'on' if target.value else 'off'} (reads {now:g})")
        return str(rpr.TrackFX_GetFormattedParamValue(track, fx, p, "", 256)[4]) or ("on" if target.value else "off")
    disp = _Display(rpr, track, fx, p, what)
    ends = (disp.value(0.0), disp.value(1.0))
    want = target.value
    if not math.isfinite(want):  # -inf dB (a dry path off): only an end of the range shows it
        if want not in ends:
            raise ReaperError(f"{what} cannot be set to {want} {target.unit} (it reaches {ends[0]:g} .. {ends[1]:g})")
        best = float(ends.index(want))
    else:
        best, want = _bisect(disp, want, ends, target, what)
        target = replace(target, value=want)
    if not rpr.TrackFX_SetParamNormalized(track, fx, p, best):
        raise ReaperError(f"REAPER did not take a value for {what}")
    text = disp.shown_text()
    shown = parse_display(text)
    if shown is None or not target.close(shown, text):
        raise ReaperError(f"{what} reads {text!r} after MasterAid set it to {want:g} {target.unit}: its display "
                          "does not follow the value monotonically in this REAPER — set it by hand and report "
                          "your REAPER version")
    return text


def _bisect(disp: _Display, want: float, ends: tuple[float, float], target: ParamTarget,
            what: str) -> tuple[float, float]:
    """The normalized value where the display reaches ``want`` (the display is taken as monotonic), and
    ``want`` itself (clamped into the range when ``target.clamp``)."""
    lo_v, hi_v = ends
    rising = hi_v >= lo_v
    bottom, top = (lo_v, hi_v) if rising else (hi_v, lo_v)
    if target.clamp and not (bottom <= want <= top):
        want = min(max(want, bottom), top)
        target = replace(target, value=want)
    if not (bottom - target.tolerance() <= want <= top + target.tolerance()):
        raise ReaperError(f"{what} reaches {bottom + 0.0:g} .. {top + 0.0:g} {target.unit}; the chain needs {want:g} "
                          f"{target.unit}: set it by hand, or change the chain")
    if want in ends:
        return float(ends.index(want)), want

    def edge(below) -> float:
        """Where ``below(shown)`` stops holding, walking the display upward."""
        lo, hi = 0.0, 1.0
        for _ in range(_STEPS):
            mid = 0.5 * (lo + hi)
            if below(disp.value(mid)) == rising:
                lo = mid
            else:
                hi = mid
        return 0.5 * (lo + hi)

    # a rounded display (one decimal) shows a value over a whole interval: aim at the middle of the
    # interval of the text nearest ``want`` (the value itself when the display rounds to nearest); a
    # point that merely *shows* the right text could be half a step off underneath
    lower, upper = edge(lambda v: v < want), edge(lambda v: v <= want)
    if upper - lower < 4.0 * 2.0 ** -_STEPS:  # no text shows ``want``: the nearer neighbour's interval
        near = min((disp.value(max(lower - 2.0 ** -_STEPS, 0.0)), disp.value(min(lower + 2.0 ** -_STEPS, 1.0))),
                   key=lambda v: abs(v - want))
        lower, upper = edge(lambda v: v < near), edge(lambda v: v <= near)
    return 0.5 * (lower + upper), want
