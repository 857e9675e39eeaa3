"""Loudness per ITU-R BS.1770-4 and EBU R 128 (Tech 3341 / 3342), streamed block by block.

Pipeline (BS.1770-4 Annex 1, Fig. 1):

1. K-weighting: a high shelf ("pre-filter", stage 1) then a high pass ("RLB", stage 2), designed for
   the file's own sample rate from their analog prototypes the way libebur128 does it, so that at
   48 kHz the coefficients are those of BS.1770-4 Table 1 and 2.
2. Mean square of each channel over 100 ms sub-blocks (``round(rate / 10)`` samples, rounding
   half up, as libebur128 does: 4410 at 44.1 kHz, 1103 at 11.025 kHz; the series hop is then
   ``sub_block / rate`` seconds, exactly 0.1 s for every rate divisible by 10).
3. Gating blocks of 400 ms (4 sub-blocks, 75 % overlap) give the momentary loudness and the
   integrated loudness (absolute gate −70 LUFS, relative gate −10 LU, BS.1770-4 eq. 4–7); windows of
   3 s (30 sub-blocks) at the same hop give the short-term loudness and the loudness range
   (EBU Tech 3342: gates −70 LUFS / −20 LU, 10th to 95th percentile, percentile ranks as ffmpeg's
   ``ebur128`` filter takes them).

Loudness of a block: ``L = −0.691 + 10 log10 Σ_i G_i · z_i`` (eq. 2), ``z_i`` the mean square of
channel ``i`` and ``G_i`` its weight (:func:`channel_weights`).
"""

from __future__ import annotations

import logging
import math

import numpy as np

from ._iir import sosfilt_rows
from .model import LoudnessResult

__all__ = [
    "ABSOLUTE_GATE_LUFS",
    "RELATIVE_GATE_LU",
    "LRA_RELATIVE_GATE_LU",
    "k_weighting_sos",
    "channel_weights",
    "sub_block_frames",
    "LoudnessMeter",
    "LoudnessResult",
    "integrated_loudness",
]

log = logging.getLogger(__name__)

#: BS.1770-4 eq. 2 offset, the −0.691 dB that makes a 1 kHz full-scale sine read −3.01 LKFS per channel.
LOUDNESS_OFFSET_DB = -0.691
#: BS.1770-4 absolute gate Γa.
ABSOLUTE_GATE_LUFS = -70.0
#: BS.1770-4 relative gate for the integrated loudness.
RELATIVE_GATE_LU = -10.0
#: EBU Tech 3342 relative gate for the loudness range.
LRA_RELATIVE_GATE_LU = -20.0
#: EBU Tech 3342 percentiles of the gated short-term distribution.
LRA_LOW_PERCENTILE, LRA_HIGH_PERCENTILE = 10.0, 95.0
#: Sub-blocks per momentary (400 ms) and short-term (3 s) window.
MOMENTARY_SUB_BLOCKS, SHORT_TERM_SUB_BLOCKS = 4, 30

_SURROUND_GAIN = 1.41  # BS.1770-4 Table 3: Ls, Rs (and any channel at |azimuth| 60..120 deg): +1.5 dB


