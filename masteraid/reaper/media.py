"""Put audio files on new tracks, with ``InsertMedia``'s side effects kept in check.

``InsertMedia(file, 1)`` adds a track after the last selected one and an item at the edit cursor,
and moves the track and item selections (API-NOTES §4 leaves the details UNCONFIRMED). The A/B
and the mastering chain use it the same way: :func:`inserting_media` keeps the edit cursor and the
selections and clears the track selection (so the new tracks go after the last track), then puts the
item selection back; :func:`insert_file_track` moves the cursor to 0 s, inserts, and checks for
exactly one new track holding one item at 0 s; :func:`delete_tracks` removes half-made tracks
after a failure.
"""

from __future__ import annotations

import contextlib
import math
from pathlib import Path
from typing import Iterator

from ..errors import ReaperError
from ._api import CheckedApi
from .guard import ProjectState
from .tracks import is_null, tracks

__all__ = ["set_checked", "name_track", "media_items", "inserting_media", "insert_file_track", "delete_tracks"]


def set_checked(rpr: CheckedApi, track: str, key: str, value: float, what: str) -> None:
    """``SetMediaTrackInfo_Value``, then read back: a :class:`ReaperError` when REAPER kept another value."""
    rpr.SetMediaTrackInfo_Value(track, key, value)
    now = float(rpr.GetMediaTrackInfo_Value(track, key))
    if not math.isclose(now, value, rel_tol=1e-6, abs_tol=1e-9):
        raise ReaperError(f"REAPER did not take {key} = {value:g} on {what} (reads back {now:g})")


def name_track(rpr: CheckedApi, track: str, name: str, what: str) -> None:
    """Set the track's name, then read back: a :class:`ReaperError` when REAPER kept another one."""
    rpr.GetSetMediaTrackInfo_String(track, "P_NAME", name, True)
    got = str(rpr.GetSetMediaTrackInfo_String(track, "P_NAME", "", False)[3])
    if got != name:
        raise ReaperError(f"REAPER did not take the name {name!r} for {what} (reads {got!r})")


def media_items(rpr: CheckedApi, proj: str) -> list[str]:
    return [rpr.GetMediaItem(proj, i) for i in range(int(rpr.CountMediaItems(proj)))]


@contextlib.contextmanager
def inserting_media(rpr: CheckedApi, proj: str, state: ProjectState) -> Iterator[None]:
    """Keep the edit cursor and track selection in ``state``, clear the track selection, and on exit
    (error or not) give every item, old and new, its former selection (new items: unselected)."""
    state.keep_edit_cursor()
    selected_tracks = [t for t in tracks(rpr, proj) if rpr.GetMediaTrackInfo_Value(t, "I_SELECTED")]
    for i, t in enumerate(selected_tracks):
        state.keep_track_value(t, "I_SELECTED", f"selected track {i + 1}")
    old_items = media_items(rpr, proj)
    selected_items = {it for it in old_items if rpr.GetMediaItemInfo_Value(it, "B_UISEL")}
    try:
        for t in selected_tracks:  # InsertMedia mode 1 inserts after the last selected track
            set_checked(rpr, t, "I_SELECTED", 0, "a selected track")
        yield
    finally:
        known = set(old_items)
        new_items = [it for it in media_items(rpr, proj) if it not in known]
        for it in old_items + new_items:
            want = it in selected_items
            if bool(rpr.GetMediaItemInfo_Value(it, "B_UISEL")) != want:
                rpr.SetMediaItemSelected(it, want)


def insert_file_track(rpr: CheckedApi, proj: str, path: Path, created: list[str], purpose: str) -> tuple[str, str]:
    """Insert ``path`` on a new track at 0 s; return ``(track, item)`` (the track is also appended to
    ``created`` as soon as it exists, for :func:`delete_tracks`). ``purpose`` ends the error message
    when the item is not where it must be (``"the A/B would be out of time"``)."""
    rpr.SetEditCurPos(0.0, False, False)
    cur = float(rpr.GetCursorPositionEx(proj))
    if cur != 0.0:
        raise ReaperError(f"REAPER did not move the edit cursor to the project start (it is at {cur:g} s)")
    before = set(tracks(rpr, proj))
    ok = rpr.InsertMedia(str(path), 1)
    new = [t for t in tracks(rpr, proj) if t not in before]
    created.extend(new)
    if not ok or len(new) != 1:
        raise ReaperError(f"REAPER did not insert {path.name} on one new track (InsertMedia returned {ok}, "
                          f"{len(new)} new tracks): check the file can be imported")
    track = new[0]
    n = int(rpr.CountTrackMediaItems(track))
    item = rpr.GetTrackMediaItem(track, 0) if n == 1 else None
    pos = float(rpr.GetMediaItemInfo_Value(item, "D_POSITION")) if item is not None else float("nan")
    if n != 1 or is_null(item) or abs(pos) > 1e-9:
        raise ReaperError(f"REAPER inserted {path.name} as {n} item(s) at {pos:g} s instead of one item at the "
                          f"project start: {purpose}")
    return track, item


def delete_tracks(rpr: CheckedApi, proj: str, created: list[str], label: str) -> None:
    """Delete the ``created`` tracks still in the project (best effort, then checked: a
    :class:`ReaperError` asking to delete the tracks named ``label`` by hand when some remain)."""
    live = set(tracks(rpr, proj))
    for t in created:
        if t in live:
            try:
                rpr.DeleteTrack(t)
            except ReaperError:
                pass
    left = [t for t in created if t in set(tracks(rpr, proj))]
    if left:
        raise ReaperError(f"REAPER did not remove {len(left)} half-made track(s): delete the tracks named "
                          f"\"{label}\" by hand (or undo)")
