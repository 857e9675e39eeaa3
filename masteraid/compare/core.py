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
6. the raw filtered in the time domain by that transfer function (:mod:`~masteraid.compare.linear`) and
   a second 10 ms STFT pass: the final gain trace, transient reduction and residual, to which a static
   EQ no longer leaks;
7. findings, ranked (including the streaming-normalization findings of :mod:`masteraid.match`).

Dependency direction: ``compare`` uses ``match`` (which only knows :class:`Measurements`), never the
other way round, so the loudness-matching stage stays usable on any set of renders.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import tempfile
import threading
from math import gcd
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator

import numpy as np


from .._blas import single_threaded_blas
from .._diskarray import DiskArray
from .._threads import Prefetch
from ..audio import AudioInfo, FileSource, open_source, zero_nonfinite
from ..audit import BLOWN_UP_PEAK_DBFS
from ..errors import ConfigError, MismatchError
from ..findings import Finding, rank
from .align import align, aligned_slices
from .dynamics import FrameGroupsPass, dynamics_change, gain_restoring, project, residual_db, restored_transfer
from .framing import PIECE_FRAMES
from .linear import FirStream, linear_filter
from .model import Comparison, Distortion, LevelsComparison, MetricDelta, StereoChange
from .spectral import CONFIDENCE_TRUSTED, CrossSpectraPass, band_side_to_mid_db, tonal_change

__all__ = ["compare", "check_label", "MIN_OVERLAP_S", "MEMORY_LIMIT_MB"]

log = logging.getLogger(__name__)

#: Shortest aligned overlap that can be compared, s.
MIN_OVERLAP_S = 2.0
#: Two renders whose decoded samples (float32) take more than this are streamed from their files
#: instead of held in memory (see ``compare(memory_limit_mb=...)``): 1 GiB is about 45 minutes of a
#: 48 kHz stereo pair.
MEMORY_LIMIT_MB = 1024.0

Progress = Callable[[str, float], None]


class _MemorySource:
    """A float32 array in memory behind a file's :class:`AudioInfo`, streamed as float64 blocks."""

    def __init__(self, samples: np.ndarray, info: AudioInfo):
        self.samples = samples
        self.info = info

    def blocks(self, block_frames: int = 65536) -> Iterator[np.ndarray]:
        for s in range(0, self.samples.shape[0], block_frames):
            yield self.samples[s : s + block_frames].astype(np.float64)


#: Samples above this (+40 dBFS) are a plug-in blowing up, not music (``audit.BLOWN_UP_PEAK_DBFS``).
_CORRUPT_LEVEL = 10.0 ** (BLOWN_UP_PEAK_DBFS / 20.0)


def _finite(block: np.ndarray) -> np.ndarray:
    """``block`` with NaN/Inf samples as silence, as the measurements treat them (and count them: they
    measure the blocks as read), and with a blown-up float render's samples (over +40 dBFS, the audit's
    ``blown_up``; the measurements report their peak) as silence too: ten samples at 1e30 outweighed the
    whole song, so the pair neither lined up nor showed a coherent band, and the error blamed the pair."""
    block = zero_nonfinite(block)[0]
    if block.size and (block.max() > _CORRUPT_LEVEL or block.min() < -_CORRUPT_LEVEL):  # no full-size temporary
        block = np.where(np.abs(block) > _CORRUPT_LEVEL, block.dtype.type(0), block)
    return block


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


class _Cancellable:
    """A source whose blocks stop once ``cancel`` is set (the compare failed: its measurements are not needed)."""

    def __init__(self, source, cancel: threading.Event):
        self.source, self.info, self.cancel = source, source.info, cancel

    def blocks(self, block_frames: int = 65536) -> Iterator[np.ndarray]:
        for block in self.source.blocks(block_frames):
            if self.cancel.is_set():
                return
            yield block


