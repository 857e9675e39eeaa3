"""Alignment of the pre-treat against the raw render: latency (to the sample) and polarity.

Two stages, both on the mono sum of the channels:

1. **Coarse**: both signals are block-averaged down to about 6 kHz (a crude low-pass that is plenty
   for finding a lag) and cross-correlated by FFT over a window of at most 30 s from the middle of
   the raw, for lags of up to ``max_lag_s``. The correlation is normalized by the energy of the raw
   window and of the pre-treat under it at each lag, so the peak is a correlation coefficient.
2. **Fine**: at the full rate, on the loudest 2 s of that window, every lag within two coarse steps
   of the coarse peak is tried directly; the lag with the largest ``|r|`` wins and its sign says
   whether the polarity is inverted.

A peak correlation below :data:`MIN_CORRELATION` means the two files are not renders of the same
mix: :class:`~masteraid.errors.MismatchError`.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import butter, sosfilt

from ..errors import MismatchError
from .model import Alignment

__all__ = ["MIN_CORRELATION", "align", "aligned_slices"]

#: Below this peak correlation the two renders are treated as unrelated (different songs).
#: Two renders of one mix, even with heavy EQ, compression and clipping, correlate well above 0.5;
#: unrelated music correlates below about 0.1 at any lag.
MIN_CORRELATION = 0.3

_COARSE_RATE_HZ = 6000
_COARSE_WINDOW_S = 30.0
_FINE_WINDOW_S = 2.0
#: Both signals are high-passed here before correlating: infrasonic drift and DC correlate by chance.
_HIGHPASS_HZ = 40.0


def _highpass(x: np.ndarray, rate: float) -> np.ndarray:
    sos = butter(2, _HIGHPASS_HZ, "highpass", fs=rate, output="sos")
    return sosfilt(sos, x)


def _mono(x: np.ndarray) -> np.ndarray:
    return x.mean(axis=1, dtype=np.float64) if x.shape[1] > 1 else x[:, 0].astype(np.float64)


def _decimate_mean(x: np.ndarray, factor: int) -> np.ndarray:
    n = (x.shape[0] // factor) * factor
    return x[:n].reshape(-1, factor).mean(axis=1)


def _normalized_xcorr(r: np.ndarray, p: np.ndarray, start: int, length: int, max_lag: int) -> tuple[np.ndarray, int]:
    """Correlation coefficient of ``r[start:start+length]`` against ``p`` shifted by ``-max_lag..max_lag``.

    Returns the coefficients (index ``k + max_lag`` for lag ``k``) and ``max_lag``.
    """
    seg = r[start : start + length]
    lo = start - max_lag
    ext = np.zeros(length + 2 * max_lag)
    a, b = max(lo, 0), min(start + length + max_lag, p.shape[0])
    if b > a:
        ext[a - lo : b - lo] = p[a:b]
    nfft = 1 << int(np.ceil(np.log2(ext.shape[0] + length)))
    spec = np.conj(np.fft.rfft(seg, nfft)) * np.fft.rfft(ext, nfft)
    full = np.fft.irfft(spec, nfft)[: 2 * max_lag + 1]  # lag k -> index k + max_lag
    e_seg = float(np.dot(seg, seg))
    c = np.concatenate(([0.0], np.cumsum(ext * ext)))
    e_ext = c[length : length + 2 * max_lag + 1] - c[: 2 * max_lag + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        coef = full / np.sqrt(e_seg * e_ext)
    coef[~np.isfinite(coef)] = 0.0
    return coef, max_lag


def align(raw: np.ndarray, pretreat: np.ndarray, rate: int, *, max_lag_s: float = 1.0) -> Alignment:
    """Latency and polarity of ``pretreat`` against ``raw`` (same rate and channel count).

    Parameters
    ----------
    raw, pretreat : ndarray, shape (frames, channels)
    rate : int
        Sample rate of both, Hz.
    max_lag_s : float, keyword-only
        Largest latency searched, either way, in seconds.

    Returns
    -------
    Alignment
        ``latency_samples`` positive when the pre-treat is later (``pretreat[n + d] ~ raw[n]``).

    Raises
    ------
    MismatchError
        No lag gives a correlation of at least :data:`MIN_CORRELATION`: not the same mix.
    """
    r, p = _mono(raw), _mono(pretreat)
    factor = max(1, int(rate // _COARSE_RATE_HZ))
    crate = rate / factor
    rd, pd = _highpass(_decimate_mean(r, factor), crate), _highpass(_decimate_mean(p, factor), crate)
    max_lag = int(np.ceil(max_lag_s * crate))
    length = int(min(rd.shape[0], _COARSE_WINDOW_S * crate))
    start = max(0, (rd.shape[0] - length) // 2)
    if length < int(0.5 * crate) or not np.any(rd[start : start + length]):
        raise MismatchError(
            f"the raw render is silent or too short ({r.shape[0] / rate:.2f} s) to line up with the pre-treat — "
            "render both over the same range of the song"
        )
    coef, _ = _normalized_xcorr(rd, pd, start, length, max_lag)
    k0 = int(np.argmax(np.abs(coef))) - max_lag
    coarse = float(abs(coef[k0 + max_lag]))

    # Fine: loudest _FINE_WINDOW_S of the coarse window, every lag within two coarse steps.
    win = int(min(_FINE_WINDOW_S * rate, length * factor))
    seg_r = r[start * factor : (start + length) * factor]
    if seg_r.shape[0] > win:
        hop = max(1, win // 4)
        blocks = seg_r[: (seg_r.shape[0] // hop) * hop].reshape(-1, hop)
        energy = sliding_window_view(np.einsum("ij,ij->i", blocks, blocks), 4).sum(axis=1)
        s0 = start * factor + int(np.argmax(energy)) * hop
    else:
        s0 = start * factor
    s0 = min(s0, r.shape[0] - win)
    center = k0 * factor
    lags = np.arange(center - 2 * factor, center + 2 * factor + 1)
    lo = s0 + lags[0]
    ext = np.zeros(win + lags.shape[0] - 1)
    a, b = max(lo, 0), min(lo + ext.shape[0], p.shape[0])
    if b > a:
        ext[a - lo : b - lo] = p[a:b]
    # the same filter on both, started early enough to settle: no lag bias
    pre = min(s0, lags.shape[0] + int(0.1 * rate))
    x = _highpass(r[s0 - pre : s0 + win], rate)[pre:]
    ext = _highpass(np.concatenate((np.zeros(pre), ext)), rate)[pre:]
    frames = sliding_window_view(ext, win)  # (n_lags, win), a view
    dots = frames @ x
    energies = np.einsum("ij,ij->i", frames, frames)
    with np.errstate(invalid="ignore", divide="ignore"):
        fine = dots / np.sqrt(float(np.dot(x, x)) * energies)
    fine[~np.isfinite(fine)] = 0.0
    i = int(np.argmax(np.abs(fine)))
    corr = float(fine[i])
    best = max(abs(corr), coarse)
    if best < MIN_CORRELATION:
        raise MismatchError(
            f"the two renders do not line up: best correlation {best:.2f} at any latency up to "
            f"±{max_lag_s:g} s (same mix renders give well above {MIN_CORRELATION}) — are they renders of the same song "
            "over the same time range?"
        )
    return Alignment(latency_samples=int(lags[i]), polarity_inverted=bool(corr < 0), correlation=abs(corr))


def aligned_slices(raw_frames: int, pretreat_frames: int, latency_samples: int) -> tuple[slice, slice]:
    """Slices of the raw and of the pre-treat covering their overlap once aligned."""
    d = int(latency_samples)
    r0, p0 = (0, d) if d >= 0 else (-d, 0)
    n = min(raw_frames - r0, pretreat_frames - p0)
    if n <= 0:
        raise MismatchError(
            f"the renders do not overlap once aligned (latency {d} samples) — render both over the same time range"
        )
    return slice(r0, r0 + n), slice(p0, p0 + n)
