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

import os
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..analysis._iir import periodic_hann, rfft

from .._diskarray import DiskArray
from .framing import FramedPass
from .model import DynamicsChange, GainReductionSummary
from .spectral import SPLIT_BANDS_HZ, CrossSpectra, transfer_on_grid

__all__ = ["FrameStats", "FrameGroups", "FrameGroupsPass", "frame_groups", "project", "frame_stats", "dynamics_change", "residual_db", "gain_restoring", "restored_transfer", "IDLE_PERCENTILE",
           "VALID_RANGE_DB", "MIN_FRAME_COHERENCE"]

#: Percentile of the frame gains taken as "no gain reduction".
IDLE_PERCENTILE = 95.0
#: Frames more than this far below the loudest frame (of the band) are left out (too quiet to tell).
VALID_RANGE_DB = 50.0
#: Frames whose pre-treat is less coherent than this with the filtered raw (``C**2 / (A B)``: the share of
#: the pre-treat's energy a gain on ``H X`` explains) are left out: their least-squares gain ``C / B`` is
#: not a gain but chance (on the bundled example, quiet frames at 0.05 read 19.7 dB of gain reduction
#: broadband and 102.7 dB above 5 kHz, against 12 dB the bus chain really did). Same bar as the tonal
#: change's trusted confidence.
MIN_FRAME_COHERENCE = 0.5
#: Gain reduction the first pass reads up to this (dB) is not undone: a low EQ's leak into that pass
#: stays under it in the mid band, and a constant offset of the restoring gain does not bias the estimate.
RESTORE_DEAD_ZONE_DB = 0.5
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


@dataclass(frozen=True, eq=False)
class FrameGroups:
    """Per-frame spectral sums over narrow frequency groups, from one STFT pass (no filter applied yet).

    ``data`` holds, per frame and group, ``[sum |Y|^2, sum |X|^2, Re sum conj(X) Y, Im sum conj(X) Y]``
    over the group's bins and the channels: a float32 array ``(frames, groups, 4)``, or a
    :class:`~masteraid._diskarray.DiskArray` of that shape (a streamed compare: read back in frame
    ranges). ``totals`` is the same summed over the frames (float64, ``(groups, 4)``). ``bin_group``
    maps each STFT bin to its group; ``group_band`` (groups, 4) says which of :data:`BANDS` each group
    belongs to. Groups are single bins below 500 Hz and 1/12 octave above, with edges at 150 Hz and
    5 kHz, so a transfer function that is smooth over 1/12 octave can be applied afterwards, per group,
    without another FFT pass.
    """

    data: "np.ndarray | DiskArray"
    totals: np.ndarray
    freqs_hz: np.ndarray
    bin_group: np.ndarray
    group_band: np.ndarray
    hop: int
    #: Left/right auto- and cross-spectra of both renders summed over the frames (for the width per
    #: band), in a :class:`CrossSpectra` on the STFT's bins; ``None`` for mono.
    stereo: CrossSpectra | None = None

    @property
    def frames(self) -> int:
        return int(self.data.shape[0])