class _Measuring:
    """Both renders measured by :func:`masteraid.analysis.analyze`, one after the other, on one
    background thread while the compare works on them (arrays are only read; files are opened again).
    One thread, not one per render or the measurement's own worker lanes: with the compare's passes on
    the main thread that keeps two cores busy and no more. Measured on two cores (median of 3, 4.8-minute
    48 kHz pair): 3.26 -> 2.90 s streamed, 2.82 -> 2.35 s in memory; 2.1-minute pair 1.34 -> 1.02 s.
    Progress is reported as one ``"measuring"`` stage, the mean fraction of the two (``progress`` is
    expected to serialize its calls)."""

    def __init__(self, sources, progress: Progress | None, cancel: threading.Event):
        from ..analysis import analyze  # the measurement engine

        self._fractions = [0.0] * len(sources)
        self._progress = progress
        self._results: list = [None] * len(sources)
        self._errors: list = [None] * len(sources)

        def run():
            for i, source in enumerate(sources):
                def cb(_stage, fraction, i=i):
                    self._report(i, fraction)
                try:
                    self._results[i] = analyze(_Cancellable(source, cancel), progress=cb if progress else None,
                                              threads=False)
                except BaseException as exc:  # noqa: BLE001 - re-raised by result()
                    self._errors[i] = exc
                    return

        self._thread = threading.Thread(target=run, name="masteraid-measure", daemon=True)
        self._thread.start()

    def _report(self, i: int, fraction: float) -> None:
        self._fractions[i] = fraction
        self._progress("measuring", sum(self._fractions) / len(self._fractions))

    def stop(self, cancel: threading.Event) -> None:
        """Cancel and wait for the thread (it stops at its next block). Not waiting let the interpreter
        exit while the thread was inside a C++ FFT: ``terminate called without an active exception``,
        exit 134, in about 1 of 10 failing compares."""
        cancel.set()
        self._thread.join()

    def result(self) -> list:
        """Wait for both; the measurements in order, or the first error re-raised."""
        self._thread.join()
        for err in self._errors:
            if err is not None:
                raise err
        return list(self._results)


