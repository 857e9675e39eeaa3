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

from ..analysis._iir import butter_highpass_sos, sosfilt_rows
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
    sos = butter_highpass_sos(2, _HIGHPASS_HZ, rate)
    rows = np.array(x, dtype=np.float64, ndmin=2)  # a filtered copy, (1, n)
    return sosfilt_rows(sos, rows, np.zeros((1, sos.shape[0], 2)))[0]


def _decimate_mean(x: np.ndarray, factor: int) -> np.ndarray:
    n = (x.shape[0] // factor) * factor
    return x[:n].reshape(-1, factor).mean(axis=1)


def _length(x) -> int:
    """Frames of an array, or of a window reader (anything with ``frames`` and ``read(a, b)``)."""
    return int(x.frames) if hasattr(x, "read") else int(x.shape[0])


def _mono_slice(x, a: int, b: int) -> np.ndarray:
    """Mono sum (float64) of ``x[a:b]``, zeros where the range lies outside ``x`` (an array or a window
    reader: only the frames asked for are read)."""
    out = np.zeros(max(0, b - a))
    lo, hi = max(a, 0), min(b, _length(x))
    if hi > lo:
        part = x.read(lo, hi) if hasattr(x, "read") else x[lo:hi]
        view = out[lo - a : hi - a]
        view[:] = part[:, 0]
        for ch in range(1, part.shape[1]):  # column adds: much faster than mean(axis=1) on (n, 2)
            view += part[:, ch]
        if part.shape[1] > 1:
            view /= part.shape[1]
    return out


def _normalized_xcorr(seg: np.ndarray, ext: np.ndarray, max_lag: int) -> np.ndarray:
    """Correlation coefficient of ``seg`` against ``ext[k + max_lag : k + max_lag + len(seg)]``, k = -max_lag..max_lag."""
    length = seg.shape[0]
    nfft = 1 << int(np.ceil(np.log2(ext.shape[0] + length)))
    spec = np.conj(np.fft.rfft(seg, nfft)) * np.fft.rfft(ext, nfft)
    full = np.fft.irfft(spec, nfft)[: 2 * max_lag + 1]  # lag k -> index k + max_lag
    e_seg = float(np.dot(seg, seg))
    c = np.concatenate(([0.0], np.cumsum(ext * ext)))
    e_ext = c[length : length + 2 * max_lag + 1] - c[: 2 * max_lag + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        coef = full / np.sqrt(e_seg * e_ext)
    coef[~np.isfinite(coef)] = 0.0
    return coef


def align(raw, pretreat, rate: int, *, max_lag_s: float = 1.0, label: str = "pre-treat") -> Alignment:
    """Latency and polarity of ``pretreat`` against ``raw`` (same rate and channel count).

    Parameters
    ----------
    raw, pretreat : ndarray, shape (frames, channels), or window readers
        A window reader has ``frames`` and ``read(a, b)`` returning ``(b - a, channels)`` samples: only
        the windows used (at most 30 s) are read.
    rate : int
        Sample rate of both, Hz.
    max_lag_s : float, keyword-only
        Largest latency searched, either way, in seconds.
    label : str, keyword-only
        What the errors call ``pretreat``.

    Returns
    -------
    Alignment
        ``latency_samples`` positive when the pre-treat is later (``pretreat[n + d] ~ raw[n]``).

    Raises
    ------
    MismatchError
        No lag gives a correlation of at least :data:`MIN_CORRELATION`: not the same mix.
    """
    # Only the windows used are mixed to mono: the cost does not grow with the file's length.
    factor = max(1, int(rate // _COARSE_RATE_HZ))
    crate = rate / factor
    nd = _length(raw) // factor
    max_lag = int(np.ceil(max_lag_s * crate))
    length = int(min(nd, _COARSE_WINDOW_S * crate))
    start = max(0, (nd - length) // 2)
    settle = int(0.1 * crate)  # high-pass settling, dropped

    def coarse_mono(x, a, b):
        return _highpass(_decimate_mean(_mono_slice(x, (a - settle) * factor, b * factor), factor), crate)[settle:]

    seg = coarse_mono(raw, start, start + length)
    if length < int(0.5 * crate) or not np.any(seg):
        raise MismatchError(
            f"the raw render is silent or too short ({_length(raw) / rate:.2f} s) to line up with the {label} — "
            "render both over the same range of the song"
        )
    ext = coarse_mono(pretreat, start - max_lag, start + length + max_lag)
    if not np.any(ext):
        raise MismatchError(
            f"the {label} is silent or absent where the raw plays ({start * factor / rate:.1f}-"
            f"{(start + length) * factor / rate:.1f} s of the raw; the {label} lasts {_length(pretreat) / rate:.1f} s): "
            f"nothing to line up — was the {label} render muted, or rendered over another range?"
        )
    coef = _normalized_xcorr(seg, ext, max_lag)
    k0 = int(np.argmax(np.abs(coef))) - max_lag
    coarse = float(abs(coef[k0 + max_lag]))

    # Fine: loudest _FINE_WINDOW_S of the coarse window, every lag within two coarse steps.
    win = int(min(_FINE_WINDOW_S * rate, length * factor))
    seg_r = _mono_slice(raw, start * factor, (start + length) * factor)
    if seg_r.shape[0] > win:
        hop = max(1, win // 4)
        blocks = seg_r[: (seg_r.shape[0] // hop) * hop].reshape(-1, hop)
        energy = sliding_window_view(np.einsum("ij,ij->i", blocks, blocks), 4).sum(axis=1)
        s0 = start * factor + int(np.argmax(energy)) * hop
    else:
        s0 = start * factor
    s0 = max(0, min(s0, _length(raw) - win))
    center = k0 * factor
    lags = np.arange(center - 2 * factor, center + 2 * factor + 1)
    pre = lags.shape[0] + int(0.1 * rate)  # the same high-pass on both, settled before the window
    x = _highpass(_mono_slice(raw, s0 - pre, s0 + win), rate)[pre:]
    ext = _highpass(_mono_slice(pretreat, s0 + lags[0] - pre, s0 + lags[0] + win + lags.shape[0] - 1), rate)[pre:]
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
