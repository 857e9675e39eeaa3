"""Which track carries the stereo-bus pre-treat?

``find_bus(rpr, proj, "auto")`` applies this heuristic, in order:

1. **the master**, when its FX chain is on (``I_FXEN``) and holds at least one enabled, online FX;
2. otherwise a **mix-bus track**: a top-level track sending to the master (``B_MAINSEND``) whose
   name matches :data:`BUS_NAME` (``mix``, ``bus``, ``2bus``, ``master``, ``sum``, ...), whose FX
   chain is on with at least one enabled, online FX, which is a folder parent or a send target,
   and which *every* track holding media items feeds (through the folder tree and/or sends).
   Exactly one such track must exist.

Nothing found, or two candidates, is a :class:`~masteraid.errors.ReaperError` saying what to do.
``bus="master"``, a track name (exact, case-insensitive) or a track GUID (``{...}``) names the bus
explicitly; it still needs at least one active FX, or there is nothing to bypass.

Monitoring FX (the master's input FX slot) are never considered: they are not rendered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ReaperError
from ._api import CheckedApi
from .tracks import FxInfo, double_to_track, is_null, fx_chain, track_guid, track_name, tracks

__all__ = ["BUS_NAME", "BusChoice", "find_bus"]

#: Names a mixer gives the stereo-bus track: "MIX BUS", "Mixbus", "2BUS", "2-Bus", "Stereo Bus",
#: "Master Bus", "SUM", "Mix".
BUS_NAME = re.compile(r"(?i)(\bmix|\bbus\b|2\s*-?\s*bus|\bmaster|\bsum\b)")

_HOW_TO = ("put the pre-treat on the master FX chain, or on one bus track named like \"MIX BUS\" "
           "(a folder parent or send target that every track feeds) with its FX enabled")


@dataclass(frozen=True)
class BusChoice:
    """The track whose FX are bypassed for the raw render."""

    track: str           # pointer string, valid for this run only
    name: str            # "MASTER" for the master
    guid: str
    is_master: bool
    reason: str          # how it was chosen, for bounce.json and the console
    fx: tuple[FxInfo, ...]

    @property
    def active_fx(self) -> tuple[FxInfo, ...]:
        return tuple(f for f in self.fx if f.active)


def _choice(rpr: CheckedApi, track: str, master: str, reason: str) -> BusChoice:
    is_master = track == master
    return BusChoice(track=track, name=track_name(rpr, track, master),
                     guid=track_guid(rpr, track), is_master=is_master, reason=reason,
                     fx=tuple(fx_chain(rpr, track)))


def _chain_on(rpr: CheckedApi, track: str) -> bool:
    return rpr.GetMediaTrackInfo_Value(track, "I_FXEN") != 0


def _feeders(rpr: CheckedApi, all_tracks: list[str], master: str) -> dict[str, set[str]]:
    """For each track, the tracks whose audio reaches it (folder children and sends, transitively)."""
    direct: dict[str, set[str]] = {t: set() for t in all_tracks}
    for t in all_tracks:
        if rpr.GetMediaTrackInfo_Value(t, "B_MAINSEND"):
            parent = rpr.GetParentTrack(t)
            if not is_null(parent) and parent in direct:
                direct[parent].add(t)
        for i in range(int(rpr.GetTrackNumSends(t, 0))):
            dest = double_to_track(rpr.GetTrackSendInfo_Value(t, 0, i, "P_DESTTRACK"))
            if dest in direct:
                direct[dest].add(t)
    closed: dict[str, set[str]] = {}
    for t in all_tracks:
        seen, todo = set(), list(direct[t])
        while todo:
            s = todo.pop()
            if s not in seen and s != t:
                seen.add(s)
                todo.extend(direct[s])
        closed[t] = seen
    return closed


def find_bus(rpr: CheckedApi, proj: str, bus: str = "auto") -> BusChoice:
    """The stereo bus by the module's heuristic (``"auto"``), or the one named by ``bus``."""
    master = rpr.GetMasterTrack(proj)
    all_tracks = tracks(rpr, proj)
    if not isinstance(bus, str) or not bus.strip():
        raise ReaperError(f"bus must be \"auto\", \"master\", a track name or a track GUID, got {bus!r}")
    key = bus.strip()
    if key.lower() != "auto":
        if key.lower() == "master":
            found, reason = master, "named: master"
        elif key.startswith("{"):
            hits = [t for t in all_tracks if track_guid(rpr, t) == key.upper()]
            if not hits:
                raise ReaperError(f"no track has GUID {key}: check the bus setting")
            found, reason = hits[0], f"named by GUID {key.upper()}"
        else:
            hits = [t for t in all_tracks if track_name(rpr, t).strip().lower() == key.lower()]
            if not hits:
                raise ReaperError(f"no track is named {key!r}: name the bus track exactly, or use \"auto\"")
            if len(hits) > 1:
                raise ReaperError(f"{len(hits)} tracks are named {key!r}: rename all but the bus, "
                                  "or give the bus track's GUID")
            found, reason = hits[0], f"named: {key!r}"
        choice = _choice(rpr, found, master, reason)
        if not _chain_on(rpr, found) or not choice.active_fx:
            raise ReaperError(f"the bus {choice.name!r} has no enabled FX (or its FX chain is bypassed): "
                              "nothing to bypass for the raw render — enable the pre-treat FX, or "
                              + _HOW_TO)
        return choice

    if _chain_on(rpr, master) and any(f.active for f in fx_chain(rpr, master)):
        return _choice(rpr, master, master, "auto: the master FX chain has enabled FX")

    feeders = _feeders(rpr, all_tracks, master)
    with_media = {t for t in all_tracks if int(rpr.CountTrackMediaItems(t)) > 0}
    candidates = []
    for t in all_tracks:
        if not is_null(rpr.GetParentTrack(t)) or not rpr.GetMediaTrackInfo_Value(t, "B_MAINSEND"):
            continue
        if not BUS_NAME.search(track_name(rpr, t)) or not feeders[t]:
            continue
        if not _chain_on(rpr, t) or not any(f.active for f in fx_chain(rpr, t)):
            continue
        if not (with_media - {t}) <= feeders[t]:
            continue
        candidates.append(t)
    if not candidates:
        raise ReaperError("no stereo-bus FX found (the master FX chain has no enabled FX and no track "
                          "looks like a mix bus): " + _HOW_TO)
    if len(candidates) > 1:
        names = ", ".join(repr(track_name(rpr, t)) for t in candidates)
        raise ReaperError(f"several tracks look like the stereo bus ({names}): rename the ones that are "
                          "not the bus, or move the pre-treat to the master FX chain")
    t = candidates[0]
    folder = rpr.GetMediaTrackInfo_Value(t, "I_FOLDERDEPTH") == 1
    how = "folder parent" if folder else "send target"
    return _choice(rpr, t, master, f"auto: mix-bus track ({how} fed by every track with media)")