class _ArrayPair:
    """Both renders in memory (float32, same rate and channels): windows and aligned blocks are slices."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        self.raw, self.pre = x, y
        self.raw_frames, self.pre_frames, self.channels = x.shape[0], y.shape[0], x.shape[1]

    def blocks(self, rs: slice, ps: slice, invert: bool) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        ya = self.pre[ps]
        yield self.raw[rs], (-ya if invert else ya)


class _FileWindow:
    """A window reader over a file (``frames``, ``read(a, b)``), upmixed to ``channels``."""

    def __init__(self, src: FileSource, channels: int):
        self.src, self.channels, self.frames = src, channels, src.info.frames

    def read(self, a: int, b: int) -> np.ndarray:
        return _upmix(_finite(self.src.read_range(a, b)), self.channels)


def _upmix(block: np.ndarray, channels: int) -> np.ndarray:
    return np.repeat(block, channels, axis=1) if block.shape[1] != channels else block


class _FilePair:
    """Both renders streamed from their files (same rate): windows read on demand, aligned blocks read
    in step. Once :meth:`cache_in` has named a directory, the overlap is decoded once: the first pass
    over the aligned blocks writes them as it yields them (upmixed, the polarity applied: the float32
    samples the passes get) to two :class:`~masteraid._diskarray.DiskArray` files there
    (``2 x 4 x frames x channels`` bytes), and the later passes read those back (plain reads, in the
    same blocks) instead of decoding the files again. Memory does not grow with the length."""

    BLOCK_FRAMES = 1 << 16

    def __init__(self, src_r: FileSource, src_p: FileSource):
        ch = max(src_r.info.channels, src_p.info.channels)
        self.raw, self.pre = _FileWindow(src_r, ch), _FileWindow(src_p, ch)
        self.raw_frames, self.pre_frames, self.channels = src_r.info.frames, src_p.info.frames, ch
        self._cache_dir: str | None = None
        self._stores: tuple[DiskArray, DiskArray] | None = None  # the cache: raw, pre-treat
        self._filled: tuple | None = None  # the range and polarity a pass wrote to the cache to its end

    def cache_in(self, directory: str) -> None:
        """Keep the aligned blocks in ``directory`` (the caller deletes it, after :meth:`close`)."""
        self._cache_dir = directory

    def close(self) -> None:
        """Close the cache's files."""
        for store in self._stores or ():
            store.close()
        self._stores = self._filled = None

    def blocks(self, rs: slice, ps: slice, invert: bool) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        key = (rs.start, rs.stop, ps.start, ps.stop, invert)
        if self._filled == key:
            yield from self._read_cache(rs.stop - rs.start)
            return
        self.close()
        if self._cache_dir is not None:
            shape = (rs.stop - rs.start, self.channels)
            self._stores = (DiskArray(os.path.join(self._cache_dir, "raw.f32"), shape),
                            DiskArray(os.path.join(self._cache_dir, "pre.f32"), shape))
        ch, size, pos = self.channels, self.BLOCK_FRAMES, 0
        raw = self.raw.src.blocks(size, start=rs.start, stop=rs.stop, dtype="float32")
        pre = self.pre.src.blocks(size, start=ps.start, stop=ps.stop, dtype="float32")
        for xb, yb in zip(raw, pre):  # same lengths: the slices cover the same number of frames
            xb, yb = _upmix(_finite(xb), ch), _upmix(_finite(yb), ch)
            if invert:
                yb = -yb
            if self._stores is not None:
                self._stores[0][pos : pos + xb.shape[0]] = xb
                self._stores[1][pos : pos + yb.shape[0]] = yb
                pos += xb.shape[0]
            yield xb, yb
        if self._stores is not None:  # only a pass that went to the end filled the cache
            self._filled = key

    def _read_cache(self, frames: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        raw, pre = self._stores
        for s in range(0, frames, self.BLOCK_FRAMES):
            e = min(frames, s + self.BLOCK_FRAMES)
            yield raw[s:e], pre[s:e]


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


def check_label(label) -> str:
    """``label`` stripped, or :class:`~masteraid.errors.ConfigError` unless it is 1 to 40 printable
    characters (it goes into sentences, file reports and HTML)."""
    text = label.strip() if isinstance(label, str) else ""
    if not (1 <= len(text) <= 40 and text.isprintable()):
        raise ConfigError(f"the label {label!r} is not usable: give 1 to 40 printable characters, e.g. master")
    return text


def compare(raw, pretreat, *, progress: Progress | None = None, memory_limit_mb: float | None = None,
            residual: bool = True, label: str = "pre-treat") -> Comparison:
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
    memory_limit_mb : float, keyword-only, optional
        Two files whose decoded samples (float32) would take more than this (default
        :data:`MEMORY_LIMIT_MB`) are streamed instead of held: the measurements read the files in
        blocks; the first of the three passes over the aligned pair (frame pass, spectra, final frame
        pass) decodes it in blocks too and writes it, as float32, to a temporary cache that the other
        two read back; the per-frame sums also go to temporary files. Disk: ``2 x 4 x frames x
        channels`` bytes for the cache (2.8 GB for a 60-minute 48 kHz stereo pair) plus the
        per-frame sums (0.44 GB per frame pass for 60 minutes), in a temporary directory
        deleted at the end, also when the compare fails. Same results (to float rounding);
        measured 137 MB peak for a 5-minute pair (a whole ``compare`` process) and 177 MB for a
        whole ``masteraid master --reference`` of a 60-minute pair (the 10 ms gain traces, 32 bytes
        per frame, are what still grows); a little slower (each file is decoded twice, for the
        measurement and for the passes, not once).
        Renders at different rates are always held (they are resampled whole).
    residual : bool, keyword-only
        ``False`` skips the third pass (the raw filtered by the fitted linear part, framed again): no
        distortion residual (``NaN``), and the gain trace (``dynamics``) comes from the first pass's
        frame sums under the second pass's Welch transfer function instead: cruder (its 95th percentile
        read 0.1-0.2 dB under the full compare's on the three benchmark pairs), and about a third
        faster when streamed (medians of 4 interleaved runs, two cores: 2.3-minute pair 1.52 -> 1.04 s,
        4.8-minute pair 2.64 -> 1.83 s; a 2.1-minute pair held in memory 1.06 -> 0.94 s, its
        measurements being the longer part). What the chain design needs; a report should use the
        full compare.
    label : str, keyword-only
        What the second render is called in the findings, notes and errors (``"pre-treat"``; e.g.
        ``"master"`` to see what a mastering chain did). 1 to 40 printable characters; see
        :func:`check_label`.

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
    label = check_label(label)
    src_r, src_p = open_source(raw), open_source(pretreat)
    ri, pi = src_r.info, src_p.info
    if ri.channels != pi.channels and {ri.channels, pi.channels} != {1, 2}:  # mono is upmixed to stereo only
        raise MismatchError(
            f"{ri.name} has {ri.channels} channel{'s' * (ri.channels != 1)} and {pi.name} has {pi.channels}: "
            "render both with the same channel layout (stereo; a mono render is compared with a stereo one "
            "as both channels)"
        )
    lock = threading.Lock()

    def step(stage: str, fraction: float) -> None:
        if progress is not None:
            with lock:
                progress(stage, fraction)

    need_mb = 4.0 * (ri.frames * ri.channels + pi.frames * pi.channels) / 2**20
    limit = MEMORY_LIMIT_MB if memory_limit_mb is None else float(memory_limit_mb)
    stream = (need_mb > limit and isinstance(src_r, FileSource) and isinstance(src_p, FileSource)
              and ri.sample_rate_hz == pi.sample_rate_hz)
    if stream:
        pair, sources = _FilePair(src_r, src_p), (src_r, src_p)
    else:
        step("reading", 0.0)
        with ThreadPoolExecutor(2, thread_name_prefix="masteraid-read") as pool:  # libsndfile releases the GIL
            x, y = pool.map(_read32, (src_r, src_p))
        step("reading", 1.0)
        sources = (_MemorySource(x, ri), _MemorySource(y, pi))
    with single_threaded_blas():
        cancel = threading.Event()
        measuring = _Measuring(sources, progress and step, cancel)
        try:
            if not stream:
                x, y, notes = _conform(_finite(x), _finite(y), ri, pi, label)
                pair = _ArrayPair(x, y)
                del x, y
            else:
                notes = _conform_note(ri, pi, label)
            parts = _compare_pair(pair, ri.sample_rate_hz, notes, step, residual, label)
        except BaseException:
            measuring.stop(cancel)  # the measurements are not needed any more: stop them at their next block
            raise
        m_raw, m_pre = measuring.result()
    return _assemble(m_raw, m_pre, *parts, step, label)


def _conform(x: np.ndarray, y: np.ndarray, ri: AudioInfo, pi: AudioInfo, label: str = "pre-treat"):
    """The pre-treat resampled to the raw's rate, a mono render copied to both channels: (x, y, notes)."""
    notes: list[Finding] = []
    rate = ri.sample_rate_hz
    if pi.sample_rate_hz != rate:
        from scipy.signal import resample_poly  # only here: importing scipy.signal costs ~1 s

        g = gcd(rate, pi.sample_rate_hz)
        y = resample_poly(y, rate // g, pi.sample_rate_hz // g, axis=0).astype(np.float32)
        notes.append(Finding("info", "compare_resampled",
                             f"The {label} is at {pi.sample_rate_hz} Hz and the raw at {rate} Hz: the {label} "
                             f"was resampled to {rate} Hz (polyphase) for the comparison. Render both at one rate "
                             "to compare sample for sample.", float(pi.sample_rate_hz), "Hz"))
    if x.shape[1] != y.shape[1]:
        if x.shape[1] == 1:
            x = np.repeat(x, y.shape[1], axis=1)
        else:
            y = np.repeat(y, x.shape[1], axis=1)
    return x, y, notes + _conform_note(ri, pi, label)


def _conform_note(ri: AudioInfo, pi: AudioInfo, label: str = "pre-treat") -> list[Finding]:
    if ri.channels == pi.channels:
        return []
    which = "raw" if ri.channels == 1 else label
    return [Finding("info", "compare_upmixed",
                    f"The {which} is mono and the other is stereo: the {which} was copied to both "
                    f"channels; width changes then only describe what the {label} added.")]


def _compare_pair(pair, rate: int, notes: list[Finding], step: Progress, residual: bool = True,
                  label: str = "pre-treat"):
    """Everything that needs the samples but not the measurements: (alignment, tonal, dynamics, stereo,
    distortion residual, overlap in s, notes). ``pair`` is an :class:`_ArrayPair` or a :class:`_FilePair`."""
    step("aligning", 0.0)
    al = align(pair.raw, pair.pre, rate, label=label)
    nx, ny = pair.raw_frames, pair.pre_frames
    rs, ps = aligned_slices(nx, ny, al.latency_samples)
    overlap = rs.stop - rs.start
    channels = pair.channels
    if overlap < MIN_OVERLAP_S * rate:
        raise MismatchError(
            f"the renders overlap for only {overlap / rate:.2f} s once aligned; at least {MIN_OVERLAP_S:g} s is needed "
            "— render both over the same range of the song"
        )
    longest = max(nx, ny)
    if longest - overlap > 0.01 * rate + abs(al.latency_samples):
        notes.append(Finding("info", "compare_overlap",
                             f"The renders differ in length (raw {nx / rate:.2f} s, {label} {ny / rate:.2f} s): "
                             f"only the {overlap / rate:.2f} s where both play were compared.", overlap / rate, "s"))
    step("aligning", 1.0)

    # 1. one STFT pass (10 ms) into narrow-band sums; a first gain trace with the filter it estimates itself
    step("gain trace", 0.0)
    with contextlib.ExitStack() as cleanup:
        store_dir = None
        if isinstance(pair, _FilePair):  # streamed: the aligned pair and the per-frame sums go to temporary files
            store_dir = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="masteraid-compare-"))
            pair.cache_in(store_dir)
            cleanup.callback(pair.close)
        frame_pass = FrameGroupsPass(rate, channels, overlap, store_dir=store_dir)
        if store_dir is not None:
            cleanup.callback(frame_pass.data.close)
        return _frames_and_spectra(pair, frame_pass, rs, ps, al, rate, channels, overlap, notes, step, store_dir,
                                   residual, label)


