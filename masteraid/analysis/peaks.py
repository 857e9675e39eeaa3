"""Sample peak, true peak (ITU-R BS.1770-4 Annex 2), clipping, ceiling hits and DC, streamed.

True peak
---------
BS.1770-4 Annex 2 asks for the largest absolute value of the signal oversampled x4 (below 88.2 kHz)
or x2 (88.2 / 96 kHz) by an interpolating FIR; x1 (the samples themselves) from 176.4 kHz up. The Annex
gives one such filter (48 taps, 4 phases); its phases sit at 1/8, 3/8, 5/8 and 7/8 of a sample and
the middle two pass only 0.973 of a low-frequency signal, so it reads up to ~0.2 dB under the true
peak of ordinary programme. MasterAid uses an "equivalent design" as the Annex allows: a Kaiser-windowed
sinc interpolator (:func:`interpolator`) — x4: 24 taps per phase, beta 6; x2: 16 taps per phase, beta 6 —
whose points sit at 0, 1/4, 1/2, 3/4 of a sample (the grid ffmpeg's 192 kHz resampling uses), each phase
normalised to unit gain at DC, phase 0 exactly the sample itself (so the true peak is never below the
sample peak), flat within 0.01 dB up to 0.8 of Nyquist for x4 (17.6 kHz at 44.1 kHz; −1 dB at 0.9 of
Nyquist) and up to 0.7 of Nyquist for x2 (30.9 kHz at 88.2 kHz).
It reads within 0.02 dB of ffmpeg's ``ebur128=peak=true`` on noise and music-like test signals and passes
EBU Tech 3341 cases 15–23. Like any x4 meter it may under-read a peak that falls between its points
(by up to ~0.5 dB for a 20 kHz crest at 48 kHz, < 0.05 dB below 5 kHz). The signal is zero before the
start and after the end.

Only part of the signal needs oversampling: an interpolated value is a weighted sum of the ``T``
samples around it, so ``|y| ≤ S · max|x over those samples|`` with ``S = max_p Σ_k |h_p[k]|``
(2.30 for x4). The signal is cut into 64-sample chunks; a chunk whose bound cannot exceed both the
running true peak and 0 dBTP (``S · chunk max ≤ min(running peak, 1)``) cannot change the true peak
nor hold an over, so it is skipped. The candidate chunks of a block and channel form runs, and the
runs are measured together, in one computation (:meth:`_TruePeak._interpolated`): on limited
material nearly every loud chunk is a candidate, in dozens of runs per block, and one call per run
cost more in call overhead than in arithmetic. The answer is the same as oversampling everything
(tests/analysis/test_peaks.py checks it).
"""

from __future__ import annotations

import logging
import math

import numpy as np

from ..units import gain_to_db
from .model import PeaksResult

__all__ = ["interpolator", "oversampling_factor", "PeaksMeter", "PeaksResult", "true_peak", "sample_peak"]

log = logging.getLogger(__name__)

#: Interpolator designs per oversampling factor: (taps per phase, Kaiser beta).
INTERPOLATOR_DESIGNS = {4: (24, 6.0), 2: (16, 6.0)}
_CHUNK = 64  # screening granularity (samples); must be >= taps - 1
_ROW = 32  # windows per row of the interpolation's matrix product (measured fastest of 8-64)
_GEMM_MIN_WINDOWS = 1024  # fewer windows: np.correlate per phase (measured faster below ~800)
#: Bound of a float32 interpolated value's error, relative to the window's largest |x|: 24 products
#: summed in float32 (24·2^-24) plus the rounding of samples and weights to float32, times Σ|h| (2.3),
#: doubled for margin.
_F32_TOL = 8e-6
#: Clipped run: 3+ equal consecutive samples within 0.1 dB of the file's sample peak and above -1 dBFS.
CLIP_MIN_RUN = 3
CLIP_NEAR_PEAK_DB = 0.1
CLIP_FLOOR_DBFS = -1.0
#: Ceiling hit: a local maximum of |x| within 0.3 dB of the file's sample peak.
CEILING_NEAR_PEAK_DB = 0.3
#: Shorter audio gives no ceiling-hit rate (NaN): one peak in two samples is not 1.3 million a minute.
MIN_RATE_SECONDS = 1.0


