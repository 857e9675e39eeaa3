"""``compare(raw, pretreat)``: what the stereo-bus processing did, from two renders of one mix.

Stages (each a plain function on arrays, in the modules next to this one):

1. read both renders into memory as float32 (``2 x frames x channels x 4`` bytes: about 230 MB for two
   5-minute 48 kHz stereo files, plus a resampled copy of the pre-treat when the rates differ; the two
   files are decoded at once) and measure each fully with :func:`masteraid.analysis.analyze` (which
   streams over the arrays) on background threads, while stages 2-6 run on the same arrays (two
   cores: 5-minute pair 3.6 s sequential, see benchmarks/bench_compare.py for the figures now);
2. sanity: resample the pre-treat to the raw's rate (polyphase, :func:`scipy.signal.resample_poly`),
   upmix mono against stereo, note a length difference — each with a finding;
3. :func:`~masteraid.compare.align.align`: latency to the sample and polarity (unrelated files stop here
   with :class:`~masteraid.errors.MismatchError`);
4. :func:`~masteraid.compare.dynamics.frame_groups`: one 10 ms STFT pass into narrow-band sums; a first
   gain-reduction trace with the filter that pass estimates itself; the width per band;
5. :func:`~masteraid.compare.spectral.cross_spectra` (Welch, ~3 Hz resolution) with that gain reduction
   undone: the transfer function, coherence and tonal change per 1/3 octave, not biased by compression;
6. the gain trace again through that filter (per band, no new FFT), transient reduction, residual;
7. findings, ranked (including the streaming-normalization findings of :mod:`masteraid.match`).

Dependency direction: ``compare`` uses ``match`` (which only knows :class:`Measurements`), never the
other way round, so the loudness-matching stage stays usable on any set of renders.
"""

from __future__ import annotations

import logging
import math
import threading
from math import gcd
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator

import numpy as np


from .._blas import single_threaded_blas
from ..audio import AudioInfo, FileSource, open_source
from ..errors import MismatchError
from ..findings import Finding, rank
from .align import align, aligned_slices
from .dynamics import dynamics_change, frame_groups, gain_restoring, project, residual_db
from .model import Comparison, Distortion, LevelsComparison, MetricDelta, StereoChange
from .spectral import band_side_to_mid_db, cross_spectra, tonal_change

__all__ = ["compare", "MIN_OVERLAP_S"]

log = logging.getLogger(__name__)

#: Shortest aligned overlap that can be compared, s.
MIN_OVERLAP_S = 2.0

Progress = Callable[[str, float], None]


class _MemorySource:
    """A float32 array in memory behind a file's :class:`AudioInfo`, streamed as float64 blocks (until
    ``cancel`` is set)."""

    def __init__(self, samples: np.ndarray, info: AudioInfo, cancel: threading.Event | None = None):
        self.samples = samples
        self.info = info
        self.cancel = cancel

    def blocks(self, block_frames: int = 65536) -> Iterator[np.ndarray]:
        for s in range(0, self.samples.shape[0], block_frames):
            if self.cancel is not None and self.cancel.is_set():
                return  # the compare failed: its measurements are not needed
            yield self.samples[s : s + block_frames].astype(np.float64)


def _read32(src) -> np.ndarray:
    """The whole stream as float32 ``(frames, channels)``; files are decoded straight into the array."""
    if isinstance(src, FileSource):
        return src.read_all()
    info = src.info
    out = np.empty((info.frames, info.channels), dtype=np.float32)
    pos = 0
    for block in src.blocks(1 << 18):
        n = block.shape[0]
        if pos + n > out.shape[0]:  # a source longer than its header says (rare): grow
            out = np.concatenate((out[:pos], np.empty((n, out.shape[1]), np.float32)))
        out[pos : pos + n] = block
        pos += n
    return out[:pos]


class _Measuring:
    """Both renders measured by :func:`masteraid.analysis.analyze` on background threads while the
    compare works on the same arrays (they are only read). Progress is reported as one ``"measuring"``
    stage, the mean fraction of the two (``progress`` is expected to serialize its calls)."""

    def __init__(self, arrays, progress: Progress | None, cancel: threading.Event, threads: tuple[bool, ...]):
        from ..analysis import analyze  # the measurement engine

        self._fractions = [0.0] * len(arrays)
        self._progress = progress
        self._results: list = [None] * len(arrays)
        self._errors: list = [None] * len(arrays)

        def run(i, samples, info):
            def cb(_stage, fraction):
                self._report(i, fraction)
            try:
                self._results[i] = analyze(_MemorySource(samples, info, cancel), progress=cb if progress else None,
                                          threads=threads[i])
            except BaseException as exc:  # noqa: BLE001 - re-raised by result()
                self._errors[i] = exc

        self._threads = [threading.Thread(target=run, args=(i, a, inf), name=f"masteraid-measure-{i}", daemon=True)
                         for i, (a, inf) in enumerate(arrays)]
        for t in self._threads:
            t.start()

    def _report(self, i: int, fraction: float) -> None:
        self._fractions[i] = fraction
        self._progress("measuring", sum(self._fractions) / len(self._fractions))

    def result(self) -> list:
        """Wait for both; the measurements in order, or the first error re-raised."""
        for t in self._threads:
            t.join()
        for err in self._errors:
            if err is not None:
                raise err
        return list(self._results)


