"""Small read-only helpers over REAPER tracks and FX (pointers as the binding spells them).

FX are identified by GUID, never by a cached index: :func:`fx_index` looks the index up again
each time it is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ReaperError
from ._api import CheckedApi, POINTER_FORMAT

__all__ = ["is_null", "FxInfo", "fx_guid", "fx_chain", "fx_index", "active_master_fx", "soloed_tracks", "track_name", "track_guid", "tracks",
           "double_to_track"]


def is_null(ptr) -> bool:
    """True for a NULL pointer as the binding returns it: ``"(T)0x0000000000000000"`` (a truthy
    string), ``None``, ``""`` or ``0``."""
    if not ptr:
        return True
    text = str(ptr)
    try:
        return int(text[text.rindex("0x") + 2:], 16) == 0
    except ValueError:
        return False


@dataclass(frozen=True)
class FxInfo:
    """One FX of a chain as found when the action started."""

    guid: str
    name: str
    enabled: bool
    offline: bool

    @property
    def active(self) -> bool:
        return self.enabled and not self.offline


def fx_guid(rpr: CheckedApi, track: str, index: int) -> str:
    ptr = rpr.TrackFX_GetFXGUID(track, index)
    if is_null(ptr):
        raise ReaperError(f"REAPER returned no GUID for FX #{index + 1}")
    guid = str(rpr.guidToString(ptr, "")[1]).upper()
    if not guid.startswith("{") or guid.strip("{}0-") == "":
        raise ReaperError(f"REAPER returned no usable GUID for FX #{index + 1} ({guid!r}): MasterAid finds FX "
                          "by GUID and cannot work safely without one — report this REAPER version")
    return guid


def fx_chain(rpr: CheckedApi, track: str) -> list[FxInfo]:
    """The track's normal FX chain (not input / monitoring FX), in order."""
    out = []
    for i in range(int(rpr.TrackFX_GetCount(track))):
        name = str(rpr.TrackFX_GetFXName(track, i, "", 4096)[3])
        out.append(FxInfo(guid=fx_guid(rpr, track, i), name=name,
                          enabled=bool(rpr.TrackFX_GetEnabled(track, i)),
                          offline=bool(rpr.TrackFX_GetOffline(track, i))))
    return out


def fx_index(rpr: CheckedApi, track: str, guid: str) -> int:
    """The current index of the FX with this GUID on the track's chain."""
    for i in range(int(rpr.TrackFX_GetCount(track))):
        if fx_guid(rpr, track, i) == guid.upper():
            return i
    raise ReaperError(f"FX {guid} is no longer on the track: it was removed while MasterAid ran")


def active_master_fx(rpr: CheckedApi, proj: str) -> tuple[str, ...]:
    """Names of the enabled, online FX on the master's chain (none when the chain is switched off):
    they process whatever MasterAid puts on new tracks too."""
    master = rpr.GetMasterTrack(proj)
    if not rpr.GetMediaTrackInfo_Value(master, "I_FXEN"):
        return ()
    return tuple(f.name for f in fx_chain(rpr, master) if f.active)


def soloed_tracks(rpr: CheckedApi, proj: str) -> tuple[str, ...]:
    """Names of the tracks that are soloed and not muted: they play along with new soloed tracks."""
    return tuple(str(rpr.GetSetMediaTrackInfo_String(t, "P_NAME", "", False)[3]) or f"track {i + 1}"
                 for i, t in enumerate(tracks(rpr, proj))
                 if rpr.GetMediaTrackInfo_Value(t, "I_SOLO") and not rpr.GetMediaTrackInfo_Value(t, "B_MUTE"))


def track_name(rpr: CheckedApi, track: str, master: str | None = None) -> str:
    if master is not None and track == master:
        return "MASTER"
    return str(rpr.GetSetMediaTrackInfo_String(track, "P_NAME", "", False)[3])


def track_guid(rpr: CheckedApi, track: str) -> str:
    return str(rpr.GetSetMediaTrackInfo_String(track, "GUID", "", False)[3]).upper()


def tracks(rpr: CheckedApi, proj: str) -> list[str]:
    return [rpr.GetTrack(proj, i) for i in range(int(rpr.CountTracks(proj)))]


def double_to_track(value: float) -> str | None:
    """A ``P_DESTTRACK`` / ``P_SRCTRACK`` value (a pointer returned as a double) as a pointer string."""
    addr = int(value)
    return POINTER_FORMAT.format(type="MediaTrack*", addr=addr) if addr else None