def _groups(freqs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    df = freqs[1] - freqs[0]
    edges = [float(f) + df / 2 for f in freqs[freqs < 500.0]]
    edges += list(500.0 * 2.0 ** (np.arange(1, 200) / 12.0))
    edges = np.unique(np.array([e for e in edges if e < freqs[-1] + df] + [150.0, 5000.0]))
    raw = np.searchsorted(edges, freqs, side="right")
    _, bin_group = np.unique(raw, return_inverse=True)
    ng = int(bin_group.max()) + 1
    band = np.zeros((ng, 4), dtype=np.float32)
    for g in range(ng):
        f0 = freqs[bin_group == g].min()
        if f0 <= 0:
            continue  # DC: in no band
        band[g, 0] = 1
        for j, key in enumerate(("low", "mid", "high"), start=1):
            lo, hi = SPLIT_BANDS_HZ[key]
            if lo <= f0 < hi:
                band[g, j] = 1
    return bin_group, band


def frame_groups(x: np.ndarray, y: np.ndarray, rate: int, *, chunk_frames: int = 128) -> FrameGroups:
    """The one STFT pass over the aligned pair (Hann, ``2 * hop`` long, every ``hop`` ~ 10 ms).

    Parameters
    ----------
    x, y : ndarray, shape (frames, channels)
        Raw and pre-treat, aligned, same shape (float32 is fine).
    rate : int
        Hz.
    """
    acc = FrameGroupsPass(rate, x.shape[1], x.shape[0], chunk_frames=chunk_frames)
    acc.feed(x, y)
    return acc.result()


#: Frames of per-group sums projected per step (the data may be read back from a file).
_PROJECT_FRAMES = 1 << 12


class FrameGroupsPass(FramedPass):
    """:func:`frame_groups` fed in consecutive aligned blocks of any size (the samples between blocks
    are carried), for a pair of ``total_frames`` frames: the same frames, the same sums. With
    ``store_dir``, the per-frame sums (16 bytes per group and frame: ~440 MB for 60 minutes) go to a
    file there instead of memory."""

    def __init__(self, rate: int, channels: int, total_frames: int, *, chunk_frames: int = 128,
                 store_dir: str | None = None, store_name: str = "frames.f32"):
        self.rate, self.channels, self.chunk_frames = int(rate), int(channels), int(chunk_frames)
        self.hop = max(1, int(round(0.01 * rate)))
        self.nfft = nfft = 2 * self.hop
        self.nfr = 1 + (total_frames - nfft) // self.hop if total_frames >= nfft else 0
        super().__init__(channels, nfft, self.hop, self.nfr, chunk_frames)
        self.freqs = np.fft.rfftfreq(nfft, 1.0 / rate)
        self.nb = self.freqs.shape[0]
        self.bin_group, self.band = _groups(self.freqs)
        ng = self.band.shape[0]
        self.win = periodic_hann(nfft).astype(np.float32)
        self.starts = np.flatnonzero(np.r_[True, np.diff(self.bin_group) != 0])  # groups: contiguous bins
        # per frame and group: |Y|^2, |X|^2, Re and Im of conj(X) Y (in memory, or in a file for long pairs)
        shape = (self.nfr, ng, 4)
        self.data = (DiskArray(os.path.join(store_dir, store_name), shape) if store_dir is not None
                     else np.zeros(shape, dtype=np.float32))
        self.totals = np.zeros((ng, 4))
        self.stereo = channels >= 2
        self.pow_bins = np.zeros((4, 2 * self.nb))  # |XL|^2, |XR|^2, |YL|^2, |YR|^2 (re², im² per bin), over the frames
        self.x_lr = np.zeros(self.nb, dtype=complex)
        self.y_lr = np.zeros(self.nb, dtype=complex)
        self._work = np.empty((2 * channels, chunk_frames, nfft), dtype=np.float32)

    def _process(self, views, s: int, e: int) -> None:
        ch, nb, starts = self.channels, self.nb, self.starts
        w = self._work[:, : e - s]
        for i, v in enumerate(views):
            np.multiply(v[s:e], self.win, out=w[i])
        F = rfft(w, axis=-1)  # (2 ch, frames, bins) complex64: one call for all
        sq = F.view(np.float32)  # (2 ch, frames, 2 bins): re, im interleaved
        sq = sq * sq
        # channels summed before the group sums (re² and im² of a bin are neighbours: groups start at 2k)
        both = np.empty((2,) + sq.shape[1:], dtype=np.float32)
        np.sum(sq[:ch], axis=0, out=both[0])
        np.sum(sq[ch:], axis=0, out=both[1])
        g = np.add.reduceat(both, 2 * starts, axis=2)
        cross = (np.conj(F[:ch]) * F[ch:]).sum(axis=0)
        z = np.add.reduceat(cross.view(np.float32).reshape(e - s, nb, 2), starts, axis=1)
        rows = np.empty((e - s, g.shape[2], 4), dtype=np.float32)
        rows[:, :, 0], rows[:, :, 1], rows[:, :, 2:] = g[1], g[0], z
        self.data[self._next + s : self._next + e] = rows
        self.totals += rows.sum(axis=0, dtype=np.float64)
        if self.stereo:
            self.pow_bins += (sq if ch == 2 else sq[[0, 1, ch, ch + 1]]).sum(axis=1)
            self.x_lr += np.einsum("ij,ij->j", np.conj(F[0]), F[1])
            self.y_lr += np.einsum("ij,ij->j", np.conj(F[ch]), F[ch + 1])

    def result(self) -> FrameGroups:
        st = None
        if self.stereo:
            pb, zero = self.pow_bins.reshape(4, self.nb, 2).sum(axis=2), np.zeros(self.nb)
            st = CrossSpectra(freqs_hz=self.freqs, sxx=zero, syy=zero, sxy=zero.astype(complex), x_ll=pb[0],
                              x_rr=pb[1], x_lr=self.x_lr, y_ll=pb[2], y_rr=pb[3], y_lr=self.y_lr, segments=self.nfr,
                              nperseg=self.nfft)
        return FrameGroups(data=self.data, totals=self.totals, freqs_hz=self.freqs,
                           bin_group=self.bin_group, group_band=self.band, hop=self.hop, stereo=st)


def project(fg: FrameGroups, cs: "CrossSpectra | tuple | None" = None, *, unity: bool = False) -> FrameStats:
    """Apply a transfer function per group: the per-frame band sums ``A``, ``B``, ``C``.

    With ``cs``, its (Welch, fine-resolution) transfer function; without, the one the frame pass itself
    estimates per group (``sum conj(X) Y / sum |X|^2`` over all frames): cruder, but free. With
    ``unity``, none (the raw was filtered already: :mod:`masteraid.compare.linear`). ``cs`` may also be
    per-group ``(|H|^2, Re H, Im H)`` arrays (:func:`restored_transfer`).
    """
    ng = fg.group_band.shape[0]
    if unity:
        h2, hre, him = np.ones(ng), np.ones(ng), np.zeros(ng)
    elif isinstance(cs, tuple):
        h2, hre, him = cs
    elif cs is not None:
        h = transfer_on_grid(cs, fg.freqs_hz)
        cnt = np.bincount(fg.bin_group, minlength=ng).astype(float)
        h2 = np.bincount(fg.bin_group, weights=np.abs(h) ** 2, minlength=ng) / cnt
        hre = np.bincount(fg.bin_group, weights=h.real, minlength=ng) / cnt
        him = np.bincount(fg.bin_group, weights=h.imag, minlength=ng) / cnt
    else:
        den = fg.totals[:, 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            hre = np.where(den > 0, fg.totals[:, 2] / den, 0.0)
            him = np.where(den > 0, fg.totals[:, 3] / den, 0.0)
        h2 = hre**2 + him**2
    band = fg.group_band.astype(np.float64)
    weights = np.stack([band, band * h2[:, None], band * hre[:, None], band * him[:, None]])  # (4, groups, 4 bands)
    n = fg.frames
    a, b, c = np.zeros((n, 4)), np.zeros((n, 4)), np.zeros((n, 4))
    for s in range(0, n, _PROJECT_FRAMES):
        rows = np.asarray(fg.data[s : s + _PROJECT_FRAMES], dtype=np.float64)  # (k, groups, 4)
        a[s : s + rows.shape[0]] = rows[:, :, 0] @ weights[0]
        b[s : s + rows.shape[0]] = rows[:, :, 1] @ weights[1]
        c[s : s + rows.shape[0]] = rows[:, :, 2] @ weights[2] + rows[:, :, 3] @ weights[3]
    return FrameStats(a=np.asarray(a, float), b=np.asarray(b, float), c=np.asarray(c, float), hop=fg.hop)


def restored_transfer(fg: FrameGroups, dc: DynamicsChange) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-group transfer function with ``dc``'s gain reduction undone frame by frame:
    ``sum_t conj(X) Y 10**(gr_t / 20) / sum_t |X|^2``, as ``(|H|^2, Re H, Im H)`` for :func:`project`.

    Run on the pass over the raw already filtered by the fine linear estimate, it corrects what is
    left of that estimate (its share of the first, cruder gain trace) with the cleaner trace."""
    tr = np.asarray(dc.trace_db, dtype=float)
    ng = fg.group_band.shape[0]
    ok = np.isfinite(tr)
    if tr.shape[0] != fg.frames or not ok.any():
        return np.ones(ng), np.ones(ng), np.zeros(ng)
    idx = np.arange(tr.shape[0])
    r = 10.0 ** (np.interp(idx, idx[ok], tr[ok]) / 20.0)
    num = np.zeros((ng, 2))
    for s in range(0, fg.frames, _PROJECT_FRAMES):
        rows = np.asarray(fg.data[s : s + _PROJECT_FRAMES], dtype=np.float64)
        num += np.einsum("t,tgk->gk", r[s : s + rows.shape[0]], rows[:, :, 2:])
    den = fg.totals[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        hre = np.where(den > 0, num[:, 0] / den, 1.0)
        him = np.where(den > 0, num[:, 1] / den, 0.0)
    return hre**2 + him**2, hre, him


def frame_stats(x: np.ndarray, y: np.ndarray, rate: int, cs: CrossSpectra) -> FrameStats:
    """:func:`frame_groups` then :func:`project`: per-frame band sums with ``cs``'s transfer function."""
    return project(frame_groups(x, y, rate), cs)


def _gain_db(st: FrameStats, j: int) -> np.ndarray:
    """Per-frame gain (dB) of band ``j``, ``nan`` where the frame is too quiet or not coherent enough
    (:data:`VALID_RANGE_DB`, :data:`MIN_FRAME_COHERENCE`)."""
    aj, bj, cj = st.a[:, j], st.b[:, j], st.c[:, j]
    if bj.size == 0:
        return np.zeros(0)
    floor = bj.max() * 10 ** (-VALID_RANGE_DB / 10)
    valid = (bj > floor) & (bj > 0) & (cj > 0) & (cj * cj >= MIN_FRAME_COHERENCE * aj * bj)
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


def _reduction_db(st: FrameStats, j: int) -> np.ndarray:
    """Per-frame gain reduction (dB, >= 0) of band ``j`` below its idle level (the
    :data:`IDLE_PERCENTILE` of its gains); ``nan`` where the frame is too quiet to tell."""
    g = _gain_db(st, j)
    fin = g[np.isfinite(g)]
    ref = np.percentile(fin, IDLE_PERCENTILE) if fin.size else np.nan
    return np.maximum(ref - g, 0.0)  # nan stays nan


def dynamics_change(st: FrameStats, rate: int, *, trace_start_s: float = 0.0) -> DynamicsChange:
    """Gain-reduction trace and summaries, overall and per band, and transient reduction per band."""
    grs = {key: _reduction_db(st, j) for j, key in enumerate(BANDS)}
    return DynamicsChange(
        gain_reduction=_summary(grs["all"]),
        band_gain_reduction={k: _summary(grs[k]) for k in ("low", "mid", "high")},
        transient_reduction_db={k: _transient_reduction_db(st, j, grs[k]) for j, k in enumerate(BANDS) if k != "all"},
        trace_db=grs["all"],
        trace_hop_s=st.hop / rate,
        trace_start_s=trace_start_s,
    )


def gain_restoring(st: FrameStats, frames: int, *, band: str = "mid") -> tuple[np.ndarray, np.ndarray]:
    """``(positions, gains)`` that undo the gain reduction ``st`` reads in one of :data:`BANDS` (for a
    second estimate of the transfer function): ``10 ** (gr / 20)`` at each frame centre, frames too
    quiet to measure taking their neighbours' value.

    The mid band (150 Hz .. 5 kHz) by default: a broadband compressor shows there as well as anywhere,
    while the first pass's per-bin filter reads a low EQ (whose response turns within one 50 Hz bin)
    as level changes wherever the bass comes and goes; undoing those would bias the estimate they
    feed, in a way no later pass can tell from compression. The first :data:`RESTORE_DEAD_ZONE_DB` of
    each frame's reduction are not undone, for the same reason.
    """
    tr = np.maximum(_reduction_db(st, BANDS.index(band)) - RESTORE_DEAD_ZONE_DB, 0.0)  # nan stays nan
    ok = np.isfinite(tr)
    if not ok.any():
        return np.array([0.0, max(frames - 1, 1)]), np.ones(2)
    centres = (np.arange(tr.shape[0]) + 1.0) * st.hop
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