def k_weighting_sos(rate_hz: float) -> np.ndarray:
    """K-weighting filter (BS.1770-4 Annex 1) for a sample rate, as two second-order sections.

    The two stages are designed from their analog prototypes with the bilinear transform the way
    libebur128 does it (shelf: f0 = 1681.97 Hz, G = +4.00 dB, Q = 0.7072; high pass: f0 = 38.135 Hz,
    Q = 0.5003). At 48 kHz the result equals the coefficients of BS.1770-4 Tables 1 and 2.

    Parameters
    ----------
    rate_hz : float
        Sample rate in Hz.

    Returns
    -------
    ndarray, shape (2, 6)
        ``scipy.signal`` SOS matrix: row 0 the pre-filter (stage 1), row 1 the RLB high pass (stage 2).
    """
    f0 = 1681.974450955533
    gain_db = 3.999843853973347
    q = 0.7071752369554196
    k = math.tan(math.pi * f0 / rate_hz)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    pre_b = [(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]
    pre_a = [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]

    f0 = 38.13547087602444
    q = 0.5003270373238773
    k = math.tan(math.pi * f0 / rate_hz)
    a0 = 1.0 + k / q + k * k
    rlb_b = [1.0, -2.0, 1.0]
    rlb_a = [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    return np.array([pre_b + pre_a, rlb_b + rlb_a], dtype=np.float64)


def channel_weights(channels: int) -> np.ndarray:
    """BS.1770-4 channel weights G_i for a channel count (WAV / SMPTE channel order).

    * 1: mono, one channel of weight 1 (a mono file is measured as one channel, as BS.1770 says);
    * 2: L R; 3: L R C (all 1.0);
    * 4: L R Ls Rs (quad, as libebur128 assumes), 5: L R C Ls Rs — surrounds 1.41;
    * 6: 5.1 L R C LFE Ls Rs — LFE (index 3) left out (0), Ls Rs 1.41;
    * 7: 6.1 L R C LFE Cs Ls Rs and 8: 7.1 L R C LFE Lb Rb Ls Rs — our documented choice, following
      BS.1770-4 Table 3 (any channel at 60°..120° azimuth or behind weighs 1.41): every channel after
      the LFE weighs 1.41, the LFE 0.

    Returns
    -------
    ndarray, shape (channels,)
    """
    if channels < 1:
        raise ValueError("channels must be at least 1")
    if channels <= 3:
        return np.ones(channels)
    if channels == 4:
        return np.array([1.0, 1.0, _SURROUND_GAIN, _SURROUND_GAIN])
    if channels == 5:
        return np.array([1.0, 1.0, 1.0, _SURROUND_GAIN, _SURROUND_GAIN])
    w = np.full(channels, _SURROUND_GAIN)
    w[:3] = 1.0
    w[3] = 0.0  # LFE
    return w


def sub_block_frames(rate_hz: int) -> int:
    """Frames in one 100 ms sub-block: ``round(rate / 10)``, halves rounded up (as libebur128)."""
    return max(1, (int(rate_hz) + 5) // 10)


def _power_to_lufs(power):
    with np.errstate(divide="ignore"):
        return LOUDNESS_OFFSET_DB + 10.0 * np.log10(power)


def _gated_integrated(block_power: np.ndarray) -> float:
    """BS.1770-4 eq. 4-7 on the weighted mean-square powers of the 400 ms gating blocks."""
    if block_power.size == 0:
        return math.nan
    loud = _power_to_lufs(block_power)
    kept = block_power[loud > ABSOLUTE_GATE_LUFS]
    if kept.size == 0:
        return -math.inf
    rel_gate = float(_power_to_lufs(kept.mean())) + RELATIVE_GATE_LU
    kept = kept[_power_to_lufs(kept) > rel_gate]
    return float(_power_to_lufs(kept.mean()))


def _loudness_range(short_term_power: np.ndarray) -> float:
    """EBU Tech 3342 loudness range of short-term powers (gates −70 LUFS / −20 LU, 10th–95th pct.).

    The percentiles are ranks in the sorted gated values, taken as ffmpeg's ``ebur128`` filter
    does: the value of 1-based rank ``floor(p/100 · n + 0.5)`` (at least 1).
    """
    if short_term_power.size == 0:
        return math.nan
    loud = _power_to_lufs(short_term_power)
    keep = loud >= ABSOLUTE_GATE_LUFS  # Tech 3342 example code uses >=, as ffmpeg
    if not keep.any():
        return math.nan
    rel_gate = float(_power_to_lufs(short_term_power[keep].mean())) + LRA_RELATIVE_GATE_LU
    vals = np.sort(loud[keep & (loud >= rel_gate)])
    n = vals.size
    if n == 0:
        return math.nan
    lo = max(int(math.floor(LRA_LOW_PERCENTILE / 100.0 * n + 0.5)), 1) - 1
    hi = max(int(math.floor(LRA_HIGH_PERCENTILE / 100.0 * n + 0.5)), 1) - 1
    return float(vals[hi] - vals[lo])


def _window_sum(x: np.ndarray, width: int) -> np.ndarray:
    """Sums of ``width`` consecutive elements (valid part only), exact per window."""
    if x.shape[0] < width:
        return np.zeros(0)
    return np.lib.stride_tricks.sliding_window_view(x, width).sum(axis=-1)


class LoudnessMeter:
    """Streaming BS.1770-4 / EBU R 128 loudness meter (K-weighting once, 100 ms sub-blocks).

    Feed consecutive ``(frames, channels)`` float64 blocks of any size; results do not depend on
    the block sizes (to float precision). Memory: the filter state, one partial sub-block and one
    mean square per channel per 100 ms of audio (8 bytes per channel per 100 ms).

    For stereo it also measures the integrated loudness of the mono fold-down ``(L+R)/2`` played on
    both channels (:attr:`fold_down_integrated_lufs`), from the K-weighted channels (K-weighting is
    linear, so folding after it equals folding before it).

    Parameters
    ----------
    rate_hz : int
        Sample rate in Hz.
    channels : int
        Channel count (1..8, see :func:`channel_weights`).
    """

    def __init__(self, rate_hz: int, channels: int):
        self.rate_hz = int(rate_hz)
        self.channels = int(channels)
        self.weights = channel_weights(self.channels)
        self.sub_frames = sub_block_frames(self.rate_hz)
        self._sos = k_weighting_sos(self.rate_hz)
        self._zi = np.zeros((self.channels, self._sos.shape[0], 2))  # sosfilt_rows layout
        self._fold = self.channels == 2
        ncols = self.channels + (1 if self._fold else 0)
        self._pending = np.zeros(ncols)
        self._pending_frames = 0
        self._subs: list[np.ndarray] = []  # per-sub-block sums of squares, (k, ncols)

    # -- streaming -----------------------------------------------------------------------------

    def feed(self, block: np.ndarray) -> None:
        """Add the next ``(frames, channels)`` float64 block (non-finite samples already zeroed)."""
        self.feed_t(np.ascontiguousarray(block.T))

    def feed_t(self, xt: np.ndarray) -> None:
        """Add the next block, channel-major: a C-contiguous ``(channels, frames)`` array."""
        n = xt.shape[1]
        if n == 0:
            return
        ch = self.channels
        nrows = self._pending.shape[0]
        sq = np.empty((nrows, n))
        z = sq[:ch]  # leading rows: C-contiguous
        z[...] = xt
        sosfilt_rows(self._sos, z, self._zi)  # K-weighting, in place
        if self._fold:
            np.add(z[0], z[1], out=sq[2])
            sq[2] *= 0.5  # (L+R)/2
            np.square(sq[2], out=sq[2])
        np.square(z, out=z)
        self._accumulate(sq)

    def _accumulate(self, sq: np.ndarray) -> None:
        """Add squared K-weighted samples ``sq`` (rows: channels, then the fold-down) into 100 ms sub-blocks."""
        n = sq.shape[1]
        sub = self.sub_frames
        nrows = sq.shape[0]
        start = 0
        if self._pending_frames:
            take = min(sub - self._pending_frames, n)
            self._pending += sq[:, :take].sum(axis=1)
            self._pending_frames += take
            start = take
            if self._pending_frames == sub:
                self._subs.append(self._pending[None, :].copy())
                self._pending[:] = 0.0
                self._pending_frames = 0
        full = (n - start) // sub
        if full:
            stop = start + full * sub
            self._subs.append(sq[:, start:stop].reshape(nrows, full, sub).sum(axis=2).T)
            start = stop
        if start < n:
            self._pending += sq[:, start:].sum(axis=1)
            self._pending_frames += n - start

    # -- results -------------------------------------------------------------------------------

    def _sub_blocks(self) -> np.ndarray:
        ncols = self._pending.shape[0]
        if not self._subs:
            return np.zeros((0, ncols))
        if len(self._subs) > 1:
            self._subs = [np.concatenate(self._subs, axis=0)]
        return self._subs[0]

    def _powers(self, width: int) -> np.ndarray:
        """Weighted mean-square power of every window of ``width`` sub-blocks (hop one sub-block)."""
        subs = self._sub_blocks()
        weighted = subs[:, : self.channels] @ self.weights
        return _window_sum(weighted, width) / (width * self.sub_frames)

    @property
    def fold_down_integrated_lufs(self) -> float:
        """Integrated loudness of the mono fold-down ``(L+R)/2`` on both channels (stereo only, else nan)."""
        if not self._fold:
            return math.nan
        subs = self._sub_blocks()
        folded = 2.0 * subs[:, 2]  # two channels of weight 1 carrying the same signal
        return _gated_integrated(_window_sum(folded, MOMENTARY_SUB_BLOCKS) / (MOMENTARY_SUB_BLOCKS * self.sub_frames))

    def result(self) -> LoudnessResult:
        """The loudness of everything fed so far (see :class:`LoudnessResult` for -inf / nan)."""
        mom_p = self._powers(MOMENTARY_SUB_BLOCKS)
        st_p = self._powers(SHORT_TERM_SUB_BLOCKS)
        mom = _power_to_lufs(mom_p)
        st = _power_to_lufs(st_p)
        return LoudnessResult(
            integrated_lufs=_gated_integrated(mom_p),
            loudness_range_lu=_loudness_range(st_p),
            max_momentary_lufs=float(mom.max()) if mom.size else math.nan,
            max_short_term_lufs=float(st.max()) if st.size else math.nan,
            momentary_lufs=mom,
            short_term_lufs=st,
            hop_s=self.sub_frames / self.rate_hz,
        )


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    """Integrated loudness (LUFS) of a whole ``(frames, channels)`` array, BS.1770-4.

    ``-inf`` for silence, ``nan`` when shorter than one 400 ms block. A 1-D array is taken as mono.
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    meter = LoudnessMeter(rate, x.shape[1])
    meter.feed(np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0))
    mom_p = meter._powers(MOMENTARY_SUB_BLOCKS)
    return _gated_integrated(mom_p)