def _clip_threshold(peak: float) -> float:
    """Smallest |x| a clipped run may hold: within 0.1 dB of the sample peak and above -1 dBFS."""
    return max(peak * 10 ** (-CLIP_NEAR_PEAK_DB / 20), np.nextafter(10 ** (CLIP_FLOOR_DBFS / 20), np.inf))


def oversampling_factor(rate_hz: int) -> int:
    """BS.1770-4 Annex 2: x4 below 88.2 kHz, x2 below 176.4 kHz, x1 (no oversampling) above."""
    if rate_hz < 88200:
        return 4
    if rate_hz < 176400:
        return 2
    return 1


def interpolator(factor: int, taps: int | None = None, beta: float | None = None) -> np.ndarray | None:
    """Polyphase interpolating FIR for true peak, as correlation weights over a window of ``T`` samples.

    Row ``p`` gives the signal at ``T/2 - 1 + p/factor`` samples after the window start:
    ``y = Σ_j H[p, j] · x[start + j]``; weights are a Kaiser-windowed sinc (see the module docstring),
    each row normalised to sum 1; row 0 is exactly the unit impulse.

    ``taps`` and ``beta`` override the meter's design (:data:`INTERPOLATOR_DESIGNS`), for other uses
    of the same formula (the chain's limiter reads its envelope at 8x with 32 taps).

    Returns
    -------
    ndarray, shape (factor, T), or None for factor 1 (no oversampling).
    """
    if factor == 1:
        return None
    if taps is None or beta is None:
        taps, beta = INTERPOLATOR_DESIGNS[factor]
    j = np.arange(taps)
    h = np.empty((factor, taps))
    for p in range(factor):
        tau = (taps / 2 - 1 - j) + p / factor
        win = np.i0(beta * np.sqrt(np.clip(1.0 - (tau / (taps / 2)) ** 2, 0.0, None))) / np.i0(beta)
        h[p] = np.sinc(tau) * win
        h[p] /= h[p].sum()
    h[0] = 0.0
    h[0, taps // 2 - 1] = 1.0
    return h


def _chunk_max(at: np.ndarray) -> np.ndarray:
    """Maxima of ``at`` (channels, frames) over consecutive 64-sample chunks: (channels, ceil(frames / 64))."""
    ch, n = at.shape
    full = n // _CHUNK
    nk = -(-n // _CHUNK)
    cm = np.empty((ch, nk))
    if full:
        cm[:, :full] = at[:, : full * _CHUNK].reshape(ch, full, _CHUNK).max(axis=2)
    if nk > full:
        cm[:, full] = at[:, full * _CHUNK :].max(axis=1)
    return cm


class _TruePeak:
    """Streaming true peak and inter-sample overs of every channel (see the module docstring).

    Works on channel-major blocks ``(channels, frames)``. Interpolated values are labelled by the
    input sample that ends their window (``label = window start + T - 1``); phase 0 of window
    ``label`` is the sample ``label - T/2``.
    """

    def __init__(self, rate_hz: int, channels: int):
        self.factor = oversampling_factor(rate_hz)
        self.h = interpolator(self.factor)
        self.taps = self.h.shape[1] if self.h is not None else 1
        self.hist = self.taps - 1
        self.channels = channels
        self.bound_gain = float(np.abs(self.h).sum(axis=1).max()) if self.h is not None else 1.0
        if self.h is not None:  # phases 1.. at each offset of a row of _ROW windows (see _interpolated_abs_max)
            band = np.zeros((_ROW + self.hist, (self.factor - 1) * _ROW))
            for p in range(1, self.factor):
                for i in range(_ROW):
                    band[i : i + self.taps, (p - 1) * _ROW + i] = self.h[p]
            self._band32 = band.astype(np.float32)
        self.peak = np.zeros(channels)
        self.overs = np.zeros(channels, dtype=np.int64)
        self.last_over = np.full(channels, -2, dtype=np.int64)  # label of the last over
        self.tail = np.zeros((channels, self.hist))
        self.done = 0  # windows (input samples) measured
        self.samples_measured = 0  # windows actually interpolated (for profiling / tests)

    def feed_t(self, xt: np.ndarray, at: np.ndarray, chunk_max: np.ndarray | None = None) -> None:
        """Add a channel-major block ``xt`` (channels, frames), its absolute values ``at`` and
        optionally their maxima over 64-sample chunks (:func:`_chunk_max`)."""
        n = xt.shape[1]
        if n == 0:
            return
        if self.h is None:  # x1: the samples are the true peak
            for c in range(self.channels):
                pos = np.flatnonzero(at[c] > 1.0)
                if pos.size:
                    self._count_overs(c, pos + self.done, self.overs, self.last_over)
            np.maximum(self.peak, at.max(axis=1), out=self.peak)
        else:
            self._measure(xt, at, self.tail, self.done, self.peak, self.overs, self.last_over, chunk_max)
            if n >= self.hist:
                self.tail = xt[:, n - self.hist :].copy()
            else:
                self.tail = np.concatenate([self.tail[:, n:], xt], axis=1)
        self.done += n

    def _interpolated(self, seg: np.ndarray, skip: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """The largest ``|y_p|`` over every phase of the windows of ``seg`` (``len(seg) - T + 1`` of them;
        phase 0 is the sample ``T/2 - 1`` into the window) but those in ``skip``, and the windows (indices,
        increasing) where some phase exceeds 1: both as float64 oversampling gives them.

        Under ``_GEMM_MIN_WINDOWS`` windows (the scattered loud chunks of an open mix): ``np.correlate``
        per phase, float64. More (limited material, where nearly everything is a candidate): one matrix
        product — the windows taken ``_ROW`` at a time (rows of ``_ROW + T - 1`` samples, a strided view)
        against a banded matrix that holds every phase at every offset of the row — in float32: 2-3x less
        time per window from a few thousand windows on, after ~25 µs of fixed cost per call. A
        float32 value is within ``tol = _F32_TOL * max|x|`` of the exact one (``T·2^-24·Σ|h|`` with the
        rounding of samples and weights, doubled), so only the windows within ``2 tol`` of the largest
        value, or within ``tol`` of 1, can decide the maximum or an over: those are computed again in
        float64 (a window above ``1 + tol`` is an over either way).
        """
        hist = self.hist
        n = seg.shape[0] - hist
        half = self.taps // 2
        if n < _GEMM_MIN_WINDOWS:
            w = np.abs(seg[hist - half : hist - half + n])  # phase 0: the samples
            for p in range(1, self.factor):
                np.maximum(w, np.abs(np.correlate(seg, self.h[p], mode="valid")), out=w)
            if skip is not None:
                w[skip] = -np.inf
            return float(w.max()), np.flatnonzero(w > 1.0)
        rows = -(-n // _ROW)
        s32 = np.zeros(rows * _ROW + hist, dtype=np.float32)
        s32[: seg.shape[0]] = seg
        win = np.ndarray((rows, _ROW + hist), np.float32, s32, 0, (_ROW * 4, 4))
        y = win @ self._band32  # (rows, (factor - 1) * _ROW): phase p at columns (p - 1) * _ROW ..
        np.abs(y, out=y)
        w = np.abs(s32[hist - half : hist - half + rows * _ROW])  # phase 0, then the largest phase of each window
        w2 = w.reshape(rows, _ROW)
        for p in range(1, self.factor):
            np.maximum(w2, y[:, (p - 1) * _ROW : p * _ROW], out=w2)
        w = w[:n]
        if skip is not None:
            w[skip] = -np.inf
        top = float(w.max())
        tol = _F32_TOL * max(float(seg.max()), -float(seg.min()))
        # the windows that could be the maximum or an over; those within 2 tol of the maximum or tol of 1
        # are computed again (a window above 1 + tol is an over either way)
        near = np.flatnonzero(w >= min(top - 2.0 * tol, 1.0 - tol))
        wn = w[near]
        redo = (wn >= top - 2.0 * tol) | (wn <= 1.0 + tol)
        exact = np.abs(seg[near[redo, None] + np.arange(self.taps)] @ self.h.T).max(axis=1)
        over = wn > 1.0 + tol
        over[redo] = exact > 1.0
        return float(exact.max()), near[over]

    @staticmethod
    def _count_overs(c, pos, overs, last_over) -> None:
        starts = np.count_nonzero(np.diff(pos) != 1) + (1 if pos[0] != last_over[c] + 1 else 0)
        overs[c] += starts
        last_over[c] = pos[-1]

    def _measure(self, xt, at, tail, origin, peak, overs, last_over, chunk_max=None) -> None:
        """Measure the windows ending at every sample of the block (labels ``origin .. origin + n - 1``).

        Per channel, the runs of candidate chunks go end to end, each with its ``T - 1`` samples of
        history, into one :meth:`_interpolated` call that skips the windows straddling two runs; its
        overs are mapped back to labels. Measured (CPU time, benchmarks/bench_truepeak.py) on a limited
        4.8-min 48 kHz stereo file (peaks above 0 dBTP; ~13,900 runs, median 450 windows, half of all
        windows measured), against one call per run: the true peak alone 0.60 -> 0.23 s, the whole
        ``analyze()`` 1.34 -> 0.99 s; on the same song's open mix the true peak 0.36 -> 0.13 s.
        """
        n = xt.shape[1]
        hist = self.hist
        if chunk_max is None:
            chunk_max = _chunk_max(at)
        # Phase 0 holds every sample: the sample peak is a lower bound of the true peak.
        np.maximum(peak, chunk_max.max(axis=1), out=peak)
        # Chunk k holds the windows ending in block samples [kC, kC + C); they read samples from
        # kC - hist >= (k - 1) C on, so chunk k's bound uses the maxima of block chunks k - 1 and k
        # (the history for k = 0).
        nk = chunk_max.shape[1]
        cm = np.empty((self.channels, nk + 1))
        cm[:, 0] = np.abs(tail).max(axis=1)
        cm[:, 1:] = chunk_max
        bound = self.bound_gain * np.maximum(cm[:, 1:], cm[:, :-1])
        for c in range(self.channels):
            ks = np.flatnonzero(bound[c] > min(peak[c], 1.0))
            if ks.size == 0:
                continue
            # runs of candidate chunks (gaps of up to 2 chunks are bridged: fewer, longer runs)
            brk = np.flatnonzero(np.diff(ks) > 3)
            run_lo = ks[np.r_[0, brk + 1]] * _CHUNK
            run_hi = np.minimum((ks[np.r_[brk, ks.size - 1]] + 1) * _CHUNK, n)
            # All runs measured at once: their samples (each with its T - 1 samples of history) end
            # to end; the windows that straddle two runs are skipped.
            xc = xt[c]
            pieces = []
            for q0, q1 in zip(run_lo.tolist(), run_hi.tolist()):
                if q0 >= hist:
                    pieces.append(xc[q0 - hist : q1])
                else:
                    pieces += [tail[c, q0:], xc[:q1]]
            seg = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
            size = run_hi - run_lo + hist
            first = np.cumsum(size) - size  # each run's first window in seg
            skip = (first[1:, None] - hist + np.arange(hist)).ravel() if first.size > 1 else None
            top, over = self._interpolated(seg, skip)
            self.samples_measured += int((run_hi - run_lo).sum())
            peak[c] = max(peak[c], top)
            if over.size:
                r = np.searchsorted(first, over, side="right") - 1
                self._count_overs(c, over - first[r] + run_lo[r] + origin, overs, last_over)

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        """(true peak per channel, linear; overs per channel), including the filter's decay past the end."""
        peak, overs, last = self.peak.copy(), self.overs.copy(), self.last_over.copy()
        if self.h is not None and self.done:
            z = np.zeros((self.channels, self.hist))
            self._measure(z, z, self.tail, self.done, peak, overs, last)
        return peak, overs


def _oversample_all(samples: np.ndarray, rate_hz: int) -> np.ndarray:
    """Every interpolated value, no screening (reference for tests): shape ((frames + T - 1) * factor, ch)."""
    x = np.asarray(samples, dtype=np.float64)
    h = interpolator(oversampling_factor(rate_hz))
    if h is None:
        return x.copy()
    pad = np.zeros((h.shape[1] - 1, x.shape[1]))
    ext = np.concatenate([pad, x, pad], axis=0)
    out = []
    for c in range(x.shape[1]):
        win = np.lib.stride_tricks.sliding_window_view(ext[:, c], h.shape[1])
        out.append((win @ h.T).ravel())
    return np.stack(out, axis=1)


def true_peak(samples: np.ndarray, rate: int) -> np.ndarray:
    """True peak of each channel of a whole ``(frames, channels)`` array, dBTP (BS.1770-4 Annex 2).

    ``-inf`` for a silent channel. A 1-D array is taken as mono.
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    tp = _TruePeak(rate, x.shape[1])
    xt = np.ascontiguousarray(np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0).T)
    tp.feed_t(xt, np.abs(xt))
    return np.asarray(gain_to_db(tp.finish()[0]), dtype=float).reshape(-1)


def sample_peak(samples: np.ndarray) -> np.ndarray:
    """Sample peak of each channel, dBFS."""
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    return np.asarray(gain_to_db(np.abs(x).max(axis=0)), dtype=float).reshape(-1)


class PeaksMeter:
    """Streaming peaks meter: sample and true peak, clipped runs, inter-sample overs, ceiling hits, DC.

    Also accumulates the sum of squares and the sum of every channel (:attr:`mean_square`,
    for ``DynamicsResult.rms_dbfs``). Feed consecutive ``(frames, channels)`` float64 blocks of any
    size; the results do not depend on the block sizes.

    Parameters
    ----------
    rate_hz : int
        Sample rate in Hz.
    channels : int
    """

    def __init__(self, rate_hz: int, channels: int):
        self.rate_hz = int(rate_hz)
        self.channels = int(channels)
        self.frames = 0
        self.nonfinite_samples = 0  # set by analyze()
        self._peak = np.zeros(channels)
        self._sum = np.zeros(channels)
        self._sumsq = np.zeros(channels)
        self._tp = _TruePeak(self.rate_hz, self.channels)
        # ceiling hits: candidate local maxima values (pruned as the running peak grows)
        self._hits: list[np.ndarray] = []
        # ceiling hits already pruned, as distinct values and their counts (a clipper or limiter repeats
        # the same few values: memory stays bounded however long the file)
        self._hit_vals = np.zeros(0)
        self._hit_counts = np.zeros(0, dtype=np.int64)
        self._prev_abs = np.zeros(channels)  # |x| of the last sample fed
        self._pending_hit = np.full(channels, -1.0)  # last sample, a local max if the next is not larger
        # clipped runs: (|value|, length) of finished runs of >= 3 samples, and the open run per channel
        self._runs: list[np.ndarray] = []
        self._open_val = np.zeros(channels)
        self._open_len = np.zeros(channels, dtype=np.int64)

    @property
    def mean_square(self) -> float:
        """Mean of x**2 over every sample of every channel (nan before any sample)."""
        if self.frames == 0:
            return math.nan
        return float(self._sumsq.sum() / (self.frames * self.channels))

    def feed(self, block: np.ndarray) -> None:
        """Add the next ``(frames, channels)`` float64 block (non-finite samples already zeroed)."""
        self.feed_t(np.ascontiguousarray(block.T))

    def feed_t(self, xt: np.ndarray) -> None:
        """Add the next block, channel-major: a C-contiguous ``(channels, frames)`` array."""
        n = xt.shape[1]
        if n == 0:
            return
        a = np.abs(xt)
        cm = _chunk_max(a)
        np.maximum(self._peak, cm.max(axis=1), out=self._peak)
        self._sum += xt.sum(axis=1)
        self._sumsq += np.einsum("ij,ij->i", xt, xt)
        self._tp.feed_t(xt, a, cm)
        top = float(self._peak.max())
        hit_thr = max(top * 10 ** (-CEILING_NEAR_PEAK_DB / 20), np.finfo(float).tiny)
        clip_thr = _clip_threshold(top)
        for c in range(self.channels):
            ac = a[c]
            ks = np.flatnonzero(cm[c] >= hit_thr)  # only chunks that reach the threshold are scanned
            if 4 * ks.size > cm.shape[1]:
                cand = np.flatnonzero(ac >= hit_thr)
            elif ks.size:
                idx = (ks[:, None] * _CHUNK + np.arange(_CHUNK)).ravel()
                idx = idx[idx < n]
                cand = idx[ac[idx] >= hit_thr]
            else:
                cand = ks
            self._ceiling(c, ac, cand, hit_thr, n)
            self._clips(c, xt[c], cand[ac[cand] >= clip_thr] if cand.size else cand, n)
            self._prev_abs[c] = ac[-1]
        self._prune(hit_thr, clip_thr)
        self.frames += n

    def _ceiling(self, c: int, ac: np.ndarray, cand: np.ndarray, thr: float, n: int) -> None:
        found = []
        pend = self._pending_hit[c]
        if pend >= 0.0:  # last sample of the previous block rose into a maximum: is the next one lower?
            if pend >= ac[0]:
                found.append(np.array([pend]))
            self._pending_hit[c] = -1.0
        if cand.size:
            left = np.where(cand > 0, ac[cand - 1], self._prev_abs[c])
            rising = ac[cand] > left
            last = cand == n - 1
            right = ac[np.minimum(cand + 1, n - 1)]
            hit = rising & ~last & (ac[cand] >= right)
            if hit.any():
                found.append(ac[cand[hit]])
            if last[-1] and rising[-1]:
                self._pending_hit[c] = ac[n - 1]
        if found:
            self._hits.append(np.concatenate(found))

    def _clips(self, c: int, xc: np.ndarray, idx: np.ndarray, n: int) -> None:
        open_len, open_val = self._open_len[c], self._open_val[c]
        if idx.size == 0:
            if open_len:
                self._close_run(open_val, open_len)
            self._open_len[c] = 0
            return
        v = xc[idx]
        brk = np.ones(idx.size, dtype=bool)
        brk[1:] = (np.diff(idx) != 1) | (v[1:] != v[:-1])
        starts = np.flatnonzero(brk)
        lengths = np.diff(np.append(starts, idx.size))
        vals = v[starts]
        if open_len:
            if idx[0] == 0 and vals[0] == open_val:
                lengths[0] += open_len
            else:
                self._close_run(open_val, open_len)
        if idx[-1] == n - 1:  # the last run may continue in the next block
            self._open_val[c], self._open_len[c] = vals[-1], lengths[-1]
            vals, lengths = vals[:-1], lengths[:-1]
        else:
            self._open_len[c] = 0
        keep = lengths >= CLIP_MIN_RUN
        if keep.any():
            self._runs.append(np.stack([np.abs(vals[keep]), lengths[keep].astype(float)], axis=1))

    def _close_run(self, val: float, length: int) -> None:
        if length >= CLIP_MIN_RUN:
            self._runs.append(np.array([[abs(val), float(length)]]))

    def _prune(self, hit_thr: float, clip_thr: float) -> None:
        if len(self._hits) > 64:
            h = np.concatenate(self._hits)
            vals, inv = np.unique(np.concatenate((self._hit_vals, h[h >= hit_thr])), return_inverse=True)
            weights = np.concatenate((self._hit_counts, np.ones(np.count_nonzero(h >= hit_thr), dtype=np.int64)))
            counts = np.bincount(inv.reshape(-1), weights=weights, minlength=vals.shape[0]).astype(np.int64)
            keep = vals >= hit_thr
            self._hit_vals, self._hit_counts = vals[keep], counts[keep]
            self._hits = []
        if len(self._runs) > 64:
            r = np.concatenate(self._runs, axis=0)
            self._runs = [r[r[:, 0] >= clip_thr]]

    def result(self) -> PeaksResult:
        """The peaks of everything fed so far."""
        tp, overs = self._tp.finish()
        top = float(self._peak.max()) if self.channels else 0.0
        hits = list(self._hits)
        hits.append(self._pending_hit[self._pending_hit >= 0.0])  # a maximum on the very last sample
        h = np.concatenate(hits) if hits else np.zeros(0)
        thr = top * 10 ** (-CEILING_NEAR_PEAK_DB / 20)
        n_hits = int(np.count_nonzero(h >= thr) + self._hit_counts[self._hit_vals >= thr].sum()) if top > 0 else 0
        runs = list(self._runs)
        for c in range(self.channels):
            if self._open_len[c] >= CLIP_MIN_RUN:
                runs.append(np.array([[abs(self._open_val[c]), float(self._open_len[c])]]))
        r = np.concatenate(runs, axis=0) if runs else np.zeros((0, 2))
        r = r[r[:, 0] >= _clip_threshold(top)]
        minutes = self.frames / self.rate_hz / 60.0
        with np.errstate(invalid="ignore", divide="ignore"):
            dc = np.abs(self._sum / self.frames) if self.frames else np.full(self.channels, math.nan)
        return PeaksResult(
            sample_peak_dbfs=float(gain_to_db(top)),
            true_peak_dbtp=float(gain_to_db(float(tp.max()))),
            channel_sample_peak_dbfs=tuple(float(v) for v in gain_to_db(self._peak)),
            channel_true_peak_dbtp=tuple(float(v) for v in gain_to_db(tp)),
            clipped_samples=int(r[:, 1].sum()),
            clip_runs=int(r.shape[0]),
            intersample_overs=int(overs.sum()),
            ceiling_hits_per_min=n_hits / minutes if minutes * 60.0 >= MIN_RATE_SECONDS else math.nan,
            dc_offset_dbfs=tuple(float(v) for v in gain_to_db(dc)),
            nonfinite_samples=int(self.nonfinite_samples),
        )