def _delta(a: float, b: float) -> MetricDelta:
    a, b = float(a), float(b)
    d = b - a if (math.isfinite(a) and math.isfinite(b)) else float("nan")
    return MetricDelta(raw=a, pretreat=b, delta=d)


def _levels(raw, pre) -> LevelsComparison:
    return LevelsComparison(
        integrated_lufs=_delta(raw.loudness.integrated_lufs, pre.loudness.integrated_lufs),
        loudness_range_lu=_delta(raw.loudness.loudness_range_lu, pre.loudness.loudness_range_lu),
        max_momentary_lufs=_delta(raw.loudness.max_momentary_lufs, pre.loudness.max_momentary_lufs),
        max_short_term_lufs=_delta(raw.loudness.max_short_term_lufs, pre.loudness.max_short_term_lufs),
        true_peak_dbtp=_delta(raw.peaks.true_peak_dbtp, pre.peaks.true_peak_dbtp),
        plr_db=_delta(raw.dynamics.plr_db, pre.dynamics.plr_db),
        psr_db=_delta(raw.dynamics.psr_db, pre.dynamics.psr_db),
        crest_factor_db=_delta(raw.dynamics.crest_factor_db, pre.dynamics.crest_factor_db),
    )


def _sub(a: float, b: float) -> float:
    return b - a if (math.isfinite(a) and math.isfinite(b)) else float("nan")


def compare(raw, pretreat, *, progress: Progress | None = None) -> Comparison:
    """Compare a raw render with the pre-treated render of the same mix.

    Parameters
    ----------
    raw, pretreat : path-like or Source
        The render without and with the stereo-bus FX.
    progress : callable(stage: str, fraction: float), keyword-only, optional
        Called with named stages (``"reading"``, ``"measuring"`` (both renders), ``"aligning"``,
        ``"spectra"``, ``"gain trace"``, ``"findings"``) and a 0..1 fraction. The measuring runs at the
        same time as aligning, spectra and gain trace (on other threads), so their calls interleave;
        they are never concurrent.

    Returns
    -------
    Comparison

    Raises
    ------
    MismatchError
        The renders are not of the same mix (no meaningful correlation at any latency up to ±1 s),
        do not overlap, or have incompatible channel layouts.
    AudioFileError, InvalidAudioError
        A file cannot be read or measured.
    """
    src_r, src_p = open_source(raw), open_source(pretreat)
    ri, pi = src_r.info, src_p.info
    if ri.channels != pi.channels and 1 not in (ri.channels, pi.channels):
        raise MismatchError(
            f"{ri.name} has {ri.channels} channels and {pi.name} has {pi.channels}: "
            "render both with the same channel layout (stereo)"
        )
    lock = threading.Lock()

    def step(stage: str, fraction: float) -> None:
        if progress is not None:
            with lock:
                progress(stage, fraction)

    step("reading", 0.0)
    with ThreadPoolExecutor(2, thread_name_prefix="masteraid-read") as pool:  # libsndfile releases the GIL
        x, y = pool.map(_read32, (src_r, src_p))
    step("reading", 1.0)
    with single_threaded_blas():
        cancel = threading.Event()
        # the pre-treat's measurement is the heavier one (limited material: nearly every sample is
        # oversampled for the true peak), so it keeps its worker lanes; measured on two cores, 5-minute
        # pair: 2.3-2.45 s against 2.6-2.9 s with both on one thread each
        measuring = _Measuring([(x, ri), (y, pi)], progress and step, cancel, threads=(False, True))
        try:
            parts = _compare_arrays(x, y, ri, pi, step)
        except BaseException:
            cancel.set()  # the measurements are not needed any more: stop them at their next block
            raise
        m_raw, m_pre = measuring.result()
    return _assemble(m_raw, m_pre, *parts, step)


