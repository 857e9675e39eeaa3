"""The dual bounce: the master mix rendered WITH the stereo-bus FX (pre-treat) and WITHOUT (raw).

Both renders cover the same bounds (the entire project by default, plus ``tail_ms`` of tail) and
are written as 32-bit float WAV at the project rate (see :data:`~masteraid.reaper.render.WAV_FLOAT32`
for why float) next to the project, as ``<Project> - pretreat.wav`` and ``<Project> - raw.wav``,
with a ``bounce.json`` describing them. The three names are chosen together before anything is
rendered: if any is taken, the first free ``(2)``, ``(3)``, ... suffix is used for all three, so
nothing is ever overwritten. ``bounce.json`` is written atomically through
:func:`masteraid.audio.write_text`.

The raw render bypasses the bus's whole FX chain with ``I_FXEN = 0`` (read back before
rendering). Everything touched — the render settings, the bus's ``I_FXEN`` and its FX enable
states, the time selection and edit cursor — is restored by :class:`~.guard.ProjectState`, inside
one undo block named :data:`ACTION_NAME`. When anything fails, the renders already written by
this run are removed and no ``bounce.json`` is written. Finding the bus happens before any change,
so "nothing to do" leaves no undo point.

Then both files go through the core audit (:func:`masteraid.analysis.analyze`,
:func:`masteraid.audit.check`). Two renders that measure identically mean the bypass did nothing
(REAPER ignored ``I_FXEN``, which API-NOTES §3 leaves UNCONFIRMED, or the chain is transparent):
that is an error, not a result.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from ..analysis import analyze
from ..analysis.model import Measurements
from ..audio import write_text
from ..audit import check
from ..errors import ReaperError
from ..findings import Finding
from ..serialize import SCHEMA_VERSION
from ._api import CheckedApi, api
from .bus import BusChoice, find_bus
from .guard import ProjectState, undo_block
from .render import NUMERIC_KEYS, STRING_KEYS, WAV_FLOAT32, apply_settings, render_settings, render_to
from .tracks import FxInfo, is_null

__all__ = ["ACTION_NAME", "RenderAudit", "BounceResult", "dual_bounce", "bounce_names", "verdict"]

#: The undo point's name (= the action's name in REAPER's Actions list).
ACTION_NAME = "MasterAid: Dual bounce"
BOUNCE_SCHEMA = "masteraid-bounce/1"


@dataclass(frozen=True)
class RenderAudit:
    """One render and its audit."""

    path: Path
    measurements: Measurements
    findings: tuple[Finding, ...]

    @property
    def integrated_lufs(self) -> float:
        return self.measurements.loudness.integrated_lufs

    @property
    def true_peak_dbtp(self) -> float:
        return self.measurements.peaks.true_peak_dbtp

    @property
    def verdict(self) -> str:
        return verdict(self.findings)


@dataclass(frozen=True)
class BounceResult:
    """What :func:`dual_bounce` wrote and measured."""

    raw: RenderAudit
    pretreat: RenderAudit
    json_path: Path
    bus: BusChoice
    bypassed_fx: tuple[FxInfo, ...]
    reaper_version: str
    settings: dict


def verdict(findings: tuple[Finding, ...]) -> str:
    """``"ready"``, or the count of errors / warnings with their codes."""
    errors = [f.code for f in findings if f.severity == "error"]
    warnings = [f.code for f in findings if f.severity == "warning"]
    if not errors and not warnings:
        return "ready for mastering"
    parts = []
    if errors:
        parts.append(f"{len(errors)} error{'s' * (len(errors) > 1)} ({', '.join(errors)})")
    if warnings:
        parts.append(f"{len(warnings)} warning{'s' * (len(warnings) > 1)} ({', '.join(warnings)})")
    return "; ".join(parts)


def bounce_names(folder: Path, stem: str) -> tuple[Path, Path, Path]:
    """(raw, pretreat, json) paths in ``folder``, none of which exists: the first free suffix."""
    n = 1
    while True:
        sfx = "" if n == 1 else f" ({n})"
        names = (folder / f"{stem} - raw{sfx}.wav", folder / f"{stem} - pretreat{sfx}.wav",
                 folder / f"bounce{sfx}.json")
        if not any(p.exists() for p in names):
            return names
        n += 1


def _project(rpr: CheckedApi, project) -> tuple[str, str]:
    """(project pointer, .rpp path or "") for ``None`` (current), a reapy Project or a pointer."""
    if project is None:
        ptr, _, fn, _ = rpr.EnumProjects(-1, "", 4096)
        return ptr, str(fn)
    ptr = getattr(project, "id", project)
    for i in range(1024):
        p, _, fn, _ = rpr.EnumProjects(i, "", 4096)
        if p == ptr:
            return ptr, str(fn)
        if is_null(p):
            break
    raise ReaperError(f"project {project!r} is not open in REAPER")


def _project_rate(rpr: CheckedApi, proj: str) -> int | None:
    if rpr.GetSetProjectInfo(proj, "PROJECT_SRATE_USE", 0.0, False):
        rate = int(rpr.GetSetProjectInfo(proj, "PROJECT_SRATE", 0.0, False))
        return rate or None
    return None  # the project follows the audio device; the render's rate is recorded as found


def _bounds_s(rpr: CheckedApi, proj: str, bounds: str) -> tuple[float, float]:
    if bounds == "project":
        return 0.0, float(rpr.GetProjectLength(proj))
    _, _, _, start, end, _ = rpr.GetSet_LoopTimeRange2(proj, False, False, 0.0, 0.0, False)
    return float(start), float(end)


def _num(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _audit(path: Path) -> RenderAudit:
    m = analyze(path)
    return RenderAudit(path=path, measurements=m, findings=check(m))


def _render_doc(a: RenderAudit, folder: Path) -> dict:
    info = a.measurements.info
    return {
        "file": os.path.relpath(a.path, folder),
        "sample_rate_hz": info.sample_rate_hz,
        "channels": info.channels,
        "frames": info.frames,
        "duration_s": info.duration_s,
        "subtype": info.subtype,
        "integrated_lufs": _num(a.integrated_lufs),
        "true_peak_dbtp": _num(a.true_peak_dbtp),
        "sample_peak_dbfs": _num(a.measurements.peaks.sample_peak_dbfs),
        "verdict": a.verdict,
        "findings": [{"severity": f.severity, "code": f.code, "message": f.message} for f in a.findings],
    }


def _fx_doc(fx: FxInfo) -> dict:
    return {"name": fx.name, "guid": fx.guid, "enabled": fx.enabled, "offline": fx.offline}


def dual_bounce(project=None, *, bus: str = "auto", out_dir: Optional[os.PathLike | str] = None,
                bounds: str = "project", tail_ms: float = 1000.0,
                progress: Optional[Callable[[str, float], None]] = None) -> BounceResult:
    """Render the master mix with and without the stereo-bus FX, audit both, write bounce.json.

    Parameters
    ----------
    project : reapy.Project, pointer string or None
        The project (``None``: the current one).
    bus : str, keyword-only
        ``"auto"`` (see :mod:`masteraid.reaper.bus`), ``"master"``, a track name or a track GUID.
    out_dir : path-like, keyword-only
        Folder for the renders; default the project's folder (the project must be saved).
    bounds : {"project", "time_selection"}, keyword-only
        The entire project (default) or the time selection.
    tail_ms : float, keyword-only
        Tail rendered after the bounds (ms), so reverbs and delays ring out; 0 for none.
    progress : callable, keyword-only
        ``progress(stage, fraction)``.

    Returns
    -------
    BounceResult

    Raises
    ------
    ReaperError
        Nothing to bypass, REAPER disagreed with a checked assumption, a render failed. The
        project is left as found and no file of this run is left behind.
    """
    if bounds not in ("project", "time_selection"):
        raise ReaperError(f"bounds must be \"project\" or \"time_selection\", got {bounds!r}")
    if not (isinstance(tail_ms, (int, float)) and 0 <= tail_ms <= 60000):
        raise ReaperError(f"tail_ms must be between 0 and 60000 ms, got {tail_ms!r}")
    step = progress or (lambda stage, fraction: None)
    rpr = api()
    proj, rpp = _project(rpr, project)
    choice = find_bus(rpr, proj, bus)
    stem = Path(rpp).stem if rpp else "untitled"
    if out_dir is None:
        if not rpp:
            raise ReaperError("the project is not saved: save it first (the renders go next to the .rpp)")
        folder = Path(rpp).parent
    else:
        folder = Path(out_dir)
    if not folder.is_dir():
        raise ReaperError(f"output folder {folder} does not exist: create it or pick another")
    folder = folder.resolve()
    start_s, end_s = _bounds_s(rpr, proj, bounds)
    if end_s <= start_s:
        what = "the project is empty" if bounds == "project" else "there is no time selection"
        raise ReaperError(f"nothing to render: {what} — add media (or select a time range)")
    seconds = end_s - start_s + tail_ms / 1000.0
    rate = _project_rate(rpr, proj)
    version = str(rpr.GetAppVersion())
    raw_path, pre_path, json_path = bounce_names(folder, stem)
    settings = render_settings(bounds=bounds, tail_ms=float(tail_ms), wav_config=WAV_FLOAT32)
    bypassed = choice.active_fx
    written: list[Path] = []
    try:
        with undo_block(rpr, proj, ACTION_NAME):
            with ProjectState(rpr, proj) as state:
                for key in NUMERIC_KEYS:
                    state.keep_project_value(key)
                for key in STRING_KEYS:
                    state.keep_project_string(key)
                state.keep_track_value(choice.track, "I_FXEN", choice.name)
                state.keep_fx_enabled(choice.track, choice.name)
                state.keep_time_selection()
                state.keep_edit_cursor()

                apply_settings(rpr, proj, settings)
                step("render pretreat", 0.0)
                render_to(rpr, proj, pre_path, expected_rate_hz=rate, expected_seconds=seconds)
                written.append(pre_path)
                rpr.SetMediaTrackInfo_Value(choice.track, "I_FXEN", 0)
                if rpr.GetMediaTrackInfo_Value(choice.track, "I_FXEN") != 0:
                    raise ReaperError(f"REAPER did not bypass the FX chain of {choice.name} "
                                      "(I_FXEN reads back on): nothing was rendered raw")
                step("render raw", 0.5)
                render_to(rpr, proj, raw_path, expected_rate_hz=rate, expected_seconds=seconds)
                written.append(raw_path)
        step("audit", 0.0)
        pre_a = _audit(pre_path)
        step("audit", 0.5)
        raw_a = _audit(raw_path)
        pm, rm = pre_a.measurements, raw_a.measurements
        same = [pm.loudness.integrated_lufs, pm.peaks.sample_peak_dbfs, pm.peaks.true_peak_dbtp,
                pm.dynamics.rms_dbfs] == [rm.loudness.integrated_lufs, rm.peaks.sample_peak_dbfs,
                                          rm.peaks.true_peak_dbtp, rm.dynamics.rms_dbfs]
        if same:
            raise ReaperError(f"the raw and pre-treat renders measure identically: bypassing {choice.name}'s "
                              f"FX ({', '.join(f.name for f in bypassed)}) changed nothing — either REAPER "
                              "ignored the bypass or those FX do nothing (meters only?); nothing was kept")
        doc = {
            "schema": BOUNCE_SCHEMA,
            "schema_version": SCHEMA_VERSION,
            "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "reaper_version": version,
            "project": {"file": rpp, "name": stem, "sample_rate_hz": rate},
            "bus": {"choice": bus, "track": choice.name, "guid": choice.guid, "is_master": choice.is_master,
                    "reason": choice.reason},
            "bypassed_fx": [_fx_doc(f) for f in bypassed],
            "inactive_fx": [_fx_doc(f) for f in choice.fx if not f.active],
            "bypass_method": "I_FXEN = 0 on the bus track (whole FX chain)",
            "renders": {"pretreat": _render_doc(pre_a, folder), "raw": _render_doc(raw_a, folder)},
            "settings": {"bounds": bounds, "start_s": start_s, "end_s": end_s, "tail_ms": float(tail_ms),
                         "format": "WAV 32-bit float", "render_action": 42230, **settings},
        }
        write_text(json_path, json.dumps(doc, indent=2, allow_nan=False) + "\n")
    except BaseException:
        for p in written:
            if p.exists():
                p.unlink()
        raise
    step("done", 1.0)
    return BounceResult(raw=raw_a, pretreat=pre_a, json_path=json_path, bus=choice, bypassed_fx=bypassed,
                        reaper_version=version, settings=dict(doc["settings"]))
