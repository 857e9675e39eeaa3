"""Streaming stereo-image meter: correlation, mid/side, balance, low-end mono-ness, dual mono.

:class:`StereoMeter` is fed consecutive ``(frames, channels)`` blocks of any size and returns a
:class:`~masteraid.analysis.model.StereoResult`. It measures channels 0 and 1 (L and R); further
channels (centre, LFE, surrounds) are ignored. A mono file gives ``nan`` everywhere.

Definitions (sums run over the whole file unless stated)
--------------------------------------------------------
``Sxx = Σ L²``, ``Syy = Σ R²``, ``Sxy = Σ L·R``.

* **correlation** ``Sxy / sqrt(Sxx · Syy)`` — the convention of phase-correlation meters (the
  "+1 / 0 / −1" meter beside a goniometer in DAWs and broadcast monitoring): no mean removal.
  A DC offset is already reported by the peaks meter and is tiny against programme; keeping it
  makes a DC-only identical pair read 1 instead of ``0/0``. Both channels all-zero → ``nan``;
  exactly one channel all-zero → ``0.0`` (nothing in common, as a correlation meter shows).
* **worst_correlation_400ms** — the same formula on 400 ms windows at a 100 ms hop (window ``i``
  ends at ``0.4 + 0.1 i`` s, as the momentary-loudness series), minimum over windows that are not
  silent; a window is silent when *both* channels are below −70 dBFS RMS. ``nan`` when there is
  no such window (silence, or a file shorter than 400 ms).
* **side_to_mid_db** ``10 log10(Σ S² / Σ M²)`` with ``S = (L−R)/2``, ``M = (L+R)/2``, i.e.
  ``(Sxx + Syy − 2Sxy) / (Sxx + Syy + 2Sxy)``. Bit-identical channels give ``-inf``; otherwise the
  resolution of that difference is about −150 dB (float64 rounding of the sums). ``L = −R`` gives
  ``+inf``; silence gives ``nan``.
* **balance_db** ``10 log10(Sxx / Syy)``; a signal only in L reads ``+inf`` (only in R: ``-inf``),
  silence ``nan``. Report writers should print ``±inf`` as "only left/right".
* **low_end_correlation** — correlation (formula above) of L and R after a low-pass at 150 Hz.
  To stay cheap it is computed at a reduced rate: a second-order CIC decimator (triangular FIR of
  length ``2M − 1``, ``M = rate // 6000``, i.e. to ~6 kHz, evaluated as one small matrix product
  per block) attenuates what would alias into 0–150 Hz by at least ~62 dB at 44.1–96 kHz, then a
  4th-order Butterworth low-pass at 150 Hz runs on the decimated pair with carried state. ``nan`` when both
  low-passed channels are below −70 dBFS RMS (no low end to judge).
* **dual_mono** — every sample of L and R differs by at most 1e-6.
* **mono_loudness_drop_lu** is left ``nan``: it needs the loudness meter, and the orchestrating
  :func:`masteraid.analysis.analyze` fills it.

Memory: three float64 sums per 100 ms segment (about 2.6 MB for 3 hours) plus a few frames of
carry. Cost: three BLAS dot products per 100 ms segment on full-rate samples, one matrix product
for the decimator, and a filter on 1/8 of the samples.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ConfigError, InvalidAudioError
from .model import StereoResult
from ._iir import butter_lowpass_sos, sosfilt_rows

__all__ = ["StereoMeter", "segment_boundaries", "dot"]

#: Windows quieter than this (RMS, dBFS) in both channels are "silent" and skipped.
SILENCE_DBFS = -70.0
#: Tolerance on |L − R| for dual mono.
DUAL_MONO_TOLERANCE = 1e-6
#: Upper edge of the "low end" (Hz).
LOW_END_HZ = 150.0
#: Rate the low-end path is decimated to (approximately), Hz.
LOW_END_RATE_HZ = 6000
#: Segments per second of the window series (100 ms hop) and segments per 400 ms window.
SEGMENTS_PER_S = 10
WINDOW_SEGMENTS = 4

_SILENCE_MS = 10.0 ** (SILENCE_DBFS / 10.0)
#: Decimator matrix products are cut so that columns × inner size stays at or below this.
_GEMM_COLUMNS_X_INNER = 32768
#: Longest dot product handed to BLAS in one call.
_DOT_PIECE = 8192


def check_meter_args(rate_hz: int, channels: int) -> None:
    """Validate a meter's constructor arguments (shared by the meters of this package)."""
    if not isinstance(rate_hz, (int, np.integer)) or rate_hz <= 0:
        raise ConfigError(f"rate_hz must be a positive integer (Hz), got {rate_hz!r}")
    if not isinstance(channels, (int, np.integer)) or channels < 1:
        raise ConfigError(f"channels must be a positive integer, got {channels!r}")


