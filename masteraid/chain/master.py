"""Measure, design, render, write the spec: the whole mastering job on files, for the CLI and REAPER.

:func:`master_files` is what ``masteraid master`` and the REAPER action "MasterAid - Mastering chain"
both run: the compare with the pre-treat (or the raw's analysis alone), :func:`~.design.design_chain`,
:func:`~.render.render_chain` toward the pre-treat's tone, and the rendered spec written as JSON beside
the master. Output names are the caller's (both must not exist: nothing is overwritten).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from ..audio import new_files, write_text
from ..audit import refuse_corrupt
from .design import design_chain
from .render import RenderResult, render_chain

__all__ = ["MasterRun", "PlrAdvice", "master_files", "plr_advice", "COMPARE_MEMORY_MB", "MASTER_SUFFIX", "CHAIN_SUFFIX"]

#: Default names: ``<raw stem> - master.wav``, and ``<master stem>.chain.json`` beside it.
MASTER_SUFFIX = " - master.wav"
CHAIN_SUFFIX = ".chain.json"

#: Decoded samples (both renders) above which the compare streams (see ``compare()``): the render
#: that follows needs ~110 MB, so a pair over 96 MB of samples (about 2 minutes at 48 kHz stereo) is
#: streamed and the whole job stays under 300 MB whatever the length.
COMPARE_MEMORY_MB = 96.0


@dataclass(frozen=True, eq=False)
class MasterRun:
    """What :func:`master_files` measured, designed and wrote.

    Attributes
    ----------
    raw : Measurements
        The raw's measurements.
    comparison : Comparison or None
        Raw vs pre-treat (``None`` without a reference), compared without the distortion residual
        (``compare(..., residual=False)``: its ``distortion.residual_db`` is NaN).
    result : RenderResult
        The render; ``result.spec`` is the chain as rendered (the limiter's drive refined).
    chain_path : Path
        Where that spec was written (JSON).
    measure_s, render_s : float
        Wall time of the measuring, and of the design and render.
    """

    raw: object
    comparison: object
    result: RenderResult
    chain_path: Path
    measure_s: float
    render_s: float


#: The master's PLR this far (dB) or more below the pre-treat's gets :func:`plr_advice`.
PLR_ADVICE_DB = 1.0


@dataclass(frozen=True)
class PlrAdvice:
    """The loudness at which the master would keep the pre-treat's PLR, and what it costs on streaming.

    Attributes
    ----------
    plr_deficit_db : float
        Pre-treat PLR minus the master's (positive).
    suggested_target_lufs : float
        The master's true peak minus the pre-treat's PLR, rounded down to 0.1 LU.
    same_playback : tuple of str
        Streaming services (``masteraid match``'s preview) that play the master at the same loudness
        at either target (within 0.1 LU).
    services : int
        Services in that preview.
    text : str
        The advice in words.
    """

    plr_deficit_db: float
    suggested_target_lufs: float
    same_playback: tuple
    services: int
    text: str


def plr_advice(run: MasterRun) -> Optional[PlrAdvice]:
    """When the master came out :data:`PLR_ADVICE_DB` or more below the pre-treat's PLR, the usual reason:
    the pre-treat's loudness was reached under a lower ceiling than the pre-treat's own true peak, so the
    limiter had to take that much more off the peaks. Says at which target the master would keep the
    pre-treat's PLR, and on how many streaming services that lower master would play just as loud (a
    service that turns both down to its own target plays them the same). ``None`` without a pre-treat,
    or when there is nothing to say."""
    from ..match import playback_of

    if run.comparison is None:
        return None
    r, pre = run.result, run.comparison.pretreat
    pre_plr, pre_tp = float(pre.dynamics.plr_db), float(pre.peaks.true_peak_dbtp)
    if not all(math.isfinite(v) for v in (r.plr_db, pre_plr, pre_tp, r.integrated_lufs)):
        return None
    deficit = pre_plr - r.plr_db
    if deficit < PLR_ADVICE_DB:
        return None
    target = r.spec.target_lufs
    suggested = math.floor((r.true_peak_dbtp - pre_plr) * 10.0) / 10.0
    now = playback_of(r.integrated_lufs, r.true_peak_dbtp)
    then = playback_of(suggested, r.true_peak_dbtp)
    same = tuple(a.name for a, b in zip(now, then) if a.policy_known and b.policy_known
                 and abs(a.playback_lufs - b.playback_lufs) <= 0.1)
    why = (f" under the {r.spec.limiter.ceiling_dbtp:.1f} dBTP ceiling (the pre-treat peaks at {pre_tp:+.1f} dBTP)"
           if pre_tp > r.spec.limiter.ceiling_dbtp else "")
    text = (f"The master's PLR is {deficit:.1f} dB below the pre-treat's ({r.plr_db:.1f} vs {pre_plr:.1f} dB): "
            f"reaching {target:.2f} LUFS{why} takes that much more limiting than the pre-treat did. "
            f"At about {suggested:.1f} LUFS (--target-lufs {suggested:.1f}) the master keeps the pre-treat's PLR; ")
    if len(same) == len(now):
        text += f"all {len(now)} streaming services in the preview play it just as loud there."
    elif same:
        text += f"{len(same)} of the {len(now)} streaming services in the preview play it just as loud there."
    else:
        text += "it plays quieter on the streaming services in the preview, though."
    return PlrAdvice(plr_deficit_db=deficit, suggested_target_lufs=suggested, same_playback=same,
                     services=len(now), text=text)


def master_files(raw_src, reference_src, out: Path, chain_path: Path, *, target_lufs: Optional[float] = None,
                 ceiling_dbtp: Optional[float] = None, subtype: str = "PCM_24", progress=None,
                 before_render: Optional[Callable[[], None]] = None) -> MasterRun:
    """Master ``raw_src`` (toward ``reference_src``, the pre-treat, when given) into ``out``.

    Parameters
    ----------
    raw_src, reference_src : path-like or source
        The raw render; the pre-treat or ``None``.
    out, chain_path : Path
        The master (written atomically by the render) and its chain spec (JSON); neither may exist.
    target_lufs, ceiling_dbtp : float or None
        Overrides of the design's target and ceiling.
    subtype : str
        The master's soundfile subtype.
    progress : callable(stage, fraction) or None
    before_render : callable or None
        Called once between the measuring and the render (the CLI tunes its allocator there).

    Returns
    -------
    MasterRun

    Raises
    ------
    AudioFileError
        An output folder is missing or refuses a new file (checked first).
    InvalidAudioError
        The raw or the pre-treat has NaN/Inf samples or peaks over
        :data:`~masteraid.audit.BLOWN_UP_PEAK_DBFS` (:func:`~masteraid.audit.refuse_corrupt`; nothing is
        written).
    """
    from ..analysis import analyze
    from ..audio import check_writable_folder
    from ..compare import compare

    for folder in {Path(out).parent, Path(chain_path).parent}:  # before the long work, not after it
        check_writable_folder(folder)
    t0 = time.perf_counter()
    comparison = None
    if reference_src is not None:
        # the design reads the tone, the gain reduction's 95th percentile and both measurements: the
        # residual's pass (a third of the compare's time) would be spent on nothing it uses
        comparison = compare(raw_src, reference_src, progress=progress, memory_limit_mb=COMPARE_MEMORY_MB,
                             residual=False)
        raw_m = comparison.raw
    else:
        raw_m = analyze(raw_src, progress=progress)
    refuse_corrupt(raw_m, "raw")
    if comparison is not None:
        refuse_corrupt(comparison.pretreat, "pre-treat")
    t1 = time.perf_counter()
    spec = design_chain(raw_m, comparison, target_lufs=target_lufs, ceiling_dbtp=ceiling_dbtp)
    tonal_reference = None
    if comparison is not None and math.isfinite(comparison.pretreat.loudness.integrated_lufs):
        ps = comparison.pretreat.spectrum
        tonal_reference = (ps.bands_hz, ps.band_levels_db - comparison.pretreat.loudness.integrated_lufs)
    if before_render is not None:
        before_render()
    with new_files() as made:  # the master without the spec that says what it is: not left half done
        result = render_chain(raw_src, spec, out, subtype=subtype, tonal_reference=tonal_reference, progress=progress)
        made.append(result.path)
        written = write_text(chain_path, result.spec.dumps() + "\n")
    return MasterRun(raw=raw_m, comparison=comparison, result=result, chain_path=written, measure_s=t1 - t0,
                     render_s=time.perf_counter() - t1)