def _frames_and_spectra(pair, frame_pass, rs: slice, ps: slice, al, rate: int, channels: int, overlap: int,
                        notes: list[Finding], step: Progress, store_dir: str | None = None, residual: bool = True,
                        label: str = "pre-treat"):
    """The frame pass, the gain trace, the spectra, the tonal and width changes, the final gain trace
    (without ``residual``: the first pass's frame sums under the spectra's transfer function)."""
    for xb, yb in pair.blocks(rs, ps, al.polarity_inverted):
        frame_pass.feed(xb, yb)
    fg = frame_pass.result()
    first = project(fg)
    width_spectra = fg.stereo
    if residual:
        frame_pass.data = fg = None  # the first pass's frame sums are done with (the final pass has its own)
    step("gain trace", 0.5)
    # 2. Welch cross-spectra with that gain reduction undone: the linear part (EQ, static gain) is not
    #    biased by the compressor (otherwise the frequencies that trigger it read as cut, the others as
    #    boosted). The width comes from the frame pass, on the renders as they are.
    step("spectra", 0.0)
    spectra = CrossSpectraPass(rate, channels, overlap, y_gain=gain_restoring(first, overlap), stereo=False)
    del first  # its frame sums (35 MB for 60 minutes) are not needed past the restoring gain
    for xb, yb in pair.blocks(rs, ps, al.polarity_inverted):
        spectra.feed(xb, yb)
    cs = spectra.result()
    tonal = tonal_change(cs, rate)
    best = float(np.max(tonal.confidence, initial=0.0))
    if not best >= CONFIDENCE_TRUSTED:  # even a 40 dB hard clip keeps bands near 0.96
        raise MismatchError(
            f"the two renders are not the same mix: no frequency band of the {label} follows the raw "
            f"(best coherence {best:.2f}, same-mix renders reach {CONFIDENCE_TRUSTED} and well above) — check that "
            "both are renders of the same song and range"
        )
    sm_raw, sm_pre, corr_raw, corr_pre = band_side_to_mid_db(width_spectra if width_spectra is not None else cs)
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
    fir_filter = linear_filter(cs, rate)  # also the check that one filter relates the two renders
    if not residual:
        # the gain trace from the first pass's sums, the linear part applied per group from the Welch estimate
        dyn = dynamics_change(project(fg, cs), rate, trace_start_s=rs.start / rate)
        step("gain trace", 1.0)
        return al, tonal, dyn, stereo, float("nan"), overlap / rate, notes
    # 3. the gain trace again, on the raw filtered in the time domain by the fine, gain-corrected linear
    #    part (applying it per STFT bin instead leaks EQ into the gains and the residual)
    final_pass = FrameGroupsPass(rate, channels, overlap, store_dir=store_dir, store_name="filtered.f32")
    fir = FirStream(fir_filter, channels)

    def filtered():
        """The filtered raw and the pre-treat held back as long as the filter lags, in pieces (no
        whole-file copies of either render)."""
        late = np.zeros((0, channels), dtype=np.float32)
        for xb, yb in pair.blocks(rs, ps, al.polarity_inverted):
            for s in range(0, xb.shape[0], PIECE_FRAMES):
                xf = fir.process(xb[s : s + PIECE_FRAMES])
                late = np.concatenate([late, yb[s : s + PIECE_FRAMES]])
                yield xf, late[: xf.shape[0]]
                late = late[xf.shape[0] :]
        xf = fir.flush()
        yield xf, late[: xf.shape[0]]

    # the filter runs a piece ahead on a worker thread (by then the measurement thread is usually done and
    # this pass alone used one core): whole compare, medians of 5 interleaved runs, 4.8-minute pair
    # streamed 3.66 -> 3.24 s, 2.3-minute pair 1.84 -> 1.66 s; the same results
    pieces = Prefetch(filtered(), "masteraid-compare-filter")
    try:
        for xf, yl in pieces:
            final_pass.feed(xf, yl)
    finally:
        pieces.stop()
    try:
        fg = final_pass.result()
        # what is left of the linear part, per group, with the gain reduction this pass reads undone (the
        # unity projection is dropped before the second one: 35 MB of frame sums for 60 minutes)
        restored = restored_transfer(fg, dynamics_change(project(fg, unity=True), rate))
        st = project(fg, restored)
    finally:
        if store_dir is not None:
            final_pass.data.close()
    dyn = dynamics_change(st, rate, trace_start_s=rs.start / rate)
    step("gain trace", 1.0)
    return al, tonal, dyn, stereo, residual_db(st), overlap / rate, notes


def _assemble(m_raw, m_pre, al, tonal, dyn, stereo, residual, overlap_s, notes, step: Progress,
              label: str = "pre-treat") -> Comparison:
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
        findings=(), levels=levels, sample_rate_hz=rate, overlap_s=overlap_s, label=label,
    )
    from .findings import comparison_findings

    found = rank(list(comparison_findings(partial)) + notes)
    step("findings", 1.0)
    return Comparison(
        raw=m_raw, pretreat=m_pre, alignment=al,
        loudness_delta_lu=levels.integrated_lufs.delta,
        tonal=tonal, dynamics=dyn, stereo=stereo, distortion=dist,
        findings=found, levels=levels, sample_rate_hz=rate, overlap_s=overlap_s, label=label,
    )
