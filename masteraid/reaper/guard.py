"""Leave the project as found: a state guard and an undo block.

:class:`ProjectState` is a context manager. Inside it, an action first *keeps* every setting it
is about to touch (``keep_*`` reads and remembers the current value), then changes them. On exit
— normally or by an exception, half-way or not — every kept setting is written back in this
order: FX enable states (found by GUID), track values (``I_FXEN``, mute, solo, ...), time
selection, edit cursor, numeric project keys, string project keys, and ``RENDER_FORMAT`` last
(cfillion's render-preset script sets it last to dodge a REAPER bug, API-NOTES §2). Each step
is tried on its own, then every kept value is read back; anything that did not come back is
reported in one :class:`~masteraid.errors.ReaperError` (after the error that interrupted the
action, if there was one) rather than passed over.

:func:`undo_block` wraps an action in ``Undo_BeginBlock2`` / ``Undo_EndBlock2(proj, name, -1)``
(``-1`` = ``UNDO_STATE_ALL``, SDK ``reaper_plugin.h``), so the action is one named undo point.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from ..errors import ReaperError
from ._api import CheckedApi
from .tracks import fx_chain, fx_index

__all__ = ["ProjectState", "undo_block", "UNDO_STATE_ALL"]

#: ``Undo_EndBlock2`` flags: record everything (SDK ``UNDO_STATE_ALL = 0xFFFFFFFF``, passed as -1).
UNDO_STATE_ALL = -1
_FORMAT_KEY = "RENDER_FORMAT"


@contextlib.contextmanager
def undo_block(rpr: CheckedApi, proj: str, name: str) -> Iterator[None]:
    """One undo point named ``name`` for everything done inside (closed even on error)."""
    rpr.Undo_BeginBlock2(proj)
    try:
        yield
    finally:
        rpr.Undo_EndBlock2(proj, name, UNDO_STATE_ALL)


@dataclass
class _Kept:
    label: str
    value: Any
    read: Callable[[], Any]
    write: Callable[[Any], None]
    order: int


@dataclass
class ProjectState:
    """Snapshot → change → restore in ``finally``; see the module docstring."""

    rpr: CheckedApi
    proj: str
    _kept: list[_Kept] = field(default_factory=list)
    _labels: set[str] = field(default_factory=set)

    # ---- keeping ---------------------------------------------------------------------------
    def _keep(self, label: str, read, write, order: int) -> Any:
        if label in self._labels:
            return next(k.value for k in self._kept if k.label == label)
        value = read()
        self._kept.append(_Kept(label, value, read, write, order))
        self._labels.add(label)
        return value

    def keep_project_value(self, key: str) -> float:
        """A numeric ``GetSetProjectInfo`` key (``RENDER_SETTINGS``, ...)."""
        r, p = self.rpr, self.proj
        return self._keep(key, lambda: float(r.GetSetProjectInfo(p, key, 0.0, False)),
                          lambda v: r.GetSetProjectInfo(p, key, v, True), 40)

    def keep_project_string(self, key: str) -> str:
        """A ``GetSetProjectInfo_String`` key (``RENDER_FILE``, ``RENDER_FORMAT``, ...)."""
        r, p = self.rpr, self.proj

        def read() -> str:
            ok, *_, value, _is_set = r.GetSetProjectInfo_String(p, key, "", False)
            if not ok:
                raise ReaperError(f"REAPER cannot read project setting {key}: update REAPER "
                                  "(MasterAid needs REAPER 6.30 or newer)")
            return str(value)
        return self._keep(key, read, lambda v: r.GetSetProjectInfo_String(p, key, v, True),
                          90 if key == _FORMAT_KEY else 50)

    def keep_track_value(self, track: str, key: str, label: str) -> float:
        """A numeric track value (``I_FXEN``, ``B_MUTE``, ``I_SOLO``, ...); ``label`` names the track."""
        r = self.rpr
        return self._keep(f"{label} {key}", lambda: float(r.GetMediaTrackInfo_Value(track, key)),
                          lambda v: r.SetMediaTrackInfo_Value(track, key, v), 20)

    def keep_fx_enabled(self, track: str, label: str) -> None:
        """Every FX's enabled / offline state on the track's chain, by GUID."""
        r = self.rpr
        for fx in fx_chain(r, track):
            guid = fx.guid
            self._keep(f"{label} FX {fx.name} {guid} enabled",
                       lambda g=guid: bool(r.TrackFX_GetEnabled(track, fx_index(r, track, g))),
                       lambda v, g=guid: r.TrackFX_SetEnabled(track, fx_index(r, track, g), bool(v)), 10)
            self._keep(f"{label} FX {fx.name} {guid} offline",
                       lambda g=guid: bool(r.TrackFX_GetOffline(track, fx_index(r, track, g))),
                       lambda v, g=guid: r.TrackFX_SetOffline(track, fx_index(r, track, g), bool(v)), 11)

    def keep_time_selection(self) -> tuple[float, float]:
        r, p = self.rpr, self.proj

        def read() -> tuple[float, float]:
            out = r.GetSet_LoopTimeRange2(p, False, False, 0.0, 0.0, False)
            return float(out[3]), float(out[4])
        return self._keep("time selection", read,
                          lambda v: r.GetSet_LoopTimeRange2(p, True, False, v[0], v[1], False), 30)

    def keep_edit_cursor(self) -> float:
        r, p = self.rpr, self.proj
        return self._keep("edit cursor", lambda: float(r.GetCursorPositionEx(p)),
                          lambda v: r.SetEditCurPos2(p, v, False, False), 31)

    # ---- restoring -------------------------------------------------------------------------
    def restore(self) -> list[str]:
        """Write back every kept value that changed (``RENDER_FORMAT`` always, and last); return
        what could not be restored."""
        failures: list[str] = []
        failed: set[str] = set()
        for k in sorted(self._kept, key=lambda k: k.order):
            try:
                if k.order == 90 or k.read() != k.value:
                    k.write(k.value)
            except Exception as exc:  # noqa: BLE001 - keep restoring the rest
                failures.append(f"{k.label} (could not write back {k.value!r}: {exc})")
                failed.add(k.label)
        for k in self._kept:
            if k.label in failed:
                continue
            try:
                now = k.read()
            except Exception as exc:  # noqa: BLE001
                failures.append(f"{k.label} (could not read back: {exc})")
                continue
            if now != k.value:
                failures.append(f"{k.label} (is {now!r}, was {k.value!r})")
        return failures

    def __enter__(self) -> "ProjectState":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        failures = self.restore()
        if not failures:
            return
        msg = ("REAPER did not take back every setting MasterAid changed — check them by hand "
               "(or undo): " + "; ".join(failures))
        if exc is not None:
            raise ReaperError(f"{exc} — and then: {msg}") from exc
        raise ReaperError(msg)
