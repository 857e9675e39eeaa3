"""Gain reduction over time, transient reduction and the unexplained residual, from one 10 ms STFT pass.

The aligned pair is cut into Hann frames of ``2 * hop`` samples every ``hop`` (about 10 ms; Hann at
50 % overlap sums to a constant, so frame energies add up to the file's). In each frame ``t`` and
each band ``b`` (all, < 150 Hz, 150 Hz .. 5 kHz, > 5 kHz), with ``X`` the raw's spectrum filtered by
the estimated linear transfer function ``H`` (static gain and EQ) and ``Y`` the pre-treat's::

    A = sum |Y|**2        B = sum |H X|**2        C = sum Re(conj(H X) Y)

summed over the band's bins and the channels. The least-squares gain that best maps ``H X`` onto
``Y`` is ``g = C / B``: the pre-treat's time-varying gain once static gain and EQ are removed.
Gain reduction is ``20 log10`` of that gain below its 95th percentile (the level at which the
processor is idle: a compressor that works all the time reads relative to its least-compressed
moments). What the per-band gains leave over, ``A - C**2 / B``, is the residual (distortion, noise,
anything non-linear or not time-invariant on a 10 ms scale).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import get_window

from .model import DynamicsChange, GainReductionSummary
from .spectral import SPLIT_BANDS_HZ, CrossSpectra, transfer_on_grid

__all__ = ["FrameStats", "frame_stats", "dynamics_change", "residual_db", "gain_restoring", "IDLE_PERCENTILE",
           "VALID_RANGE_DB"]

#: Percentile of the frame gains taken as "no gain reduction".
IDLE_PERCENTILE = 95.0
#: Frames more than this far below the loudest frame (of the band) are left out (too quiet to tell).
VALID_RANGE_DB = 50.0
#: An onset: the raw band level rises by at least this much over the previous 50 ms.
ONSET_RISE_DB = 6.0

BANDS = ("all", "low", "mid", "high")


@dataclass(frozen=True, eq=False)
class FrameStats:
    """Per-frame band sums, arrays of shape (frames, 4) in :data:`BANDS` order; ``hop`` in samples."""

    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    hop: int


def frame_stats(x: np.ndarray, y: np.ndarray, rate: int, cs: CrossSpectra, *, chunk_frames: int = 2048) -> FrameStats:
    """One STFT pass over the aligned pair: the per-frame sums ``A``, ``B``, ``C`` per band.

    Parameters
    ----------
    x, y : ndarray, shape (frames, channels)
        Raw and pre-treat, aligned, same shape.
    rate : int
        Hz.
    cs : CrossSpectra
        From :func:`~masteraid.compare.spectral.cross_spectra`, for the transfer function ``H``.
    """
    hop = max(1, int(round(0.01 * rate)))
    nfft = 2 * hop
    frames, channels = x.shape
    nfr = 1 + (frames - nfft) // hop if frames >= nfft else 0
    freqs = np.fft.rfftfreq(nfft, 1.0 / rate)
    h = transfer_on_grid(cs, freqs)
    win = get_window("hann", nfft, fftbins=True).astype(np.float32)
    ind = np.zeros((freqs.shape[0], 4))
    ind[1:, 0] = 1
    for j, key in enumerate(("low", "mid", "high"), start=1):
        lo, hi = SPLIT_BANDS_HZ[key]
        ind[(freqs >= lo) & (freqs < hi) & (freqs > 0), j] = 1
    # Band sums as matrix products on the interleaved (re, im) float view of each spectrum:
    #   A = sum |Y|^2             = (Yv * Yv) @ ind2
    #   B = sum |H|^2 |X|^2       = (Xv * Xv) @ (ind2 |H|^2)
    #   C = sum Re(conj(H X) Y)   = Zv @ [ind Re H ; ind Im H]   with Z = conj(X) Y
    ind2 = np.repeat(ind, 2, axis=0).astype(np.float32)
    ind2_h = (ind2 * np.repeat(np.abs(h) ** 2, 2)[:, None]).astype(np.float32)
    w_c = np.empty_like(ind2)
    w_c[0::2] = ind * h.real[:, None]
    w_c[1::2] = ind * h.imag[:, None]
    a = np.zeros((nfr, 4))
    b = np.zeros((nfr, 4))
    c = np.zeros((nfr, 4))
    vx = [sliding_window_view(x[:, ch], nfft)[::hop][:nfr] for ch in range(channels)]
    vy = [sliding_window_view(y[:, ch], nfft)[::hop][:nfr] for ch in range(channels)]
    nb = freqs.shape[0]
    for s in range(0, nfr, chunk_frames):
        e = min(nfr, s + chunk_frames)
        for ch in range(channels):
            X = scipy.fft.rfft(vx[ch][s:e] * win, axis=1)
            Y = scipy.fft.rfft(vy[ch][s:e] * win, axis=1)
            Xv = X.view(np.float32).reshape(e - s, 2 * nb)
            Yv = Y.view(np.float32).reshape(e - s, 2 * nb)
            a[s:e] += (Yv * Yv) @ ind2
            b[s:e] += (Xv * Xv) @ ind2_h
            np.conjugate(X, out=X)
            X *= Y
            c[s:e] += Xv @ w_c  # X now holds conj(X) Y
    return FrameStats(a=a, b=b, c=c, hop=hop)


def _gain_db(st: FrameStats, j: int) -> np.ndarray:
    """Per-frame gain (dB) of band ``j``, ``nan`` where the frame is too quiet or uncorrelated."""
    bj, cj = st.b[:, j], st.c[:, j]
    if bj.size == 0:
        return np.zeros(0)
    floor = bj.max() * 10 ** (-VALID_RANGE_DB / 10)
    valid = (bj > floor) & (bj > 0) & (cj > 0)
    out = np.full(bj.shape, np.nan)
    out[valid] = 20 * np.log10(cj[valid] / bj[valid])
    return out


def _summary(gr: np.ndarray) -> GainReductionSummary:
    v = gr[np.isfinite(gr)]
    if v.size == 0:
        nan = float("nan")
        return GainReductionSummary(mean_db=nan, p95_db=nan, max_db=nan, fraction_above_1db=nan)
    return GainReductionSummary(
        mean_db=float(v.mean()),
        p95_db=float(np.percentile(v, 95)),
        max_db=float(v.max()),
        fraction_above_1db=float(np.mean(v > 1.0)),
    )


def _transient_reduction_db(st: FrameStats, j: int, gr: np.ndarray) -> float:
    """Mean gain reduction on onset frames minus that on the other (sustain) frames, dB."""
    level = 10 * np.log10(np.maximum(st.b[:, j], 1e-30))
    k = 5  # 50 ms look-back
    if level.shape[0] <= k + 3:
        return float("nan")
    prev_min = sliding_window_view(level[:-1], k).min(axis=1)  # min over [t-k, t-1] for t = k..
    rise = np.full(level.shape, -np.inf)
    rise[k:] = level[k:] - prev_min
    onset = rise >= ONSET_RISE_DB
    onset_zone = onset.copy()
    onset_zone[1:] |= onset[:-1]
    onset_zone[2:] |= onset[:-2]  # the onset frame and the next 20 ms
    ok = np.isfinite(gr)
    on, sus = gr[onset_zone & ok], gr[~onset_zone & ok]
    if on.size < 5 or sus.size < 5:
        return float("nan")
    return float(on.mean() - sus.mean())


def dynamics_change(st: FrameStats, rate: int, *, trace_start_s: float = 0.0) -> DynamicsChange:
    """Gain-reduction trace and summaries, overall and per band, and transient reduction per band."""
    grs = {}
    for j, key in enumerate(BANDS):
        g = _gain_db(st, j)
        fin = g[np.isfinite(g)]
        ref = np.percentile(fin, IDLE_PERCENTILE) if fin.size else np.nan
        grs[key] = np.maximum(ref - g, 0.0)  # nan stays nan
    return DynamicsChange(
        gain_reduction=_summary(grs["all"]),
        band_gain_reduction={k: _summary(grs[k]) for k in ("low", "mid", "high")},
        transient_reduction_db={k: _transient_reduction_db(st, j, grs[k]) for j, k in enumerate(BANDS) if k != "all"},
        trace_db=grs["all"],
        trace_hop_s=st.hop / rate,
        trace_start_s=trace_start_s,
    )


def gain_restoring(dc: DynamicsChange, rate: int, frames: int) -> tuple[np.ndarray, np.ndarray]:
    """``(positions, gains)`` that undo the broadband gain reduction of ``dc`` (for a second estimate of
    the transfer function): ``10 ** (gr / 20)`` at each frame centre, frames too quiet to measure
    taking their neighbours' value.
    """
    tr = np.asarray(dc.trace_db, dtype=float)
    hop = int(round(dc.trace_hop_s * rate))
    centres = (np.arange(tr.shape[0]) + 1.0) * hop
    ok = np.isfinite(tr)
    if not ok.any():
        return np.array([0.0, max(frames - 1, 1)]), np.ones(2)
    return centres[ok], 10 ** (tr[ok] / 20)


def residual_db(st: FrameStats) -> float:
    """Energy the linear filter and the per-band gains leave unexplained, dB relative to the pre-treat.

    Uses the three split bands (so a multiband compressor's action counts as explained).
    """
    a, b, c = st.a[:, 1:], st.b[:, 1:], st.c[:, 1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        explained = np.where(b > 0, c * c / b, 0.0)
    total = a.sum()
    if total <= 0:
        return float("nan")
    res = max(float((a - explained).sum()), total * 1e-12)
    return float(10 * np.log10(res / total))
