"""Offline render of a :class:`~masteraid.chain.spec.ChainSpec`, streamed in blocks.

Two passes over the audio, each with bounded memory:

1. **Pre-limiter pass** over the raw file: input gain, EQ biquads, compressor and makeup. Its
   output, its true-peak envelope and its K-weighted power (none depends on the limiter's drive)
   go to a temporary float32 cache in the output folder, read back in blocks (in memory when no
   output file is asked for). A 60-minute 48 kHz stereo file needs about 2.8 GB of disk there.
2. **Limiter passes** over the cache: drive, lookahead gain, zero-latency alignment, BS.1770-4
   integrated loudness of the result. Since the limiter is non-linear, the drive is searched (secant
   steps) on *predictions*: the same gain law run on a decimated summary of the cache (per chunk of
   about 32 samples, its envelope maximum and K-weighted energy, in memory), calibrated by one exact
   per-sample prediction, which keeps its per-sample attenuation in the cache. A last pass at that drive
   reads it (else runs the gain law again) and writes the file through
   :class:`~masteraid.audio.AudioWriter` (atomic, never overwriting), measuring loudness and true
   peak of exactly what is written (the audit's peaks meter, on a worker thread). If the true peak is
   above the ceiling, the file is not committed: the internal safety margin grows by the excess and
   the limiter passes run again.

Every pass is a pipeline of threads (:mod:`masteraid._threads`: a ``Prefetch`` reads or decodes ahead,
``Stage`` workers store, measure and write behind): the heavy steps (biquads, matrix products, file
I/O) release the GIL, so a pass uses two cores. Each stage sees the blocks in order, so the result
does not depend on the threads, nor on the block size. BLAS runs on one thread throughout (its own
threads spinning against ours made the true-peak check 5x slower). On a 4.8-minute 48 kHz pair with
two tone rounds the render went from 10.4 s to 5.4 s (two cores), then to about 3.7 s with the faster
compressor, true-peak meter and gain law.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import secrets
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

from ..audio import DEFAULT_BLOCK_FRAMES, AudioWriter, open_source
from ..errors import ConfigError
from .dsp import (
    Compressor,
    EqFilter,
    LimiterGain,
    KWeightedPower,
    PowerAccumulator,
    SamplePeakEnvelope,
    TruePeakEnvelope,
    gated_integrated,
)
from .._blas import single_threaded_blas
from .._threads import Prefetch, Stage
from .._diskarray import DiskArray
from .spec import DRIVE_RANGE_DB, ChainSpec, LimiterSpec

__all__ = ["RenderResult", "render_chain", "DEFAULT_MARGIN_DB"]

log = logging.getLogger(__name__)

#: Internal headroom under the ceiling for the limiter's own envelope (the interpolated peak of a
#: gain-modulated signal can exceed the envelope's estimate slightly, and the audit's Annex 2 meter,
#: whose interpolator is not a pure Nyquist filter, can read a little above the analog peak).
DEFAULT_MARGIN_DB = 0.15
#: A 1/3-octave band this far below the integrated loudness (dB) holds no music to shape.
_NO_CONTENT_DB = -60.0
#: Drive range (as in :class:`LimiterSpec`).
_DRIVE_MIN_DB, _DRIVE_MAX_DB = DRIVE_RANGE_DB

Progress = Callable[[str, float], None]


@dataclass(frozen=True, eq=False)
class RenderResult:
    """What a render produced and measured.

    Attributes
    ----------
    path : str or None
        The master file, or ``None`` when rendered to memory (then ``samples`` holds it).
    spec : ChainSpec
        The spec as rendered: the input spec with ``limiter.drive_db`` refined to hit the target.
    integrated_lufs : float
        BS.1770-4 integrated loudness of the master as written.
    true_peak_dbtp : float
        True peak of the master as written (the audit's meter).
    loudness_iterations : int
        Loudness predictions (cheap, mono gain-only passes) spent finding the drive (0 when
        ``match_loudness=False``).
    final_passes : int
        Full renders (normally 1; one more when the true-peak check or the exact loudness asked for it).
    on_target : bool
        ``|integrated_lufs - target_lufs| <= tolerance_lu``.
    limiter_max_reduction_db, limiter_mean_reduction_db : float
        The limiter's largest and average gain reduction (positive dB).
    safety_margin_db : float
        Headroom the limiter kept under the ceiling for its own envelope.
    sample_rate_hz : int
    samples : ndarray or None
        ``(frames, channels)`` master when rendered to memory.
    """

    path: str | None
    spec: ChainSpec
    integrated_lufs: float
    true_peak_dbtp: float
    loudness_iterations: int
    on_target: bool
    limiter_max_reduction_db: float
    limiter_mean_reduction_db: float
    safety_margin_db: float
    sample_rate_hz: int
    samples: np.ndarray | None = None
    final_passes: int = 1
    clipped_samples: int = 0

    @property
    def plr_db(self) -> float:
        """Peak-to-loudness ratio of the master, dB."""
        return self.true_peak_dbtp - self.integrated_lufs

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "integrated_lufs": self.integrated_lufs,
            "true_peak_dbtp": self.true_peak_dbtp,
            "plr_db": self.plr_db,
            "loudness_iterations": self.loudness_iterations,
            "final_passes": self.final_passes,
            "clipped_samples": self.clipped_samples,
            "on_target": self.on_target,
            "limiter_max_reduction_db": self.limiter_max_reduction_db,
            "limiter_mean_reduction_db": self.limiter_mean_reduction_db,
            "safety_margin_db": self.safety_margin_db,
            "sample_rate_hz": self.sample_rate_hz,
            "spec": self.spec.to_json(),
        }


class _TruePeakOver(Exception):
    def __init__(self, measured: float):
        self.measured = measured


# ------------------------------------------------------------------------- true-peak checking


def _audit_true_peak_meter(rate: int, channels: int):
    """The audit's streaming peaks meter (``analysis.peaks.PeaksMeter``): the SAME true-peak meter
    the audit uses checks the limiter. Falls back to this package's envelope only when the
    measurement engine is not importable."""
    try:
        from ..analysis.peaks import PeaksMeter
    except ImportError:  # pragma: no cover - measurement engine missing
        return _EnvelopeTruePeak(channels)
    return _ThreadedMeter(PeaksMeter(rate, channels))


class _ThreadedMeter:
    """Feeds a peaks meter on a :class:`~masteraid._threads.Stage` (its interpolation is matrix products
    that release the GIL), so checking the written master overlaps with rendering it; a few blocks are
    queued at most."""

    clipped = 0

    def __init__(self, meter):
        self._meter = meter
        self._stage = Stage(meter.feed_t, "masteraid-tp-check", depth=4)

    def feed(self, block) -> None:
        # channel-major, as the meter works (its feed(block) makes this same copy)
        self._stage.put(np.ascontiguousarray(np.asarray(block, dtype=np.float64).T))

    def close(self) -> None:
        self._stage.stop()

    def result(self) -> float:
        self._stage.close()
        r = self._meter.result()
        self.clipped = int(r.clipped_samples)
        return float(r.true_peak_dbtp)


class _EnvelopeTruePeak:
    clipped = 0

    def __init__(self, channels: int):
        self._env = TruePeakEnvelope(channels)
        self._channels = channels
        self._peak = 0.0

    def feed(self, block):
        e = self._env.process(block)
        if e.size:
            self._peak = max(self._peak, float(e.max()))

    def result(self) -> float:
        e = self._env.process(np.zeros((TruePeakEnvelope.latency + 2, self._channels)))
        peak = max(self._peak, float(e.max()))
        return 20 * math.log10(peak) if peak > 0 else float("-inf")


# ----------------------------------------------------------------------------------- passes


def _chunk_frames(rate: int) -> int:
    """Decimation of the loudness predictor: the divisor of the 100 ms loudness sub-block closest to 32
    samples (0.67 ms at 48 kHz), so the predictor's chunks add up exactly to BS.1770-4 sub-blocks."""
    sub = int(round(0.1 * rate))
    divisors = [d for d in range(1, min(sub, 64) + 1) if sub % d == 0]
    return min(divisors, key=lambda d: abs(d - 32))


class _Summary:
    """The pre-limiter signal decimated for cheap loudness predictions: per chunk of ``D`` samples its
    envelope maximum and its K-weighted energy (float32 in memory: 2 x 4 bytes per ``D`` samples, 43 MB
    for a 60-minute 48 kHz file)."""

    def __init__(self, frames: int, rate: int):
        self.D = _chunk_frames(rate)
        self.rate = rate
        n = -(-frames // self.D)
        self.env = np.zeros(n, dtype=np.float32)
        self.energy = np.zeros(n, dtype=np.float32)
        self._pos = 0
        self._partial = np.zeros(0)

    def add_power(self, power: np.ndarray) -> None:
        """Append per-sample K-weighted power (consecutive calls continue the stream)."""
        p = np.concatenate([self._partial, power]) if self._partial.size else power
        full = (p.shape[0] // self.D) * self.D
        self._partial = p[full:].copy()
        if full:
            self.put(self._pos * self.D, None, p[:full])
            self._pos += full // self.D

    def finish_power(self) -> None:
        if self._partial.size:
            self.put(self._pos * self.D, None, self._partial)
        self._pos, self._partial = 0, np.zeros(0)

    @staticmethod
    def _reduce(values: np.ndarray, D: int, how) -> np.ndarray:
        full = values.shape[0] // D
        out = how(values[: full * D].reshape(full, D), axis=1)
        if values.shape[0] > full * D:
            out = np.concatenate([out, [how(values[full * D :])]])
        return out

    def put(self, start: int, env: np.ndarray | None, power: np.ndarray | None) -> None:
        """Add per-sample values starting at sample ``start`` (a multiple of ``D``)."""
        k = start // self.D
        if env is not None:
            e = self._reduce(env, self.D, np.max)
            self.env[k : k + e.shape[0]] = e
        if power is not None:
            p = self._reduce(power, self.D, np.sum)
            self.energy[k : k + p.shape[0]] = p


def _fill_summary_env(summary: _Summary, env_store, block_frames: int) -> None:
    frames = env_store.shape[0]
    step = max(summary.D, (block_frames // summary.D) * summary.D)
    for s in range(0, frames, step):
        summary.put(s, np.asarray(env_store[s : s + step]), None)


def _predict_fast(summary: _Summary, lim: LimiterSpec, drive_db: float, margin_db: float) -> float:
    """Integrated loudness the limiter would give, from the decimated summary (about ``D`` times cheaper
    than :func:`_predict_loudness`, a few hundredths of a LU off it): the same gain law run on chunk
    maxima at the chunk rate, each chunk's K-weighted energy scaled by its squared gain."""
    D = summary.D
    rate_c = summary.rate / D
    Lc = max(1, int(round(lim.lookahead_ms * rate_c / 1000.0)))
    gain = LimiterGain(lim.ceiling_dbtp - margin_db, Lc, lim.release_ms, rate_c)
    drive = 10.0 ** (drive_db / 20.0)
    sub = int(round(0.1 * summary.rate))
    per = sub // D  # chunks per 100 ms sub-block
    # The gain law runs over the summary in pieces (it carries its state), and the chunks' weighted
    # energies are summed into 100 ms sub-blocks as they come: memory does not grow with the length
    # (a 60-minute file has ~5 M chunks; whole-array temporaries took ~400 MB).
    skip, pos = Lc - 1, 0  # the gain lags the envelope by Lc - 1 chunks
    sums: list[np.ndarray] = []
    carry = np.zeros(0)

    def take(att: np.ndarray) -> None:
        nonlocal skip, pos, carry
        drop = min(skip, att.shape[0])
        att, skip = att[drop:], skip - drop
        w = 10.0 ** (-att / 10.0) * summary.energy[pos : pos + att.shape[0]] * (drive * drive)
        pos += att.shape[0]
        w = np.concatenate([carry, w])
        full = (w.shape[0] // per) * per
        sums.append(w[:full].reshape(-1, per).sum(axis=1))
        carry = w[full:]

    total = summary.env.shape[0]
    for s in range(0, total, _FAST_PIECE):
        take(gain.attenuation_db(summary.env[s : s + _FAST_PIECE].astype(np.float64) * drive))
    if Lc > 1:
        take(gain.attenuation_db(np.zeros(Lc - 1)))
    return gated_integrated(np.concatenate(sums) if sums else np.zeros(0), sub)


#: Summary chunks per step of :func:`_predict_fast`.
_FAST_PIECE = 1 << 16


class _PreLimiter:
    """Input gain -> EQ -> compressor (+makeup): the drive-independent part of the chain."""

    def __init__(self, spec: ChainSpec, rate: int, channels: int):
        self._gain = 10.0 ** (spec.input_gain_db / 20.0)
        self._eq = EqFilter(spec.eq_bands, rate, channels)
        self._comp = Compressor(spec.compressor, rate) if spec.compressor is not None else None

    def equalize(self, block: np.ndarray) -> np.ndarray:
        """Input gain and EQ (the linear part)."""
        return self._eq.process(block * self._gain)

    def compress(self, block: np.ndarray) -> np.ndarray:
        """The compressor, on the output of :meth:`equalize`."""
        return self._comp.process(block) if self._comp is not None else block

    def process(self, block: np.ndarray) -> np.ndarray:
        return self.compress(self.equalize(block))


def _pre_pass(src, spec: ChainSpec, x_store, env_store, p_store, block_frames: int, progress: Progress | None,
              *, precise: bool = True, summary: _Summary | None = None) -> float:
    """Fill the cache with the pre-limiter signal, its true-peak envelope and its K-weighted power
    (BS.1770-4, channels weighted and summed); return its integrated loudness.

    Four threads, each seeing the blocks in order (so the result is that of one thread): a reader decodes
    and runs the gain and EQ; this thread the compressor; one worker stores the signal and its
    K-weighted power, another its envelope. ``p_store`` may be ``None`` (probe rounds: only the summary
    needs the power)."""
    info = src.info
    rate, ch, frames = info.sample_rate_hz, info.channels, info.frames
    pre = _PreLimiter(spec, rate, ch)
    tp = TruePeakEnvelope(ch) if precise else SamplePeakEnvelope(ch)
    kpower = KWeightedPower(rate, ch)
    loudness = PowerAccumulator(rate)
    env_pos = -tp.latency

    def put_env(e):
        nonlocal env_pos
        lo, hi = max(env_pos, 0), min(env_pos + e.shape[0], frames)
        if hi > lo:
            env_store[lo:hi] = e[lo - env_pos : hi - env_pos]
        env_pos += e.shape[0]

    def store(pos, y):
        x_store[pos : pos + y.shape[0]] = y
        pw = kpower.process(y)
        loudness.feed(pw)
        if p_store is not None:
            p_store[pos : pos + y.shape[0]] = pw
        if summary is not None:
            summary.add_power(pw)

    def envelope(y):
        put_env(tp.process(y))

    reader = Prefetch((pre.equalize(b) for b in src.blocks(block_frames)), "masteraid-render-read")
    stores = Stage(store, "masteraid-render-store")
    envelopes = Stage(envelope, "masteraid-render-envelope")
    try:
        pos = 0
        for block in reader:
            y = pre.compress(block)
            n = min(y.shape[0], frames - pos)
            y = y[:n]
            stores.put(pos, y)
            envelopes.put(y)
            pos += n
            if progress is not None:
                progress("processing", pos / frames)
        if pos < frames:  # pragma: no cover - sources guarantee their frame count
            raise ConfigError(f"{info.name}: read {pos} frames, expected {frames}")
        envelopes.put(np.zeros((tp.latency, ch)))
        stores.close()
        envelopes.close()
    finally:
        reader.stop()
        stores.stop()
        envelopes.stop()
    if summary is not None:
        summary.finish_power()
        _fill_summary_env(summary, env_store, block_frames)
    return loudness.result()


def _limiter_pass(x_store, env_store, rate: int, lim: LimiterSpec, drive_db: float, margin_db: float,
                  block_frames: int, sink: Callable[[np.ndarray, np.ndarray], None], att_store=None) -> None:
    """Run the limiter over the cache; ``sink(y, attenuation_db)`` gets the aligned output blocks, in order,
    on a worker thread (measuring and writing overlap with limiting the next block). ``att_store``: the
    attenuation per output sample at this drive and margin, kept by :func:`_predict_loudness`."""
    if att_store is not None:
        sinks = Stage(sink, "masteraid-render-sink")
    else:
        drive = 10.0 ** (drive_db / 20.0)

        def apply(xo, a):  # the gain applied on the worker: the gain law alone is left on this thread
            sink((xo * drive) * (10.0 ** (-a / 20.0))[:, None], a)

        sinks = Stage(apply, "masteraid-render-sink")
    try:
        if att_store is not None:
            _apply_attenuation(x_store, att_store, drive_db, block_frames, sinks)
        else:
            _limit_blocks(x_store, env_store, rate, lim, drive_db, margin_db, block_frames, sinks)
        sinks.close()
    finally:
        sinks.stop()


def _apply_attenuation(x_store, att_store, drive_db: float, block_frames: int, sinks: Stage) -> None:
    frames = x_store.shape[0]
    drive = 10.0 ** (drive_db / 20.0)

    def read():
        for o in range(0, frames, block_frames):
            e = min(o + block_frames, frames)
            yield np.asarray(att_store[o:e], dtype=np.float64), np.asarray(x_store[o:e], dtype=np.float64)

    reader = Prefetch(read(), "masteraid-render-read")
    try:
        for att, xb in reader:
            sinks.put((xb * drive) * (10.0 ** (-att / 20.0))[:, None], att)
    finally:
        reader.stop()


def _envelope_blocks(env_store, frames: int, total: int, block_frames: int):
    """The envelope in blocks ``[s, s + block_frames)`` of ``0 .. total``, zero past ``frames``."""
    for s in range(0, total, block_frames):
        e = min(s + block_frames, total)
        envb = np.zeros(e - s)
        if s < frames:
            k = min(e, frames) - s
            envb[:k] = env_store[s : s + k]
        yield s, envb


def _limit_blocks(x_store, env_store, rate: int, lim: LimiterSpec, drive_db: float, margin_db: float,
                  block_frames: int, sinks: Stage) -> None:
    frames, ch = x_store.shape
    L = max(1, int(round(lim.lookahead_ms * rate / 1000.0)))
    gain = LimiterGain(lim.ceiling_dbtp - margin_db, L, lim.release_ms, rate)
    drive = 10.0 ** (drive_db / 20.0)
    total = frames + L - 1

    def read():
        # the gain at input index s+i applies to output (and cache) index s+i-(L-1): read the cache there
        # (no delay line); keep output indices 0 .. frames-1
        for s, envb in _envelope_blocks(env_store, frames, total, block_frames):
            o0, o1 = max(0, s - (L - 1)), min(s + envb.shape[0], total) - (L - 1)
            xo = np.asarray(x_store[o0:o1], dtype=np.float64) if o1 > o0 else None
            yield envb, xo

    reader = Prefetch(read(), "masteraid-render-read")
    try:
        for envb, xo in reader:
            att = gain.attenuation_db(envb * drive)
            if xo is not None:  # sinks.put(cache block, its attenuation): the stage applies the gain
                sinks.put(xo, att[att.shape[0] - xo.shape[0] :])
    finally:
        reader.stop()


# ------------------------------------------------------------------------------------- public


def render_chain(
    raw,
    spec: ChainSpec,
    out=None,
    *,
    match_loudness: bool = True,
    tolerance_lu: float = 0.03,
    max_iterations: int = 12,
    subtype: str = "PCM_24",
    block_frames: int = DEFAULT_BLOCK_FRAMES,
    margin_db: float = DEFAULT_MARGIN_DB,
    tonal_reference=None,
    tone_passes: int = 2,
    progress: Progress | None = None,
) -> RenderResult:
    """Render the raw mix through a chain, offline and streamed, to a file or to memory.

    Parameters
    ----------
    raw : path-like or Source
        The raw render.
    spec : ChainSpec
    out : path-like or None
        The master to write (must not exist; WAV unless the suffix says otherwise). ``None``: render
        to memory and return the samples in :attr:`RenderResult.samples` (small inputs only).
    match_loudness : bool, keyword-only
        Iterate ``spec.limiter.drive_db`` until the master's integrated loudness is within
        ``tolerance_lu`` of ``spec.target_lufs``; when ``False`` the drive is used as given.
    tolerance_lu : float, keyword-only
        0.001 .. 0.1 LU.
    max_iterations : int, keyword-only
        Limiter passes allowed for the loudness search.
    subtype : str, keyword-only
        Output encoding, ``"PCM_24"`` by default.
    block_frames : int, keyword-only
        Streaming block length; the output does not depend on it.
    margin_db : float, keyword-only
        Initial internal headroom under the ceiling (grows if the audit's meter finds an over).
    tonal_reference : (bands_hz, levels_db) or None, keyword-only
        The long-term 1/3-octave spectrum to aim at (e.g. the pre-treat's ``spectrum.band_levels_db``
        minus its integrated loudness). When given, a probe render at the target loudness is measured
        with the analysis' :class:`~masteraid.analysis.spectrum.SpectrumMeter`, and the EQ is refitted
        (at most 6 bands, smoothed, within +-6 dB) to its current response plus the remaining
        loudness-normalized band differences; then the chain is rendered again with that EQ. This
        accounts for the compressor's and limiter's own effect on the tone.
    tone_passes : int, keyword-only
        How many probe-and-refit rounds (each costs about one more render of the pre-limiter part).
    progress : callable(stage, fraction), keyword-only

    Returns
    -------
    RenderResult
    """
    if not (0.001 <= tolerance_lu <= 0.1):
        raise ConfigError(f"tolerance_lu = {tolerance_lu} is out of range; allowed [0.001, 0.1]")
    src = open_source(raw)
    info = src.info
    rate, ch, frames = info.sample_rate_hz, info.channels, info.frames
    out_path = Path(out) if out is not None else None
    if out_path is not None:
        if out_path.exists():
            from ..errors import OutputExistsError

            raise OutputExistsError(f"{out_path}: already exists; MasterAid never overwrites — choose another name")
        if not out_path.parent.is_dir():
            from ..errors import AudioFileError

            raise AudioFileError(f"{out_path.parent}: output folder does not exist — create it first")
    cache_dirs: list = []  # named before it is made: a stop (Ctrl-C, SIGTERM) at any point still finds it
    stores: list = []
    # One BLAS thread: the audit's true-peak check (matrix products) runs on a worker thread next to the
    # render; OpenBLAS splitting its small products over both cores, spinning while they wait, made that
    # check 5x slower (4.4 s instead of 0.8 s on a 4.8-minute limited master, two cores).
    blas = contextlib.ExitStack()
    try:
        if out_path is not None:
            tmpdir = _make_cache_dir(out_path.parent, cache_dirs)
            for name, shape in (("pre.f32", (frames, ch)), ("env.f32", (frames,)), ("kpow.f32", (frames,)),
                                ("att.f32", (frames,))):
                stores.append(DiskArray(os.path.join(tmpdir, name), shape))
            x_store, env_store, p_store, att_store = stores
        else:
            x_store = np.zeros((frames, ch))
            env_store = np.zeros(frames)
            p_store = np.zeros(frames)
            att_store = np.zeros(frames)
        att_key: list = [None]  # (drive_db, margin_db) of the attenuation in att_store
        summary = _Summary(frames, rate)
        blas.enter_context(single_threaded_blas())
        rounds = tone_passes if tonal_reference is not None and match_loudness else 0
        # probe renders (tone rounds) use a cheap sample-peak envelope; the last pre-pass is precise
        precise = rounds == 0
        pre_lufs = _pre_pass(src, spec, x_store, env_store, p_store if precise else None, block_frames, progress,
                             precise=precise, summary=summary)
        lim = spec.limiter
        probe_drive = None
        for r in range(rounds):
            if not math.isfinite(pre_lufs):
                break
            new_spec, probe_drive = _refit_tone(x_store, env_store, summary, rate, spec, pre_lufs, tonal_reference,
                                                margin_db, block_frames, progress)
            precise = r == rounds - 1 or new_spec is spec
            spec = new_spec
            pre_lufs = _pre_pass(src, spec, x_store, env_store, p_store if precise else None, block_frames,
                                 progress, precise=precise, summary=summary)
            if precise:
                break
        if not precise:
            pre_lufs = _pre_pass(src, spec, x_store, env_store, p_store, block_frames, progress, precise=True,
                                 summary=summary)

        def predict_exact(drive_db: float, margin: float) -> float:
            att_key[0] = None
            v = _predict_loudness(env_store, p_store, rate, lim, drive_db, margin, block_frames, att_store)
            att_key[0] = (drive_db, margin)
            return v

        def predict_fast(drive_db: float, margin: float) -> float:
            return _predict_fast(summary, lim, drive_db, margin)

        def predict(drive_db: float, margin: float) -> float:
            # the decimated prediction, shifted by its offset from the exact one near the answer
            return predict_fast(drive_db, margin) + offset[0]

        offset = [0.0]

        drive = lim.drive_db
        iterations = 0
        final_passes = 0
        margin = margin_db
        aim = spec.target_lufs  # what the prediction aims at; corrected by the final pass's exact measurement
        for _attempt in range(6):
            if match_loudness:
                tol = min(tolerance_lu, 0.01)
                drive, iters = _find_drive(predict, aim, pre_lufs, margin, tol, max_iterations, progress,
                                           probe_drive if _attempt == 0 else drive)
                iterations += iters
                if math.isfinite(pre_lufs):
                    # one exact (per-sample) prediction there calibrates the fast one; search again if needed
                    exact = predict_exact(drive, margin)
                    fast = predict_fast(drive, margin)
                    iterations += 1
                    if math.isfinite(exact) and math.isfinite(fast):
                        log.debug("fast loudness prediction %.3f LU off the exact one", fast - exact)
                        offset[0] = exact - fast
                    if math.isfinite(exact) and abs(exact - aim) > tol:
                        drive, iters = _find_drive(predict, aim, pre_lufs, margin, tol, max_iterations, None, drive)
                        iterations += iters
            try:
                final_passes += 1
                cached = att_store if att_key[0] == (drive, margin) else None
                result = _final_pass(x_store, env_store, info, spec, drive, margin, out_path, subtype, block_frames,
                                     iterations, tolerance_lu, cached)
                result = replace(result, final_passes=final_passes)
            except _TruePeakOver as over:
                excess = over.measured - lim.ceiling_dbtp
                step = 1.5 * excess + 0.03
                log.info("true peak %.3f dBTP over the ceiling; margin %.2f -> %.2f dB", over.measured, margin, margin + step)
                margin += step
                continue
            at_limit = not (_DRIVE_MIN_DB < drive < _DRIVE_MAX_DB)  # aiming again cannot move it
            if (match_loudness and not result.on_target and math.isfinite(result.integrated_lufs) and _attempt < 5
                    and not at_limit):
                # the prediction (K-weighting commuted with the slowly varying gain) was off: aim again
                if result.path is not None:
                    os.unlink(result.path)
                aim += spec.target_lufs - result.integrated_lufs
                continue
            if progress is not None:
                progress("done", 1.0)
            return result
        raise ConfigError(  # pragma: no cover - the margin loop converges in one or two steps
            f"could not keep the true peak under {lim.ceiling_dbtp} dBTP — lower the ceiling or the target"
        )
    finally:
        blas.close()
        for store in stores:
            store.close()
        for d in cache_dirs:
            shutil.rmtree(d, ignore_errors=True)


def _make_cache_dir(parent: Path, made: list) -> str:
    """A new ``.masteraid-cache-*`` folder in ``parent`` (private), its name put into ``made`` *before* it
    is created: with :func:`tempfile.mkdtemp`, a stop signal handled between the folder's creation and
    the name's return would leave it behind."""
    for _ in range(100):
        path = os.path.join(parent, f".masteraid-cache-{secrets.token_hex(5)}")
        made.append(path)
        try:
            os.mkdir(path, 0o700)
            return path
        except FileExistsError:
            made.pop()  # someone else's
    raise FileExistsError(f"{parent}: no free name for a scratch folder")  # pragma: no cover


def _refit_tone(x_store, env_store, summary: _Summary, rate, spec: ChainSpec, pre_lufs: float, reference, margin: float,
                block_frames: int, progress) -> tuple[ChainSpec, float | None]:
    """Probe-render at the target loudness, compare its tone with the reference, refit the EQ.

    Returns the new spec (``spec`` itself when there is nothing to refit) and the probe's drive."""
    from ..analysis.spectrum import SpectrumMeter
    from .design import MAX_EQ_GAIN_DB, eq_response_db, fit_eq

    ref_f = np.asarray(reference[0], dtype=float)
    ref_l = np.asarray(reference[1], dtype=float)
    lim = spec.limiter

    def predict(drive_db: float, m: float) -> float:
        return _predict_fast(summary, lim, drive_db, m)

    # the probe only needs to be near the target (its tone hardly changes over a few tenths of a LU)
    drive, _ = _find_drive(predict, spec.target_lufs, pre_lufs, margin, 0.2, 4, None)
    probe_lufs = predict(drive, margin)  # within a few thousandths of a LU of measuring the probe
    ch = x_store.shape[1]
    meter = SpectrumMeter(rate, ch)

    def sink(y, att):
        meter.feed(y)

    _limiter_pass(x_store, env_store, rate, lim, drive, margin, block_frames, sink)
    if progress is not None:
        progress("tone", 1.0)
    got = meter.result()
    got_f = np.asarray(got.bands_hz, dtype=float)
    got_l = np.asarray(got.band_levels_db, dtype=float) - probe_lufs
    bands, diff = [], []
    for f, lv in zip(got_f, got_l):
        j = int(np.argmin(np.abs(ref_f - f)))
        # bands with no music in the master (e.g. above an MP3's cut-off) are not tone: what the reference
        # has there is its distortion products; leave them out rather than boost noise toward them
        if (abs(ref_f[j] - f) < 0.02 * f and 30.0 <= f <= 16500.0 and np.isfinite(lv) and np.isfinite(ref_l[j])
                and lv > _NO_CONTENT_DB):
            bands.append(f)
            diff.append(ref_l[j] - lv)
    if len(bands) < 6:
        return spec, drive
    bands = np.array(bands)
    want = eq_response_db(spec.eq_bands, bands, rate) + np.array(diff)
    eq = fit_eq(bands, np.clip(want, -MAX_EQ_GAIN_DB, MAX_EQ_GAIN_DB), np.ones_like(bands), rate)
    rms = float(np.sqrt(np.mean(np.square(diff))))
    notes = tuple(n for n in spec.notes if not n.startswith("EQ refitted"))
    note = (
        f"EQ refitted ({len(eq)} band(s)) after a probe render at the target loudness: the master's tone was {rms:.1f} dB RMS "
        f"(1/3-octave, loudness-normalized) from the pre-treat's; the new EQ takes in the compressor's and limiter's own effect."
    )
    return replace(spec, eq_bands=eq, notes=notes + (note,)), drive


def _predict_loudness(env_store, p_store, rate: int, lim: LimiterSpec, drive_db: float, margin_db: float,
                      block_frames: int, att_store=None) -> float:
    """Integrated loudness the limiter would give, from the cached envelope and K-weighted power.

    Takes K(g x) = g K(x): the limiter's gain varies slowly against the K-filter's response, so the
    output's K-weighted power is ``g^2`` times the input's. Only the (mono) gain is computed; the
    final pass measures the real output exactly. With ``att_store`` (``frames`` values), the attenuation
    (dB) of every output sample is kept there: a final pass at the same drive and margin reads it instead
    of running the gain law again.
    """
    frames = p_store.shape[0]
    L = max(1, int(round(lim.lookahead_ms * rate / 1000.0)))
    gain = LimiterGain(lim.ceiling_dbtp - margin_db, L, lim.release_ms, rate)
    drive = 10.0 ** (drive_db / 20.0)
    acc = PowerAccumulator(rate)

    def take(o0: int, att: np.ndarray) -> None:
        o1 = o0 + att.shape[0]
        if att_store is not None:
            att_store[o0:o1] = att
        acc.feed(10.0 ** (-att / 10.0) * p_store[o0:o1] * (drive * drive))

    total = frames + L - 1
    reader = Prefetch(_envelope_blocks(env_store, frames, total, block_frames), "masteraid-render-read")
    takes = Stage(take, "masteraid-render-predict")
    try:
        for s, envb in reader:
            att = gain.attenuation_db(envb * drive)
            e = s + envb.shape[0]
            lo = max(0, (L - 1) - s)  # input index s+i is output index s+i-(L-1)
            o0 = s + lo - (L - 1)
            o1 = min(e - (L - 1), frames)
            if o1 > o0:
                takes.put(o0, att[lo : lo + (o1 - o0)])
        takes.close()
    finally:
        reader.stop()
        takes.stop()
    return acc.result()


def _find_drive(measure, target: float, pre_lufs: float, margin: float, tol: float, max_iter: int, progress,
                start: float | None = None) -> tuple[float, int]:
    """Secant search of the limiter drive giving ``target`` integrated loudness."""
    if not math.isfinite(pre_lufs):  # silence or too short: nothing to aim at
        return 0.0, 0
    clamp = lambda d: min(max(d, _DRIVE_MIN_DB), _DRIVE_MAX_DB)  # noqa: E731
    d = clamp(target - pre_lufs) if start is None else clamp(start)
    hist: list[tuple[float, float]] = []
    best = None
    for i in range(max_iter):
        level = measure(d, margin)
        if progress is not None:
            progress("loudness", min(1.0, (i + 1) / 4))
        hist.append((d, level))
        err = target - level
        if best is None or abs(err) < abs(best[1]):
            best = (d, err)
        if abs(err) <= tol:
            return d, i + 1
        slope = 1.0
        if len(hist) >= 2:
            (d0, l0), (d1, l1) = hist[-2], hist[-1]
            if d1 != d0:
                slope = min(max((l1 - l0) / (d1 - d0), 0.05), 1.0)
        nd = clamp(d + err / slope)
        if nd == d:
            break
        d = nd
    # info, not a warning: the caller measures the result and says whether it is on target
    log.info("loudness target %.2f LUFS not reached within %d passes (off by %.2f LU)", target, len(hist), best[1])
    return best[0], len(hist)


def _final_pass(x_store, env_store, info, spec, drive, margin, out_path, subtype, block_frames, iterations, tol,
                att_store=None) -> RenderResult:
    rate, ch = info.sample_rate_hz, info.channels
    lim = spec.limiter
    kpower, meter = KWeightedPower(rate, ch), PowerAccumulator(rate)
    tpm = _audit_true_peak_meter(rate, ch)
    stats = {"max": 0.0, "sum": 0.0, "n": 0}
    parts: list[np.ndarray] = []

    def measure(y, att):
        tpm.feed(y)
        meter.feed(kpower.process(y))
        stats["max"] = max(stats["max"], float(att.max()))
        stats["sum"] += float(att.sum())
        stats["n"] += att.shape[0]

    def limit(emit) -> float:
        """The limiter pass into ``emit``; the output's true peak, refused (raised) above the ceiling."""
        def sink(y, att):
            measure(y, att)
            emit(y)

        _limiter_pass(x_store, env_store, rate, lim, drive, margin, block_frames, sink, att_store)
        peak = tpm.result()
        if peak > lim.ceiling_dbtp:
            raise _TruePeakOver(peak)  # AudioWriter removes its temporary file: nothing is committed
        return peak

    try:
        if out_path is not None:
            fmt = None if out_path.suffix else "WAV"
            with AudioWriter(out_path, rate, ch, subtype=subtype, format=fmt) as w:
                tp = limit(w.write)
        else:
            tp = limit(parts.append)
    finally:
        getattr(tpm, "close", lambda: None)()  # the check's worker thread ends with the pass, whatever happened
    lufs = meter.result()
    final_spec = replace(spec, limiter=replace(lim, drive_db=float(drive)))
    return RenderResult(
        path=str(out_path) if out_path is not None else None,
        spec=final_spec,
        integrated_lufs=lufs,
        true_peak_dbtp=tp,
        loudness_iterations=iterations,
        on_target=bool(math.isfinite(lufs) and abs(lufs - spec.target_lufs) <= tol),
        limiter_max_reduction_db=stats["max"],
        limiter_mean_reduction_db=stats["sum"] / max(stats["n"], 1),
        safety_margin_db=margin,
        sample_rate_hz=rate,
        samples=np.concatenate(parts, axis=0) if out_path is None else None,
        clipped_samples=int(tpm.clipped),
    )
