"""Streaming meters and the one-pass :func:`analyze` that produces :class:`Measurements`.

Every meter follows one protocol: ``Meter(rate_hz, channels)``, ``.feed(block)`` with consecutive
``(frames, channels)`` float64 blocks of any size whose non-finite samples were replaced by 0, and
``.result()`` returning its section of :class:`Measurements`. :func:`analyze` reads the file once and
feeds every meter from the same block, so memory does not grow with the file's length (except the
loudness series, 8 bytes per channel per 100 ms).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from typing import Callable, Optional

import numpy as np

from ..audio import DEFAULT_BLOCK_FRAMES, PathLike, Source, open_source
from ..units import power_to_db
from .loudness import LoudnessMeter, integrated_loudness
from .model import (
    DynamicsResult,
    EdgesResult,
    LoudnessResult,
    Measurements,
    PeaksResult,
    SpectrumResult,
    StereoResult,
)
from .peaks import PeaksMeter, true_peak

__all__ = [
    "analyze",
    "Measurements",
    "LoudnessResult",
    "PeaksResult",
    "DynamicsResult",
    "StereoResult",
    "SpectrumResult",
    "EdgesResult",
    "LoudnessMeter",
    "PeaksMeter",
    "integrated_loudness",
    "true_peak",
    "DEFAULT_BLOCK_FRAMES",
]

log = logging.getLogger(__name__)

#: ``progress(stage, fraction)``: ``stage`` is ``"analyze"`` while reading (fraction 0..1 of the frames),
#: then ``"results"`` once (fraction 1.0) when the meters are summarized.
ProgressCallback = Callable[[str, float], None]


def _dynamics(loud: LoudnessResult, peaks: PeaksResult, mean_square: float) -> DynamicsResult:
    rms = float(power_to_db(mean_square)) if not math.isnan(mean_square) else math.nan
    with np.errstate(invalid="ignore"):
        crest = peaks.sample_peak_dbfs - rms
        plr = peaks.true_peak_dbtp - loud.integrated_lufs
        psr = peaks.true_peak_dbtp - loud.max_short_term_lufs
    # inf - inf (silence) is undefined, not a number
    return DynamicsResult(
        rms_dbfs=rms,
        crest_factor_db=_finite_or_nan(crest),
        plr_db=_finite_or_nan(plr),
        psr_db=_finite_or_nan(psr),
    )


def _finite_or_nan(v: float) -> float:
    v = float(v)
    return v if math.isfinite(v) else math.nan


def analyze(
    source: "PathLike | Source",
    *,
    block_frames: int = DEFAULT_BLOCK_FRAMES,
    progress: Optional[ProgressCallback] = None,
) -> Measurements:
    """Measure a render in one pass: loudness, peaks, dynamics, stereo, spectrum, edges.

    Loudness per ITU-R BS.1770-4 / EBU R 128 (Tech 3341, LRA per Tech 3342), true peak per
    BS.1770-4 Annex 2. NaN/Inf samples (float files) are counted in
    ``peaks.nonfinite_samples`` and replaced by 0 for every measurement.

    Parameters
    ----------
    source : path-like or Source
        A file path, or a source from :func:`masteraid.audio.open_source` / ``ArraySource``.
    block_frames : int, keyword-only
        Frames read per block (results do not depend on it; memory does).
    progress : callable, keyword-only
        ``progress(stage: str, fraction: float)``, see :data:`ProgressCallback`.

    Returns
    -------
    Measurements

    Raises
    ------
    AudioFileError, InvalidAudioError
        The file cannot be read or measured (see :mod:`masteraid.audio`).
    """
    from .edges import EdgesMeter
    from .spectrum import SpectrumMeter
    from .stereo import StereoMeter

    src = open_source(source)
    info = src.info
    rate, ch = info.sample_rate_hz, info.channels
    loud = LoudnessMeter(rate, ch)
    peaks = PeaksMeter(rate, ch)
    others = {"stereo": StereoMeter(rate, ch), "spectrum": SpectrumMeter(rate, ch), "edges": EdgesMeter(rate, ch)}
    nonfinite = 0
    done = 0
    total = max(info.frames, 1)
    for block in src.blocks(block_frames):
        if not np.isfinite(block.sum()):  # cheap test; find the culprits only when there are some
            bad = ~np.isfinite(block)
            nonfinite += int(np.count_nonzero(bad))
            block = np.where(bad, 0.0, block)
        xt = np.ascontiguousarray(block.T)  # channel-major once, for the K-weighting and the peaks
        loud.feed_t(xt)
        peaks.feed_t(xt)
        for m in others.values():
            m.feed(block)
        done += block.shape[0]
        if progress is not None:
            progress("analyze", min(done / total, 1.0))
    if nonfinite:
        log.warning("%s: %d NaN/Inf samples were left out of the measurement", info.name, nonfinite)
    peaks.nonfinite_samples = nonfinite
    loud_r = loud.result()
    peaks_r = peaks.result()
    stereo_r = others["stereo"].result()
    if ch == 2:
        with np.errstate(invalid="ignore"):
            drop = loud_r.integrated_lufs - loud.fold_down_integrated_lufs
        stereo_r = dataclasses.replace(stereo_r, mono_loudness_drop_lu=float(drop) if not math.isnan(drop) else math.nan)
    result = Measurements(
        info=info,
        loudness=loud_r,
        peaks=peaks_r,
        dynamics=_dynamics(loud_r, peaks_r, peaks.mean_square),
        stereo=stereo_r,
        spectrum=others["spectrum"].result(),
        edges=others["edges"].result(),
    )
    if progress is not None:
        progress("results", 1.0)
    return result