def check_block(block: np.ndarray, channels: int) -> None:
    """Refuse a block that is not ``(frames, channels)`` — a caller bug, said plainly."""
    if block.ndim != 2 or block.shape[1] != channels:
        raise InvalidAudioError(
            f"a meter block must be (frames, {channels}) samples, got shape {block.shape}; "
            "pass 2-D (frames, channels) arrays as audio.open_source() yields them"
        )


def segment_boundaries(start: int, stop: int, rate_hz: int, per_s: int) -> np.ndarray:
    """Absolute frame indices in ``(start, stop]`` where a segment of ``1/per_s`` s ends.

    Segment ``k`` covers frames ``[floor(k·rate/per_s), floor((k+1)·rate/per_s))``, so segments are
    exact at every rate (44.1 kHz / 20 = 2205 frames) and never drift at odd rates.
    """
    k0 = (start * per_s) // rate_hz + 1  # first segment end strictly after start
    k1 = (stop * per_s) // rate_hz  # last segment end at or before stop
    if k1 < k0:
        return np.empty(0, dtype=np.int64)
    ks = np.arange(k0, k1 + 1, dtype=np.int64)
    ends = (ks * rate_hz) // per_s
    return ends[(ends > start) & (ends <= stop)]


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """``a · b`` for 1-D arrays, in BLAS pieces short enough to stay single-threaded.

    OpenBLAS threads a dot product above 10 000 elements; on a machine whose cores are busy the
    thread hand-off costs far more than the arithmetic, so long vectors are cut into pieces.
    """
    n = a.shape[0]
    if n <= _DOT_PIECE:
        return float(a @ b)
    return float(sum(a[i : i + _DOT_PIECE] @ b[i : i + _DOT_PIECE] for i in range(0, n, _DOT_PIECE)))


def _correlation(sxx, syy, sxy):
    """Correlation from sums (arrays or scalars): ``nan`` if both zero, ``0`` if one is."""
    sxx = np.asarray(sxx, dtype=float)
    syy = np.asarray(syy, dtype=float)
    sxy = np.asarray(sxy, dtype=float)
    den = np.sqrt(sxx * syy)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(den > 0, sxy / np.where(den > 0, den, 1.0), 0.0)
    c = np.clip(c, -1.0, 1.0)
    c = np.where((sxx == 0) & (syy == 0), np.nan, c)
    return c


def _ratio_db(num: float, den: float) -> float:
    """``10 log10(num/den)`` for energies: ``+inf`` if only ``den`` is 0, ``nan`` if both are."""
    if den > 0:
        return -math.inf if num <= 0 else 10.0 * math.log10(num / den)
    return math.inf if num > 0 else math.nan