def _compare_arrays(x: np.ndarray, y: np.ndarray, ri: AudioInfo, pi: AudioInfo, step: Progress):
    """Everything that needs the samples but not the measurements: (alignment, tonal, dynamics, stereo,
    distortion residual, overlap in s, notes)."""
    notes: list[Finding] = []
    rate = ri.sample_rate_hz
    if pi.sample_rate_hz != rate:
        from scipy.signal import resample_poly  # only here: importing scipy.signal costs ~1 s

        g = gcd(rate, pi.sample_rate_hz)
        y = resample_poly(y, rate // g, pi.sample_rate_hz // g, axis=0).astype(np.float32)
        notes.append(Finding("info", "compare_resampled",
                             f"The pre-treat is at {pi.sample_rate_hz} Hz and the raw at {rate} Hz: the pre-treat "
                             f"was resampled to {rate} Hz (polyphase) for the comparison. Render both at one rate "
                             "to compare sample for sample.", float(pi.sample_rate_hz), "Hz"))
    if x.shape[1] != y.shape[1]:
        which = "raw" if x.shape[1] == 1 else "pre-treat"
        if x.shape[1] == 1:
            x = np.repeat(x, y.shape[1], axis=1)
        else:
            y = np.repeat(y, x.shape[1], axis=1)
        notes.append(Finding("info", "compare_upmixed",
                             f"The {which} is mono and the other is stereo: the {which} was copied to both "
                             "channels; width changes then only describe what the pre-treat added."))

    step("aligning", 0.0)
    al = align(x, y, rate)
    rs, ps = aligned_slices(x.shape[0], y.shape[0], al.latency_samples)
    xa, ya = x[rs], y[ps]
    if al.polarity_inverted:
        ya = -ya
    overlap = xa.shape[0]
    if overlap < MIN_OVERLAP_S * rate:
        raise MismatchError(
            f"the renders overlap for only {overlap / rate:.2f} s once aligned; at least {MIN_OVERLAP_S:g} s is needed "
            "— render both over the same range of the song"
        )
    longest = max(x.shape[0], y.shape[0])
    if longest - overlap > 0.01 * rate + abs(al.latency_samples):
        notes.append(Finding("info", "compare_overlap",
                             f"The renders differ in length (raw {x.shape[0] / rate:.2f} s, pre-treat {y.shape[0] / rate:.2f} s): "
                             f"only the {overlap / rate:.2f} s where both play were compared.", overlap / rate, "s"))
    step("aligning", 1.0)

    # 1. one STFT pass (10 ms) into narrow-band sums; a first gain trace with the filter it estimates itself
    step("gain trace", 0.0)
    fg = frame_groups(xa, ya, rate)
    dyn = dynamics_change(project(fg), rate, trace_start_s=rs.start / rate)
    step("gain trace", 0.5)
    # 2. Welch cross-spectra with that gain reduction undone: the linear part (EQ, static gain) is not
    #    biased by the compressor (otherwise the frequencies that trigger it read as cut, the others as
    #    boosted). The width comes from the frame pass, on the renders as they are.
    step("spectra", 0.0)
    cs = cross_spectra(xa, ya, rate, y_gain=gain_restoring(dyn, rate, overlap), stereo=False)
    tonal = tonal_change(cs, rate)
    sm_raw, sm_pre, corr_raw, corr_pre = band_side_to_mid_db(fg.stereo if fg.stereo is not None else cs)
    stereo = StereoChange(
        side_to_mid_delta_db=_sub(sm_raw["all"], sm_pre["all"]),
        band_side_to_mid_delta_db={k: _sub(sm_raw[k], sm_pre[k]) for k in ("low", "mid", "high")},
        correlation_delta=_sub(corr_raw, corr_pre),
        raw_side_to_mid_db=sm_raw["all"],
        pretreat_side_to_mid_db=sm_pre["all"],
        raw_correlation=corr_raw,
        pretreat_correlation=corr_pre,
        raw_band_side_to_mid_db={k: sm_raw[k] for k in ("low", "mid", "high")},
        pretreat_band_side_to_mid_db={k: sm_pre[k] for k in ("low", "mid", "high")},
    )
    step("spectra", 1.0)
    # 3. the gain trace again, through the fine, gain-corrected filter (no new FFT pass)
    st = project(fg, cs)
    dyn = dynamics_change(st, rate, trace_start_s=rs.start / rate)
    step("gain trace", 1.0)
    return al, tonal, dyn, stereo, residual_db(st), overlap / rate, notes


def _assemble(m_raw, m_pre, al, tonal, dyn, stereo, residual, overlap_s, notes, step: Progress) -> Comparison:
    """The :class:`Comparison` from both measurements and the array stages' results, with its findings."""
    rate = m_raw.info.sample_rate_hz
    dist = Distortion(
        residual_db=residual,
        clipped_samples_added=int(m_pre.peaks.clipped_samples - m_raw.peaks.clipped_samples),
    )
    step("findings", 0.0)
    levels = _levels(m_raw, m_pre)
    partial = Comparison(
        raw=m_raw, pretreat=m_pre, alignment=al,
        loudness_delta_lu=levels.integrated_lufs.delta,
        tonal=tonal, dynamics=dyn, stereo=stereo, distortion=dist,
        findings=(), levels=levels, sample_rate_hz=rate, overlap_s=overlap_s,
    )
    from .findings import comparison_findings

    found = rank(list(comparison_findings(partial)) + notes)
    step("findings", 1.0)
    return Comparison(
        raw=m_raw, pretreat=m_pre, alignment=al,
        loudness_delta_lu=levels.integrated_lufs.delta,
        tonal=tonal, dynamics=dyn, stereo=stereo, distortion=dist,
        findings=found, levels=levels, sample_rate_hz=rate, overlap_s=overlap_s,
    )
