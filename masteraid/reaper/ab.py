"""Loudness-matched A/B in REAPER: the raw and the pre-treat render on two new tracks, equally loud.

:func:`setup_ab` takes the two renders of the most recent dual bounce (the newest ``bounce*.json``
next to the project, written by :mod:`.bounce`) or two explicit files, measures both with
:func:`masteraid.analysis.analyze`, plans the match with :func:`masteraid.match.plan_match` (no DSP
here) and inserts each file on a NEW track at the project start (``SetEditCurPos(0)`` then
``InsertMedia(file, 1)``; the new track and its one item at 0 s are checked, API-NOTES §4 leaves
both UNCONFIRMED). The tracks are named ``MasterAid A/B - raw (−x.x dB)`` /
``MasterAid A/B - pretreat (−y.y dB)`` and get ``D_VOL = 10**(gain_dB/20)`` (read back).

Switching: the pre-treat track starts muted (``B_MUTE``), so the raw plays. Running the action again
while both A/B tracks exist toggles which one is muted. The tracks are found by their GUIDs, kept in
the project's ext state (section :data:`EXT_SECTION`, key :data:`EXT_KEY`), never by name or index.
Each run is one undo point named :data:`ACTION_NAME`.

Playing outside the mix — the choice made here, kept simple and explicit:

* both A/B tracks are **soloed** (``I_SOLO = 1``), so the mix's own tracks (and a mix-bus track
  with its pre-treat FX) fall silent while comparing, without touching any of the mix's tracks;
* the A/B tracks still go through the **master**: their own ``B_MAINSEND`` stays on, because
  sending them to a hardware output instead depends on the user's audio device and on hardware-send
  behaviour we cannot check here. So when the master FX chain holds enabled FX, they would process
  both versions again (the pre-treat treated twice, the raw no longer raw). MasterAid does not
  bypass the master FX for you (that would change the mix itself and outlive the action): the
  console says plainly to bypass the master FX chain (its FX button) while A/B-ing, and to switch
  it back on afterwards.

Nothing else in the project changes: the edit cursor, track selection and item selection (which
``InsertMedia`` moves) are restored; on any failure the half-made A/B tracks are deleted, the ext
state is not written, and :class:`~.guard.ProjectState` restores the rest. With no bounce found and
no files given, :func:`setup_ab` raises a :class:`~masteraid.errors.ReaperError` before any change
(no undo point).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..analysis import analyze
from ..analysis.model import Measurements
from ..errors import ReaperError
from ..findings import Finding
from ..match import MatchPlan, PlatformPlayback, plan_match, streaming_findings, streaming_preview
from ..units import db_to_gain
from ._api import CheckedApi, api
from .bounce import BOUNCE_SCHEMA, _project
from .guard import ProjectState, undo_block
from .media import delete_tracks, insert_file_track, inserting_media, name_track, set_checked
from .tracks import active_master_fx, soloed_tracks, track_guid, tracks

__all__ = ["ACTION_NAME", "EXT_SECTION", "EXT_KEY", "ABResult", "setup_ab", "latest_bounce", "track_label",
           "ab_summary"]

#: The undo point's name (= the action's name in REAPER's Actions list).
ACTION_NAME = "MasterAid: Loudness-matched A/B"
#: Project ext state where the A/B tracks' GUIDs are kept (JSON, one line).
EXT_SECTION = "MasterAid"
EXT_KEY = "ab_tracks"
_VERSIONS = ("raw", "pretreat")


@dataclass(frozen=True)
class ABResult:
    """What :func:`setup_ab` did.

    Attributes
    ----------
    created : bool
        ``True``: new A/B tracks were made; ``False``: the existing ones were toggled.
    playing : str
        ``"raw"`` or ``"pretreat"``: the version now unmuted.
    track_guids : dict
        ``{"raw": guid, "pretreat": guid}``.
    paths : dict
        ``{"raw": Path, "pretreat": Path}``: the files on the tracks.
    plan : MatchPlan or None
        The loudness match (``None`` for a toggle).
    previews : dict or None
        ``{"raw": (PlatformPlayback, ...), "pretreat": (...)}`` from :func:`masteraid.match.streaming_preview`.
    findings : tuple of Finding
        :func:`masteraid.match.streaming_findings` of raw vs pre-treat.
    master_fx : tuple of str
        Enabled FX on the master's (enabled) chain: they process the A/B tracks too.
    soloed_before : tuple of str
        Tracks that were already soloed and playing (a mastering chain, say): they play along.
    bounce_json : Path or None
        The dual bounce's ``bounce.json`` the files came from (``None``: explicit files or a toggle).
    """

    created: bool
    playing: str
    track_guids: dict
    paths: dict
    plan: Optional[MatchPlan] = None
    previews: Optional[dict] = None
    findings: tuple[Finding, ...] = ()
    master_fx: tuple[str, ...] = ()
    bounce_json: Optional[Path] = None
    soloed_before: tuple[str, ...] = ()

    @property
    def gains_db(self) -> dict:
        return {e.name: e.gain_db for e in self.plan.entries} if self.plan else {}


def track_label(version: str, gain_db: float) -> str:
    """``MasterAid A/B - raw (−3.2 dB)``: the signed gain, with a true minus sign."""
    return f"MasterAid A/B - {version} ({f'{gain_db:+.1f}'.replace('-', '−')} dB)"


def latest_bounce(folder: Path) -> Optional[tuple[Path, Path, Path]]:
    """``(raw, pretreat, bounce.json)`` of the newest dual bounce in ``folder`` whose renders exist,
    or ``None``. Newest = latest ``created_utc``, then latest modification time."""
    found = []
    for jp in Path(folder).glob("bounce*.json"):
        try:
            doc = json.loads(jp.read_text(encoding="utf-8"))
            if doc.get("schema") != BOUNCE_SCHEMA:
                continue
            raw = (jp.parent / doc["renders"]["raw"]["file"]).resolve()
            pre = (jp.parent / doc["renders"]["pretreat"]["file"]).resolve()
            created = str(doc.get("created_utc", ""))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
        if raw.is_file() and pre.is_file():
            found.append(((created, jp.stat().st_mtime), raw, pre, jp))
    if not found:
        return None
    _, raw, pre, jp = max(found, key=lambda f: f[0])
    return raw, pre, jp


# ---- REAPER helpers ----------------------------------------------------------------------------

def _read_ext(rpr: CheckedApi, proj: str) -> dict:
    out = rpr.GetProjExtState(proj, EXT_SECTION, EXT_KEY, "", 4096)
    try:
        doc = json.loads(str(out[4])) if out[0] else {}
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _existing_tracks(rpr: CheckedApi, proj: str) -> Optional[dict]:
    """``{"raw": ptr, "pretreat": ptr}`` when both A/B tracks named in the ext state still exist."""
    doc = _read_ext(rpr, proj)
    guids = {v: str(doc.get(v, "")).upper() for v in _VERSIONS}
    if not all(guids.values()):
        return None
    by_guid = {track_guid(rpr, t): t for t in tracks(rpr, proj)}
    if not all(g in by_guid for g in guids.values()):
        return None
    return {v: by_guid[guids[v]] for v in _VERSIONS}


def _toggle(rpr: CheckedApi, proj: str, found: dict) -> ABResult:
    doc = _read_ext(rpr, proj)
    raw_muted = bool(rpr.GetMediaTrackInfo_Value(found["raw"], "B_MUTE"))
    playing = "raw" if raw_muted else "pretreat"
    before = {v: float(rpr.GetMediaTrackInfo_Value(found[v], "B_MUTE")) for v in _VERSIONS}
    other = "pretreat" if playing == "raw" else "raw"
    with undo_block(rpr, proj, ACTION_NAME):
        try:
            set_checked(rpr, found[playing], "B_MUTE", 0, f"the A/B {playing} track")
            set_checked(rpr, found[other], "B_MUTE", 1, f"the A/B {other} track")
        except BaseException:
            for v in _VERSIONS:  # put both mutes back as found (best effort; the error is reported)
                try:
                    rpr.SetMediaTrackInfo_Value(found[v], "B_MUTE", before[v])
                except ReaperError:
                    pass
            raise
    return ABResult(created=False, playing=playing,
                    track_guids={v: track_guid(rpr, found[v]) for v in _VERSIONS},
                    paths={v: Path(doc[v + "_file"]) for v in _VERSIONS if doc.get(v + "_file")},
                    master_fx=active_master_fx(rpr, proj))


def setup_ab(project=None, *, raw=None, pretreat=None, by: str = "integrated") -> ABResult:
    """Set up (or, when it exists, toggle) the loudness-matched A/B of raw vs pre-treat.

    Parameters
    ----------
    project : reapy.Project, pointer string or None
        The project (``None``: the current one). It must be the active project (``InsertMedia``
        works on the active project).
    raw, pretreat : path-like, keyword-only, optional
        Explicit files; both or neither. Neither: the renders of the newest dual bounce next to the
        project, or — when this project's A/B tracks exist — toggle which one plays.
    by : {"integrated", "short-term-max"}, keyword-only
        The loudness measure matched (:func:`masteraid.match.plan_match`).

    Returns
    -------
    ABResult

    Raises
    ------
    ReaperError
        No bounce found (run "MasterAid - Dual bounce" first) — nothing changed, no undo point; or
        REAPER disagreed with a checked step — the half-made tracks are removed.
    """
    if (raw is None) != (pretreat is None):
        raise ReaperError("give both files (raw and pretreat) or neither (then the newest dual bounce is used)")
    rpr = api()
    proj, rpp = _project(rpr, project)
    bounce_json = None
    if raw is None:
        found = _existing_tracks(rpr, proj)
        if found is not None:
            return _toggle(rpr, proj, found)
        hit = latest_bounce(Path(rpp).parent) if rpp else None
        if hit is None:
            where = f"next to {Path(rpp).name}" if rpp else "(the project is not saved)"
            raise ReaperError(f"no dual bounce found {where}: run \"MasterAid - Dual bounce\" first")
        raw, pretreat, bounce_json = hit
    paths = {"raw": Path(raw).resolve(), "pretreat": Path(pretreat).resolve()}
    for v, p in paths.items():
        if not p.is_file():
            raise ReaperError(f"the {v} file {p} does not exist: bounce again or pick the file")
    active = rpr.EnumProjects(-1, "", 4096)[0]
    if active != proj:
        raise ReaperError("the A/B goes into the active project only: switch to that project's tab first")

    meas: dict[str, Measurements] = {v: analyze(p) for v, p in paths.items()}
    plan = plan_match(meas["raw"], meas["pretreat"], by=by, names=_VERSIONS)
    gains = {e.name: e.gain_db for e in plan.entries}
    previews = {v: streaming_preview(meas[v]) for v in _VERSIONS}
    findings = tuple(streaming_findings(meas["raw"], meas["pretreat"]))
    master_fx = active_master_fx(rpr, proj)
    soloed_before = soloed_tracks(rpr, proj)

    created: list[str] = []
    guids: dict[str, str] = {}
    previous_ext = str(rpr.GetProjExtState(proj, EXT_SECTION, EXT_KEY, "", 4096)[4])
    with undo_block(rpr, proj, ACTION_NAME):
        with ProjectState(rpr, proj) as state:
            try:
                with inserting_media(rpr, proj, state):
                    for v in _VERSIONS:
                        track, _ = insert_file_track(rpr, proj, paths[v], created, "the A/B would be out of time")
                        what = f"the A/B {v} track"
                        name_track(rpr, track, track_label(v, gains[v]), what)
                        set_checked(rpr, track, "D_VOL", db_to_gain(gains[v]), what)
                        set_checked(rpr, track, "I_SOLO", 1, what)
                        set_checked(rpr, track, "B_MUTE", 1 if v == "pretreat" else 0, what)
                        guids[v] = track_guid(rpr, track)
                        if not guids[v].startswith("{"):
                            raise ReaperError(f"REAPER returned no GUID for {what} ({guids[v]!r})")
                    doc = {**guids, **{v + "_file": str(paths[v]) for v in _VERSIONS}}
                    value = json.dumps(doc, ensure_ascii=True)
                    rpr.SetProjExtState(proj, EXT_SECTION, EXT_KEY, value)
                    if str(rpr.GetProjExtState(proj, EXT_SECTION, EXT_KEY, "", 4096)[4]) != value:
                        raise ReaperError("REAPER did not keep the A/B tracks in the project ext state")
            except BaseException:
                _undo_tracks(rpr, proj, created, previous_ext)
                raise
    return ABResult(created=True, playing="raw", track_guids=guids, paths=paths, plan=plan, previews=previews,
                    findings=findings, master_fx=master_fx, bounce_json=bounce_json,
                    soloed_before=soloed_before)


def _undo_tracks(rpr: CheckedApi, proj: str, created: list[str], previous_ext: str) -> None:
    """Remove the half-made A/B tracks and the ext state of this run (best effort, then checked)."""
    try:  # the ext state is written last: put back what it was before this run
        if str(rpr.GetProjExtState(proj, EXT_SECTION, EXT_KEY, "", 4096)[4]) != previous_ext:
            rpr.SetProjExtState(proj, EXT_SECTION, EXT_KEY, previous_ext)
    except ReaperError:
        pass
    delete_tracks(rpr, proj, created, "MasterAid A/B - ...")


# ---- console text ------------------------------------------------------------------------------

def _lufs(x: float) -> str:
    return f"{x:6.1f} LUFS" if math.isfinite(x) else "  -inf LUFS"


def _gain(x: float) -> str:
    return f"{x:+5.1f} dB" if math.isfinite(x) else "    ? dB"


def ab_summary(r: ABResult) -> str:
    """The console text of one run: gains, loudness before/after, streaming preview, findings."""
    lines: list[str] = []
    if not r.created:
        other = "pretreat" if r.playing == "raw" else "raw"
        lines.append(f"MasterAid A/B: now playing {r.playing} ({other} muted). Run the action again to switch.")
    else:
        p = r.plan
        src = f" from {r.bounce_json.name}" if r.bounce_json else ""
        lines.append(f"MasterAid loudness-matched A/B{src} (matched by {p.by} loudness"
                     f"{', matched down to stay under the ceiling' if p.matched_down else ''}):")
        for e in p.entries:
            lines.append(f"  {e.name:<8} {_lufs(e.level_lufs)} -> {_lufs(e.matched_level_lufs)}  gain "
                         f"{_gain(e.gain_db)}  (true peak {e.matched_true_peak_dbtp:.1f} dBTP after)")
        lines.append("  playing raw (pretreat muted); both A/B tracks are soloed. Run the action again to switch.")
        lines.append("  Streaming preview (playback gain -> loudness as played):")
        pre = {pp.platform: pp for pp in r.previews["pretreat"]}
        width = max((len(a.name) for a in r.previews["raw"]), default=0)
        for a in r.previews["raw"]:
            b: PlatformPlayback = pre[a.platform]
            lines.append(f"    {a.name:<{width}} raw {_gain(a.gain_db)} -> {_lufs(a.playback_lufs)}   "
                         f"pretreat {_gain(b.gain_db)} -> {_lufs(b.playback_lufs)}")
        for f in r.findings:
            lines.append(f"  {f.severity}: {f.message}")
    if r.soloed_before:
        lines.append(f"  Also soloed and playing: {', '.join(r.soloed_before)}. Mute or unsolo them while you "
                     "A/B, or you hear them along.")
    if r.master_fx:
        lines.append(f"  Bypass the master FX chain while A/B-ing: its FX ({', '.join(r.master_fx)}) process "
                     "the A/B tracks too (the pre-treat twice, the raw not raw); switch it back on afterwards.")
    return "\n".join(lines) + "\n"