class StereoMeter:
    """Stereo-image meter over channels 0 (L) and 1 (R), fed block by block.

    Parameters
    ----------
    rate_hz : int
        Sample rate (Hz).
    channels : int
        Channels of every block. With 1 channel every measure is ``nan``.

    Notes
    -----
    See the module docstring for the definitions. Results do not depend on how the file is cut
    into blocks (to float rounding).
    """

    def __init__(self, rate_hz: int, channels: int) -> None:
        check_meter_args(rate_hz, channels)
        self.rate_hz = int(rate_hz)
        self.channels = int(channels)
        self._active = self.channels >= 2
        self._pos = 0  # frames fed so far
        self._cur = [0.0, 0.0, 0.0]  # sums of the 100 ms segment in progress
        self._segments: list[np.ndarray] = []  # completed segments, (k, 3) [Sxx, Syy, Sxy]
        self._identical = True
        self._dual = True
        # low-end path: CIC decimation by M, then a Butterworth low-pass with carried state
        self._m = max(1, self.rate_hz // LOW_END_RATE_HZ)
        low_rate = self.rate_hz / self._m
        self._sos = butter_lowpass_sos(4, LOW_END_HZ, low_rate)
        self._zi = np.zeros((2, self._sos.shape[0], 2))  # rows first, as sosfilt_rows wants it
        self._dec_buf = np.zeros((self._m, 2))
        self._dec_fill = 0
        # second-order CIC (triangular FIR of length 2M-1) decimator: output n = rise(group n-1) +
        # fall(group n), with rise weights 1..M and fall weights M-1..0 inside a group of M frames
        m = self._m
        self._w_rise = np.arange(1.0, m + 1.0)
        self._w_fall = np.arange(m - 1.0, -1.0, -1.0)
        self._dec_matrix = np.zeros((4, m * self.channels))
        if self._active:
            for c in range(2):
                self._dec_matrix[c, c :: self.channels] = self._w_rise
                self._dec_matrix[2 + c, c :: self.channels] = self._w_fall
        self._prev_rise = np.zeros((2, 1))
        self._low = np.zeros(3)  # Sxx, Syy, Sxy of the low-passed pair
        self._low_n = 0  # decimated samples

    # -- feeding -------------------------------------------------------------------------------
    def feed(self, block: np.ndarray) -> None:
        """Add the next ``(frames, channels)`` float block (finite samples)."""
        check_block(block, self.channels)
        n = block.shape[0]
        if not self._active or n == 0:
            self._pos += n
            return
        x = block[:, 0]
        y = block[:, 1]
        if self._dual:
            d = x - y
            dmax = max(float(d.max()), -float(d.min()))
            if dmax > 0.0:
                self._identical = False
            if dmax > DUAL_MONO_TOLERANCE:
                self._dual = False
        self._feed_segments(x, y)
        self._feed_low(block)

    def _feed_segments(self, x: np.ndarray, y: np.ndarray) -> None:
        n = x.shape[0]
        start = self._pos
        ends = segment_boundaries(start, start + n, self.rate_hz, SEGMENTS_PER_S) - start
        a = 0
        done = np.empty((len(ends), 3))
        cur = self._cur
        for i, b in enumerate(ends.tolist()):
            xs = x[a:b]
            ys = y[a:b]
            done[i, 0] = cur[0] + dot(xs, xs)
            done[i, 1] = cur[1] + dot(ys, ys)
            done[i, 2] = cur[2] + dot(xs, ys)
            cur = [0.0, 0.0, 0.0]
            a = b
        if a < n:
            xs = x[a:]
            ys = y[a:]
            cur = [cur[0] + dot(xs, xs), cur[1] + dot(ys, ys), cur[2] + dot(xs, ys)]
        self._cur = cur
        if len(ends):
            self._segments.append(done)
        self._pos = start + n

    def _feed_low(self, block: np.ndarray) -> None:
        m = self._m
        groups = []
        if self._dec_fill:
            take = min(m - self._dec_fill, block.shape[0])
            self._dec_buf[self._dec_fill : self._dec_fill + take] = block[:take, :2]
            self._dec_fill += take
            block = block[take:]
            if self._dec_fill < m:
                return
            buf = self._dec_buf
            groups.append(np.concatenate((self._w_rise @ buf, self._w_fall @ buf))[:, None])
            self._dec_fill = 0
        k = block.shape[0] // m
        if k:
            # rise and fall sums of channels 0 and 1 as BLAS products (4, m·ch) @ (m·ch, cols),
            # kept small enough that OpenBLAS stays single-threaded: its threaded GEMM slows down
            # 50-fold when the other cores are busy (measured on the shared 2-core machine)
            rows = block[: k * m].reshape(k, m * self.channels)
            out = np.empty((4, k))
            cols = max(1, _GEMM_COLUMNS_X_INNER // (m * self.channels))
            for a in range(0, k, cols):
                np.matmul(self._dec_matrix, rows[a : a + cols].T, out=out[:, a : a + cols])
            groups.append(out)
        rest = block.shape[0] - k * m
        if rest:
            self._dec_buf[:rest] = block[k * m :, :2]
            self._dec_fill = rest
        if not groups:
            return
        rf = groups[0] if len(groups) == 1 else np.concatenate(groups, axis=1)  # (4, groups)
        g = rf[2:].copy()
        g[:, 0] += self._prev_rise[:, 0]
        g[:, 1:] += rf[:2, :-1]
        self._prev_rise = rf[:2, -1:].copy()
        yl = sosfilt_rows(self._sos, g, self._zi)  # in place; scipy.signal's import costs ~1 s of start-up
        l0 = yl[0]
        l1 = yl[1]
        self._low += (dot(l0, l0), dot(l1, l1), dot(l0, l1))
        self._low_n += yl.shape[1]

    # -- result --------------------------------------------------------------------------------
    def result(self) -> StereoResult:
        """The :class:`StereoResult` of everything fed so far."""
        nan = math.nan
        if not self._active:
            return StereoResult(nan, nan, nan, nan, nan, nan, False)
        seg = np.concatenate(self._segments) if self._segments else np.empty((0, 3))
        tot = seg.sum(axis=0) + np.asarray(self._cur)
        sxx, syy, sxy = (float(v) for v in tot)
        corr = float(_correlation(sxx, syy, sxy))
        if self._identical:
            side = 0.0
        else:
            side = max(sxx + syy - 2.0 * sxy, 0.0)
        mid = max(sxx + syy + 2.0 * sxy, 0.0)
        side_to_mid = _ratio_db(side, mid)
        balance = _ratio_db(sxx, syy)

        worst = nan
        if seg.shape[0] >= WINDOW_SEGMENTS:
            w = seg[: seg.shape[0] - WINDOW_SEGMENTS + 1].copy()
            for j in range(1, WINDOW_SEGMENTS):
                w += seg[j : seg.shape[0] - WINDOW_SEGMENTS + 1 + j]
            idx = np.arange(w.shape[0], dtype=np.int64)
            frames = ((idx + WINDOW_SEGMENTS) * self.rate_hz) // SEGMENTS_PER_S - (idx * self.rate_hz) // SEGMENTS_PER_S
            silent = (w[:, 0] < _SILENCE_MS * frames) & (w[:, 1] < _SILENCE_MS * frames)
            if not np.all(silent):
                c = _correlation(w[~silent, 0], w[~silent, 1], w[~silent, 2])
                worst = float(np.nanmin(c)) if np.any(np.isfinite(c)) else nan

        low_corr = nan
        if self._low_n:
            lxx, lyy, lxy = (float(v) for v in self._low)
            # the decimator's low-frequency gain is m**2 (sum of its triangular weights): divide its
            # power gain m**4 back out for the level test
            scale = self._m**4 * self._low_n
            if lxx / scale >= _SILENCE_MS or lyy / scale >= _SILENCE_MS:
                low_corr = float(_correlation(lxx, lyy, lxy))

        return StereoResult(
            correlation=corr,
            worst_correlation_400ms=worst,
            side_to_mid_db=side_to_mid,
            balance_db=balance,
            mono_loudness_drop_lu=nan,
            low_end_correlation=low_corr,
            dual_mono=bool(self._dual),
        )
