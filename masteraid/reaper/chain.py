"""The mastering chain in REAPER: the raw render through ReaEQ, ReaComp and ReaLimit set to the chain's
values, next to the offline preview of the same chain.

:func:`build_chain` takes the two renders of the newest dual bounce (or explicit files), runs the
same job as ``masteraid master`` (:func:`masteraid.chain.master.master_files`: compare, design, an
offline render toward the pre-treat's loudness and tone, the spec as JSON; new files beside the raw,
nothing overwritten), then adds two tracks at the project start, both soloed:

* ``MasterAid chain - raw through ReaEQ/ReaComp/ReaLimit``: the raw render, its take volume at the
  chain's input gain, and the chain as stock Cockos FX with the spec's values
  (:func:`fx_plan`), each set and read back through :mod:`.fxparams`. It is the engineer's
  starting point: editable, live.
* ``MasterAid chain - offline preview``: the rendered master, muted. It is what MasterAid measured
  (loudness, true peak). ReaComp and ReaLimit are not MasterAid's compressor and limiter (detector,
  lookahead and release curves differ), so the live chain is close to the preview, not identical.

The mapping (:func:`fx_plan`, pure; the values are the spec's, converted only where the units differ).
What the stock plug-ins are is taken from public dumps of REAPER 7.79-7.82 (parameter names and
order, raw ranges, display texts; ``docs/reaper-stock-fx.md`` lists them with sources); every value is still found through the plug-in's own display and
read back (:mod:`.fxparams`), so a REAPER that differs fails loudly:

* input gain -> the raw item's take volume (before the FX, as in the spec);
* EQ bands -> ReaEQ bands, four per instance (a fresh ReaEQ has four or five; the bands past the
  chain's are switched off, whatever their number), a second instance for bands five and six: type
  through the named config ``BANDTYPE<b>`` (8 band, 0 low shelf, 1 high shelf; API-NOTES §5),
  frequency in Hz, gain in dB. A band's bandwidth (octaves) is the one that gives the spec's Q in the
  RBJ cookbook's bandwidth form at the project's rate; a shelf's is ``1/sqrt(S)`` for the cookbook
  slope ``S`` of the spec's Q and gain (ReaEQ's shelves are RBJ shelves of slope ``1/BW**2`` by one
  source that measured renders: UNCONFIRMED). Its Global Gain stays at 0 dB;
* compressor -> ReaComp: threshold, ratio, attack, release, knee; Pre-comp (lookahead) 0 and RMS
  size 0 (peak detection, as MasterAid's), auto make-up and auto release off, Dry off;
* the gain from the compressor's output to the limiter (makeup plus drive) -> ReaLimit's threshold,
  ``-gain`` (ReaLimit's output is ``input + ceiling - threshold``, UG §16.14), so ReaComp's Wet (its
  output gain, which stops at +6 dB) stays at 0 dB. A negative gain (a quiet target) goes into
  ReaComp's Wet instead, or into the take volume when there is no compressor (the chain before the
  limiter is then linear);
* limiter -> ReaLimit: ceiling and release (the release's range is unclear between versions: a
  value out of it is set to the nearest end and said in the console), true peak on when it has such
  a switch (a parameter, or the named config ``TRUEPEAK``; else the console says its ceiling is a
  sample-peak ceiling). Its lookahead is its own.

The job runs inside the action's call, so REAPER does not respond until it is done: about 1.2 to
1.3 s per minute of song on two cores (``benchmarks/bench_master.py``: 2.9 s for 2.3 minutes, 5.7 s
for 4.8). Its worker threads start and end within that call, while the script's own thread runs. A
thread left running after the call, polled from ``RPR_defer``, would keep REAPER responsive, but how
REAPER's embedded Python schedules threads between deferred calls is UNCONFIRMED, and the one public
report is against it (a reapy contributor, RomeoDespres/reapy issue #45, 2019: REAPER "really don't
like python threads, and handles them properly only at one script at time"; "anything done inside
child thread is better to bring to defer"). So the action blocks, for a bounded time, rather than
risk a hung REAPER.

On any failure the half-made tracks are deleted and :class:`~.guard.ProjectState` restores the edit
cursor and selections; the whole change is one undo point named :data:`ACTION_NAME`. The master and
spec files stay (they are new files, and valid).
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..audio import unique_path
from ..chain.master import CHAIN_SUFFIX, MASTER_SUFFIX, MasterRun, master_files, plr_advice
from ..chain.spec import ChainSpec
from ..errors import ReaperError
from ..units import db_to_gain
from ._api import CheckedApi, api
from .ab import latest_bounce
from .bounce import _project, _project_rate
from .fxparams import ParamTarget, parse_display, set_param
from .guard import ProjectState, undo_block
from .media import delete_tracks, insert_file_track, inserting_media, name_track, set_checked
from .tracks import active_master_fx, is_null, soloed_tracks, track_guid

__all__ = ["ACTION_NAME", "CHAIN_TRACK", "PREVIEW_TRACK", "FxStage", "FxPlan", "fx_plan", "q_to_bandwidth_oct", "shelf_bandwidth_oct",
           "ChainBuild", "build_chain", "chain_summary"]

#: The undo point's name (= the action's name in REAPER's Actions list).
ACTION_NAME = "MasterAid: Mastering chain"
CHAIN_TRACK = "MasterAid chain - raw through ReaEQ/ReaComp/ReaLimit"
PREVIEW_TRACK = "MasterAid chain - offline preview"

REAEQ, REACOMP, REALIMIT = "ReaEQ (Cockos)", "ReaComp (Cockos)", "ReaLimit (Cockos)"
#: Bands used per ReaEQ instance. A fresh ReaEQ has four (older builds) or five (REAPER 7: low shelf,
#: band, band, high shelf, and a high pass that is off) and ``BANDTYPE<b>`` past the last is refused;
#: four fit every build, so bands five and six go into a second instance.
REAEQ_BANDS = 4
#: ``BANDTYPE<b>`` codes (API-NOTES §5, two public scripts agree).
BANDTYPE = {"low_shelf": 0, "high_shelf": 1, "peaking": 8}

_DB = dict(unit="dB", abs_tol=0.06)
_MS = dict(unit="ms", abs_tol=0.06, rel_tol=0.02)


def q_to_bandwidth_oct(q: float, frequency_hz: float, rate: int) -> float:
    """The bandwidth (octaves) that gives the same biquad as ``q`` in the RBJ cookbook's BW form.

    Cookbook: ``alpha = sin(w0) / (2 Q)`` and ``alpha = sin(w0) sinh(ln2 / 2 * BW * w0 / sin(w0))``,
    so ``BW = 2 asinh(1 / (2 Q)) sin(w0) / (ln2 w0)`` with ``w0 = 2 pi f0 / fs``.
    """
    w0 = 2.0 * math.pi * frequency_hz / rate
    return 2.0 * math.asinh(1.0 / (2.0 * q)) * math.sin(w0) / (math.log(2.0) * w0)


@dataclass(frozen=True)
class FxStage:
    """One FX to add: its name for ``TrackFX_AddByName``, a label for messages, named config values
    set first (``BANDTYPE0`` ...), then parameters."""

    plugin: str
    label: str
    config: tuple[tuple[str, str], ...]
    params: tuple[ParamTarget, ...]
    #: ReaEQ: switch off every band from this one on (a fresh ReaEQ has four or five, UNCONFIRMED)
    disable_from_band: Optional[int] = None
    #: ``(parameter, config key, value, note)``: when the optional parameter is missing, the named config
    #: of the same meaning is tried (``TRUEPEAK``), and the note (``{label}`` filled) said if refused too
    fallbacks: tuple[tuple[str, str, str, str], ...] = ()


@dataclass(frozen=True)
class FxPlan:
    """The chain as REAPER values: the take volume (dB) and the FX, in order."""

    take_gain_db: float
    stages: tuple[FxStage, ...]


def shelf_bandwidth_oct(q: float, gain_db: float) -> float:
    """ReaEQ's shelf "bandwidth" for an RBJ shelf of quality ``q`` and gain ``gain_db``.

    ReaEQ's shelves are RBJ shelves of slope ``S = 1 / BW**2`` (one public source, which measured
    renders; UNCONFIRMED). The cookbook's ``1/Q**2 = (A + 1/A)(1/S - 1) + 2`` gives ``S`` from ``Q``:
    ``Q = 1/sqrt(2)`` is ``S = 1``, a bandwidth of 1.
    """
    a = 10.0 ** (gain_db / 40.0)
    s = 1.0 / ((1.0 / q ** 2 - 2.0) / (a + 1.0 / a) + 1.0)
    return 1.0 / math.sqrt(s)


def _eq_stage(bands, number: int, rate: int) -> FxStage:
    config, params = [], []
    for b, band in enumerate(bands):
        config += [(f"BANDTYPE{b}", str(BANDTYPE[band.kind])), (f"BANDENABLED{b}", "1")]
        if band.kind == "peaking":
            bw = q_to_bandwidth_oct(band.q, band.frequency_hz, rate)
        else:
            bw = shelf_bandwidth_oct(band.q, band.gain_db)
        params += [
            ParamTarget(("Freq",), band.frequency_hz, "Hz", abs_tol=0.5, rel_tol=0.005, index=3 * b),
            ParamTarget(("Gain",), band.gain_db, index=3 * b + 1, **_DB),
            ParamTarget(("BW",), bw, "oct", abs_tol=0.005, rel_tol=0.01, index=3 * b + 2),
        ]
    # the output gain after the bands: 0 dB (a user's default preset may differ)
    params.append(ParamTarget(("Global Gain", "Gain"), 0.0, optional=True, **_DB))
    return FxStage(REAEQ, f"ReaEQ {number}", tuple(config), tuple(params), disable_from_band=len(bands))


def fx_plan(spec: ChainSpec, rate: int) -> FxPlan:
    """The chain's values as REAPER FX parameters (see the module docstring). ``rate``: the
    project's sample rate, where ReaEQ runs (a peaking band's bandwidth depends on it slightly)."""
    usable = [b for b in spec.eq_bands if b.gain_db != 0.0 and b.frequency_hz < rate / 2]
    stages = [_eq_stage(usable[i:i + REAEQ_BANDS], i // REAEQ_BANDS + 1, rate)
              for i in range(0, len(usable), REAEQ_BANDS)]
    c = spec.compressor
    # the gain between the compressor and the limiter's ceiling: makeup then drive. Into ReaLimit's
    # threshold (-gain) when positive (ReaComp's Wet stops at +6 dB); when negative, into ReaComp's
    # Wet, or into the take volume when there is no compressor (the chain before is then linear)
    gain = spec.limiter.drive_db + (c.makeup_db if c is not None else 0.0)
    below = min(gain, 0.0)
    take_gain = spec.input_gain_db
    if c is not None:
        stages.append(FxStage(REACOMP, "ReaComp", (), (
            ParamTarget(("Threshold", "Thresh"), c.threshold_db, **_DB),
            ParamTarget(("Ratio",), c.ratio, "", abs_tol=0.06, rel_tol=0.01),
            ParamTarget(("Attack",), c.attack_ms, **_MS),
            ParamTarget(("Release",), c.release_ms, **_MS),
            ParamTarget(("Knee", "Knee size"), c.knee_db, **_DB),
            ParamTarget(("Pre-comp", "Precomp"), 0.0, "ms", abs_tol=0.06, optional=True),
            ParamTarget(("RMS size", "RMS"), 0.0, "ms", abs_tol=0.06, optional=True),
            ParamTarget(("Auto Make Up Gain", "AutoMkUp", "Auto make-up"), 0.0, "", 0.0, optional=True, toggle=True),
            ParamTarget(("Auto Release", "AutoRel"), 0.0, "", 0.0, optional=True, toggle=True),
            ParamTarget(("Wet",), below, **_DB),
            ParamTarget(("Dry",), -math.inf, "dB", abs_tol=0.0, optional=True),
        )))
    else:
        take_gain += below
    lim = spec.limiter
    stages.append(FxStage(REALIMIT, "ReaLimit", (), (
        ParamTarget(("Threshold", "Thresh"), -max(gain, 0.0), **_DB),
        ParamTarget(("Ceiling",), lim.ceiling_dbtp, **_DB),
        ParamTarget(("Release",), lim.release_ms, clamp=True, **_MS),
        ParamTarget(("True peak", "Truepeak", "True-peak"), 1.0, "", 0.0, optional=True, toggle=True),
    ), fallbacks=(("True peak", "TRUEPEAK", "1",
                   "{label} here has no true-peak mode: its ceiling is a sample-peak ceiling, and inter-sample "
                   "peaks can pass it (the offline preview is true-peak limited)"),)))
    return FxPlan(take_gain_db=take_gain, stages=tuple(stages))


@dataclass(frozen=True)
class ChainBuild:
    """What :func:`build_chain` did.

    Attributes
    ----------
    run : MasterRun
        The offline job: measurements, the render (``run.result``: the master, its loudness and
        true peak, the spec as rendered) and the spec's JSON path.
    master_path : Path
        The offline preview (the rendered master).
    raw, pretreat : Path or None
        The files used.
    plan : FxPlan
        The FX values set.
    shown : tuple of (label, group, parameter, text, unit)
        What REAPER displays for every parameter set, as read back (``group``: ``"band 2"`` for a
        ReaEQ band's parameters, else empty).
    chain_track, preview_track : str
        The new tracks' GUIDs.
    notes : tuple of str
        What the live chain could not take (e.g. no true-peak mode in this ReaLimit).
    master_fx : tuple of str
        Enabled FX on the master's chain: they process the new tracks too.
    soloed_before : tuple of str
        Tracks that were already soloed and playing (an A/B, say): they play along.
    bounce_json : Path or None
    """

    run: MasterRun
    master_path: Path
    raw: Path
    pretreat: Optional[Path]
    plan: FxPlan
    shown: tuple
    chain_track: str
    preview_track: str
    notes: tuple[str, ...] = ()
    master_fx: tuple[str, ...] = ()
    soloed_before: tuple[str, ...] = ()
    bounce_json: Optional[Path] = None


def _config(rpr: CheckedApi, track: str, idx: int, key: str, value: str) -> bool:
    """Set a named config value and read it back; ``False`` when REAPER refuses the key."""
    ok = rpr.TrackFX_SetNamedConfigParm(track, idx, key, value)
    got = rpr.TrackFX_GetNamedConfigParm(track, idx, key, "", 64)
    return bool(ok and got[0] and parse_display(str(got[4])) == parse_display(value))


def _add_fx(rpr: CheckedApi, track: str, stage: FxStage) -> tuple[list, list[str]]:
    """Add one FX at the end of the chain and set it; returns (shown rows, notes)."""
    count = int(rpr.TrackFX_GetCount(track))
    idx = int(rpr.TrackFX_AddByName(track, stage.plugin, False, -1))
    short = stage.plugin.split(" (")[0]
    if idx < 0:
        raise ReaperError(f"REAPER could not add {stage.plugin}: is it installed (FX browser, Cockos)?")
    name = str(rpr.TrackFX_GetFXName(track, idx, "", 256)[3])
    if idx != count or int(rpr.TrackFX_GetCount(track)) != count + 1 or short.lower() not in name.lower():
        raise ReaperError(f"REAPER added {name!r} at #{idx + 1} when MasterAid asked for a new {stage.plugin} at "
                          f"#{count + 1}")
    for key, value in stage.config:
        if not _config(rpr, track, idx, key, value):
            got = str(rpr.TrackFX_GetNamedConfigParm(track, idx, key, "", 64)[4])
            raise ReaperError(f"{stage.label} did not take {key} = {value} (reads {got!r}): this REAPER's "
                              f"{short} differs from what MasterAid knows — report your REAPER version")
    if stage.disable_from_band is not None:
        b = stage.disable_from_band
        while rpr.TrackFX_GetNamedConfigParm(track, idx, f"BANDTYPE{b}", "", 64)[0]:  # false past the last band
            if not _config(rpr, track, idx, f"BANDENABLED{b}", "0"):
                raise ReaperError(f"{stage.label} did not switch off its unused band {b + 1}")
            b += 1
    shown, notes = [], []
    for target in stage.params:
        text = set_param(rpr, track, idx, stage.label, target)
        if text is None:
            for param, key, value, note in stage.fallbacks:
                if param == target.names[0]:
                    if _config(rpr, track, idx, key, value):
                        shown.append((stage.label, "", param, "on" if target.toggle else value, target.unit))
                    else:
                        notes.append(note.format(label=stage.label))
            continue
        group = f"band {target.index // 3 + 1}" if target.index is not None else ""
        shown.append((stage.label, group, target.names[0], text, target.unit))
        if target.clamp and not target.close(parse_display(text) or math.nan, text):
            notes.append(f"{stage.label}'s {target.names[0]} reaches only {text} {target.unit}, not the chain's "
                         f"{target.value:g} {target.unit}")
    return shown, notes


def _set_take_gain(rpr: CheckedApi, item: str, gain_db: float) -> None:
    take = rpr.GetActiveTake(item)
    if is_null(take):
        raise ReaperError("REAPER inserted the raw render as an item without a take: the chain's input gain has "
                          "nowhere to go")
    value = db_to_gain(gain_db)
    rpr.SetMediaItemTakeInfo_Value(take, "D_VOL", value)
    now = float(rpr.GetMediaItemTakeInfo_Value(take, "D_VOL"))
    if not math.isclose(now, value, rel_tol=1e-6):
        raise ReaperError(f"REAPER did not take the chain's input gain ({gain_db:+.2f} dB) as the raw take's volume "
                          f"(reads back {now:g})")


def build_chain(project=None, *, raw=None, pretreat=None, target_lufs: Optional[float] = None,
                ceiling_dbtp: Optional[float] = None) -> ChainBuild:
    """Master the raw render offline and put the chain on new tracks (see the module docstring).

    Parameters
    ----------
    project : reapy.Project, pointer string or None
        The project (``None``: the current one); it must be the active project.
    raw, pretreat : path-like, keyword-only, optional
        Explicit files (``pretreat`` may be left out: the chain is then designed from the raw
        alone, toward -14 LUFS). Neither: the renders of the newest dual bounce next to the project.
    target_lufs, ceiling_dbtp : float or None
        Overrides of the design's target and ceiling.

    Raises
    ------
    ReaperError
        No bounce found, a file missing, not the active project (nothing changed, no files
        written); or REAPER disagreed with a checked step (the half-made tracks are removed).
    """
    if raw is None and pretreat is not None:
        raise ReaperError("give the raw file (the pre-treat alone cannot be mastered)")
    rpr = api()
    proj, rpp = _project(rpr, project)
    bounce_json = None
    if raw is None:
        hit = latest_bounce(Path(rpp).parent) if rpp else None
        if hit is None:
            where = f"next to {Path(rpp).name}" if rpp else "(the project is not saved)"
            raise ReaperError(f"no dual bounce found {where}: run \"MasterAid - Dual bounce\" first")
        raw, pretreat, bounce_json = hit
    raw_path = Path(raw).resolve()
    pre_path = Path(pretreat).resolve() if pretreat is not None else None
    for what, p in (("raw", raw_path), ("pretreat", pre_path)):
        if p is not None and not p.is_file():
            raise ReaperError(f"the {what} file {p} does not exist: bounce again or pick the file")
    if rpr.EnumProjects(-1, "", 4096)[0] != proj:
        raise ReaperError("the chain goes into the active project only: switch to that project's tab first")

    out = unique_path(raw_path.with_name(raw_path.stem + MASTER_SUFFIX))
    run = master_files(raw_path, pre_path, out, unique_path(out.with_name(out.stem + CHAIN_SUFFIX)),
                       target_lufs=target_lufs, ceiling_dbtp=ceiling_dbtp)
    plan = fx_plan(run.result.spec, _project_rate(rpr, proj) or run.result.sample_rate_hz)
    master_fx = active_master_fx(rpr, proj)
    soloed_before = soloed_tracks(rpr, proj)

    created: list[str] = []
    shown: list = []
    notes: list[str] = []
    with undo_block(rpr, proj, ACTION_NAME):
        with ProjectState(rpr, proj) as state:
            try:
                with inserting_media(rpr, proj, state):
                    track, item = insert_file_track(rpr, proj, raw_path, created,
                                                    "the chain would be out of time with its preview")
                    name_track(rpr, track, CHAIN_TRACK, "the chain track")
                    _set_take_gain(rpr, item, plan.take_gain_db)
                    for stage in plan.stages:
                        rows, stage_notes = _add_fx(rpr, track, stage)
                        shown += rows
                        notes += stage_notes
                    set_checked(rpr, track, "I_SOLO", 1, "the chain track")
                    preview, _ = insert_file_track(rpr, proj, out, created,
                                                   "the preview would be out of time with the chain")
                    name_track(rpr, preview, PREVIEW_TRACK, "the preview track")
                    set_checked(rpr, preview, "I_SOLO", 1, "the preview track")
                    set_checked(rpr, preview, "B_MUTE", 1, "the preview track")
                    guids = (track_guid(rpr, track), track_guid(rpr, preview))
            except BaseException:
                delete_tracks(rpr, proj, created, "MasterAid chain - ...")
                raise
    return ChainBuild(run=run, master_path=out, raw=raw_path, pretreat=pre_path, plan=plan, shown=tuple(shown),
                      chain_track=guids[0], preview_track=guids[1], notes=tuple(notes), master_fx=master_fx,
                      soloed_before=soloed_before, bounce_json=bounce_json)


def chain_summary(b: ChainBuild) -> str:
    """The console text of one run: the chain as REAPER shows it, the preview's measurements."""
    r = b.run.result
    spec = r.spec
    lines = [f"MasterAid mastering chain for {b.raw.name}"
             + (f" (toward {b.pretreat.name})" if b.pretreat else f" (no pre-treat: toward {spec.target_lufs:.1f} LUFS)")
             + ":"]
    lines.append(f"  offline preview {b.master_path.name}: {r.integrated_lufs:.2f} LUFS (target {spec.target_lufs:.2f}), "
                 f"true peak {r.true_peak_dbtp:.2f} dBTP (ceiling {spec.limiter.ceiling_dbtp:.1f}); spec in "
                 f"{b.run.chain_path.name}")
    lines.append(f"  raw take volume {b.plan.take_gain_db:+.2f} dB (the chain's input gain)")
    by_fx: dict = {}
    for label, group, param, text, unit in b.shown:
        by_fx.setdefault(label, {}).setdefault(group, []).append(f"{param} {text}" + (f" {unit}" if unit else ""))
    for label, groups in by_fx.items():
        lines.append(f"  {label}: " + "; ".join((f"{g} " if g else "") + ", ".join(v) for g, v in groups.items()))
    lines.append("  Both tracks are soloed; the preview is muted. The live chain is an editable starting point:")
    lines.append("  ReaComp and ReaLimit are not MasterAid's compressor and limiter, so it comes close to the")
    lines.append("  preview without matching it exactly. Meter the live chain before you trust its loudness.")
    for n in b.notes:
        lines.append(f"  note: {n}")
    advice = plr_advice(b.run)
    if advice is not None:
        lines += textwrap.wrap(advice.text, 100, initial_indent="  ", subsequent_indent="  ")
    if b.soloed_before:
        lines.append(f"  Also soloed and playing: {', '.join(b.soloed_before)}. Mute or unsolo them while you "
                     "listen to the chain, or you hear both.")
    if b.master_fx:
        lines.append(f"  Bypass the master FX chain while listening: its FX ({', '.join(b.master_fx)}) process "
                     "these tracks too; switch it back on afterwards.")
    return "\n".join(lines) + "\n"
