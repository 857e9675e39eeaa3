"""The linear part of the bus processing: a Welch cross-spectral estimate over the aligned pair.

One pass over the file accumulates, over channels and Hann-windowed segments (Welch's method),
the auto-spectra of raw (``x``) and pre-treat (``y``), their cross-spectrum, and each render's
left/right cross-spectrum (for width per band). From these:

* the transfer function ``H = Sxy / Sxx`` (the "H1" estimator, unbiased by output noise),
* the magnitude-squared coherence ``|Sxy|**2 / (Sxx Syy)`` (the share of the pre-treat's energy that
  a linear filter of the raw explains),
* per 1/3-octave band (IEC 61260 centres ``1000 * 10**(k/10)``, 31.5 Hz .. 16 kHz), the power gain of
  the linear part, ``sum(|H|**2 Sxx) / sum(Sxx)`` over the band's bins, in dB relative to the same
  over 500 Hz .. 2 kHz, and its confidence ``sum(|H|**2 Sxx) / sum(Syy)`` — the coherence averaged
  over the band with the pre-treat's energy as weight (0..1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..analysis._iir import periodic_hann, rfft
from .framing import FramedPass
from .model import TonalChange

__all__ = [
    "NOMINAL_BANDS_HZ",
    "CONFIDENCE_TRUSTED",
    "CrossSpectra",
    "cross_spectra",
    "CrossSpectraPass",
    "tonal_change",
    "transfer_on_grid",
    "band_side_to_mid_db",
]

#: Nominal 1/3-octave centres reported, 31.5 Hz .. 16 kHz (IEC 61260 base-10 index k = -15 .. 12).
NOMINAL_BANDS_HZ = np.array(
    [31.5, 40, 50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800, 1000,
     1250, 1600, 2000, 2500, 3150, 4000, 5000, 6300, 8000, 10000, 12500, 16000], dtype=float)
_EXACT_CENTRES_HZ = 1000.0 * 10.0 ** (np.arange(-15, 13) / 10.0)
#: A band's change is trusted (reported as EQ) from this confidence up.
CONFIDENCE_TRUSTED = 0.5
#: Reference region for the relative change (and the static gain of the linear part).
REFERENCE_HZ = (500.0, 2000.0)
#: Bands for the width-per-band and gain-reduction-per-band summaries.
SPLIT_BANDS_HZ = {"low": (0.0, 150.0), "mid": (150.0, 5000.0), "high": (5000.0, np.inf)}
#: A side-to-mid ratio under this is no side at all (``-inf``, mono): the side is ``L + R - 2 Re(L R*)``
#: summed from the single-precision renders' spectra, and identical channels leave a rounding residue
#: of -75 to -85 dB there (a mono raw copied to both channels read "mid band +68.5 dB wider").
SIDE_FLOOR_DB = -70.0


@dataclass(frozen=True, eq=False)
class CrossSpectra:
    """Welch sums (not averages: only ratios are used) over segments and channels.

    ``sxx``/``syy``: auto-spectra of raw / pre-treat; ``sxy``: ``sum(conj(X) Y)``;
    ``x_lr``/``y_lr``: ``sum(conj(L) R)`` of each render; ``x_ll``... per channel auto-spectra
    for L and R of each (used for width); ``segments``: number of segments per channel.
    """

    freqs_hz: np.ndarray
    sxx: np.ndarray
    syy: np.ndarray
    sxy: np.ndarray
    x_ll: np.ndarray
    x_rr: np.ndarray
    x_lr: np.ndarray
    y_ll: np.ndarray
    y_rr: np.ndarray
    y_lr: np.ndarray
    segments: int
    nperseg: int


def _nperseg(rate: int, frames: int) -> int:
    n = 1 << int(np.ceil(np.log2(rate / 3.0)))  # ~3 Hz resolution: 2+ bins in the 31.5 Hz band
    while n > 1024 and frames < 8 * n:
        n //= 2
    return n


def cross_spectra(x: np.ndarray, y: np.ndarray, rate: int, *, y_gain: tuple[np.ndarray, np.ndarray] | None = None,
                  stereo: bool = True, chunk_segments: int = 16) -> CrossSpectra:
    """Welch auto- and cross-spectra of the aligned pair ``x`` (raw) and ``y`` (pre-treat).

    Parameters
    ----------
    x, y : ndarray, shape (frames, channels)
        Same shape; float32 is fine (the FFTs run in single precision).
    rate : int
        Hz.
    y_gain : (positions, gains), keyword-only, optional
        A time-varying linear gain to apply to ``y`` first, given at sample ``positions`` (increasing)
        and interpolated linearly in between: used to undo the pre-treat's gain reduction so that the
        transfer function describes its EQ and static gain only. The left/right sums of ``y`` (for
        the width) are taken without it.
    stereo : bool, keyword-only
        Also sum each render's left/right spectra (for the width); ``False`` leaves them zero.
    """
    acc = CrossSpectraPass(rate, x.shape[1], x.shape[0], y_gain=y_gain, stereo=stereo, chunk_segments=chunk_segments)
    acc.feed(x, y)
    return acc.result()


class CrossSpectraPass(FramedPass):
    """:func:`cross_spectra` fed in consecutive aligned blocks of any size (the samples between blocks
    are carried), for a pair of ``total_frames`` frames: the same segments, the same sums."""

    def __init__(self, rate: int, channels: int, total_frames: int, *,
                 y_gain: tuple[np.ndarray, np.ndarray] | None = None, stereo: bool = True, chunk_segments: int = 16):
        self.rate, self.channels, self.chunk = int(rate), int(channels), int(chunk_segments)
        self.nperseg = nperseg = _nperseg(rate, total_frames)
        self.hop = nperseg if total_frames // nperseg >= 64 else nperseg // 2  # plenty of segments: no overlap
        self.nseg = 1 + (total_frames - nperseg) // self.hop
        super().__init__(channels, nperseg, self.hop, self.nseg, chunk_segments)
        self.y_gain, self.stereo = y_gain, stereo
        self.win = periodic_hann(nperseg).astype(np.float32)
        nbins = nperseg // 2 + 1
        self.acc = {k: np.zeros(nbins) for k in ("sxx", "syy", "x_ll", "x_rr", "y_ll", "y_rr")}
        self.cacc = {k: np.zeros(nbins, dtype=complex) for k in ("sxy", "x_lr", "y_lr")}

    def _process(self, views, s: int, e: int) -> None:
        ch, win, acc, cacc = self.channels, self.win, self.acc, self.cacc
        spx, spy = [], []
        wy = win
        if self.y_gain is not None:
            pos = (self._next + s + np.arange(e - s))[:, None] * self.hop + np.arange(self.nperseg)[None, :]
            wy = (np.interp(pos.ravel(), self.y_gain[0], self.y_gain[1]).reshape(pos.shape) * win).astype(np.float32)
        for c in range(ch):
            X = rfft(views[c][s:e] * win, axis=1)
            Y = rfft(views[ch + c][s:e] * wy, axis=1)
            px, py = (X.real**2 + X.imag**2).sum(axis=0), (Y.real**2 + Y.imag**2).sum(axis=0)
            acc["sxx"] += px
            acc["syy"] += py
            cacc["sxy"] += (np.conj(X) * Y).sum(axis=0)
            spx.append((X, px))
            if not self.stereo:
                continue
            if ch >= 2 and self.y_gain is not None:
                # the width is measured on the pre-treat as it is, without the gain correction
                Yu = rfft(views[ch + c][s:e] * win, axis=1)
                spy.append((Yu, (Yu.real**2 + Yu.imag**2).sum(axis=0)))
            else:
                spy.append((Y, py))
        if self.stereo and ch >= 2:
            acc["x_ll"] += spx[0][1]
            acc["x_rr"] += spx[1][1]
            acc["y_ll"] += spy[0][1]
            acc["y_rr"] += spy[1][1]
            cacc["x_lr"] += (np.conj(spx[0][0]) * spx[1][0]).sum(axis=0)
            cacc["y_lr"] += (np.conj(spy[0][0]) * spy[1][0]).sum(axis=0)

    def result(self) -> CrossSpectra:
        freqs = np.fft.rfftfreq(self.nperseg, 1.0 / self.rate)
        return CrossSpectra(freqs_hz=freqs, segments=self.nseg, nperseg=self.nperseg, **self.acc, **self.cacc)


def _band_edges(centre_hz: float) -> tuple[float, float]:
    return centre_hz * 10 ** (-1 / 20), centre_hz * 10 ** (1 / 20)


def tonal_change(cs: CrossSpectra, rate: int) -> TonalChange:
    """Per 1/3-octave band change and confidence from :func:`cross_spectra`.

    Bands above Nyquist, or where the raw has (almost) no energy, get ``nan`` change and confidence 0.
    Bands with confidence below :data:`CONFIDENCE_TRUSTED` are flagged: ``change_db`` is ``nan``
    there (the estimate is kept in ``estimate_db``).
    """
    f = cs.freqs_hz
    with np.errstate(invalid="ignore", divide="ignore"):
        explained = np.where(cs.sxx > 0, np.abs(cs.sxy) ** 2 / cs.sxx, 0.0)  # |H|^2 Sxx
    ref_mask = (f >= REFERENCE_HZ[0]) & (f <= REFERENCE_HZ[1])
    ref_in = cs.sxx[ref_mask].sum()
    ref_gain = explained[ref_mask].sum() / ref_in if ref_in > 0 else np.nan
    static_db = float(10 * np.log10(ref_gain)) if ref_gain > 0 else float("nan")
    estimates, conf = [], []
    band_in = []
    for centre in _EXACT_CENTRES_HZ:
        lo, hi = _band_edges(centre)
        m = (f >= lo) & (f < hi)
        band_in.append(cs.sxx[m].sum() if hi <= rate / 2 and m.any() else 0.0)
    band_in = np.array(band_in)
    floor = band_in.max() * 1e-9 if band_in.size else 0.0
    for centre, e_in in zip(_EXACT_CENTRES_HZ, band_in):
        lo, hi = _band_edges(centre)
        m = (f >= lo) & (f < hi)
        if e_in <= floor or e_in <= 0:
            estimates.append(np.nan)
            conf.append(0.0)
            continue
        g = explained[m].sum() / e_in
        out = cs.syy[m].sum()
        estimates.append(10 * np.log10(g) - static_db if g > 0 else -np.inf)
        conf.append(float(np.clip(explained[m].sum() / out, 0.0, 1.0)) if out > 0 else 0.0)
    estimates = np.array(estimates, dtype=float)
    conf = np.array(conf, dtype=float)
    change = np.where(conf >= CONFIDENCE_TRUSTED, estimates, np.nan)
    return TonalChange(
        bands_hz=NOMINAL_BANDS_HZ.copy(),
        change_db=change,
        confidence=conf,
        static_gain_db=static_db,
        estimate_db=estimates,
    )


def transfer_on_grid(cs: CrossSpectra, freqs_hz: np.ndarray) -> np.ndarray:
    """The complex transfer function smoothed to a coarser frequency grid (e.g. a 10 ms STFT's).

    ``Sxy`` and ``Sxx`` are each smoothed with a triangle as wide as two coarse bins, then
    interpolated, and divided: what a Welch estimate with the coarse resolution would give.
    """
    df_fine = cs.freqs_hz[1] - cs.freqs_hz[0]
    df_coarse = freqs_hz[1] - freqs_hz[0] if freqs_hz.shape[0] > 1 else df_fine
    half = max(1, int(round(df_coarse / df_fine)))
    tri = np.concatenate((np.arange(1, half + 1), np.arange(half - 1, 0, -1))).astype(float)
    sxy = np.convolve(cs.sxy, tri, mode="same")
    sxx = np.convolve(cs.sxx, tri, mode="same")
    re = np.interp(freqs_hz, cs.freqs_hz, sxy.real)
    im = np.interp(freqs_hz, cs.freqs_hz, sxy.imag)
    den = np.interp(freqs_hz, cs.freqs_hz, sxx)
    with np.errstate(invalid="ignore", divide="ignore"):
        h = (re + 1j * im) / den
    h[~np.isfinite(h)] = 0.0
    return h


def _side_to_mid(ll: np.ndarray, rr: np.ndarray, lr: np.ndarray, mask: np.ndarray) -> float:
    cross = lr.real[mask].sum()
    a = ll[mask].sum() + rr[mask].sum()
    mid, side = a + 2 * cross, a - 2 * cross  # 4|M|^2 and 4|S|^2
    if mid <= 0:
        return float("nan")
    ratio = 10 * np.log10(side / mid) if side > 0 else -np.inf
    return float(ratio) if ratio >= SIDE_FLOOR_DB else float("-inf")


def band_side_to_mid_db(cs: CrossSpectra) -> tuple[dict, dict, float, float]:
    """Side-to-mid ratio (dB) of raw and pre-treat, overall and per band, and their L/R correlation.

    Returns ``(raw_by_band, pretreat_by_band, raw_correlation, pretreat_correlation)``; the band
    dicts have keys ``"all"``, ``"low"``, ``"mid"``, ``"high"``. All ``nan`` for mono input.
    """
    f = cs.freqs_hz
    masks = {"all": f > 0}
    masks.update({k: (f >= lo) & (f < hi) & (f > 0) for k, (lo, hi) in SPLIT_BANDS_HZ.items()})
    rx = {k: _side_to_mid(cs.x_ll, cs.x_rr, cs.x_lr, m) for k, m in masks.items()}
    ry = {k: _side_to_mid(cs.y_ll, cs.y_rr, cs.y_lr, m) for k, m in masks.items()}

    def corr(ll, rr, lr):
        d = np.sqrt(ll.sum() * rr.sum())
        return float(lr.real.sum() / d) if d > 0 else float("nan")

    return rx, ry, corr(cs.x_ll, cs.x_rr, cs.x_lr), corr(cs.y_ll, cs.y_rr, cs.y_lr)
