"""The linear part of the bus processing as a time-domain filter, for the final gain trace and residual.

The frame pass applies a transfer function per 50 Hz bin of a 20 ms frame, which is only exact for
filters that are flat over a bin's main lobe: a shelf at 80 Hz, or any EQ whose response turns
within ~100 Hz, "leaks" there into the frame gains and the residual (a static +3.4 dB low shelf
read as 1 dB of gain reduction and a -23 dB distortion residual). So, once the fine Welch estimate
``H = Sxy / Sxx`` is known (with the pre-treat's gain reduction undone), the raw is filtered by it in
the time domain and the frame pass runs again on the filtered raw, with no per-bin filter left to
apply: a static EQ, minimum- or linear-phase, then leaves a residual 40 to 50 dB down.

The filter is the inverse FFT of ``H`` (on the Welch grid, ~3 Hz), windowed to where the impulse
response stands out of its estimation noise: the noise floor is the median energy far from time 0,
and the window spans the first to the last sample more than 20 dB above it (at most 50 ms before
time 0, for linear-phase EQs and a lookahead limiter's anticipation, and 100 ms after), with
half-Hann tapers. Where the raw has (almost) no energy (above an MP3's cut-off, at DC) the estimate
is meaningless and ``H`` is interpolated across from its neighbours instead: the filtered raw does
not depend on it there, and the impulse response stays short.
"""

from __future__ import annotations

import numpy as np

from ..analysis._iir import irfft, rfft
from ..errors import MismatchError
from .spectral import CrossSpectra

__all__ = ["LinearFilter", "linear_filter", "FirStream", "MAX_ACAUSAL_S", "MAX_CAUSAL_S"]

#: Longest part of the impulse response kept before time 0 (linear-phase EQ, lookahead), s.
MAX_ACAUSAL_S = 0.05
#: Longest part kept after time 0 (low, narrow EQ bands ring for tens of ms), s.
MAX_CAUSAL_S = 0.1
#: Bins where the raw's energy is this far under its strongest bin hold no estimate.
_EMPTY_BIN = 1e-8
#: The impulse response is kept where it stands this far (power ratio) above the estimation noise.
_ABOVE_NOISE = 100.0


class LinearFilter:
    """FIR taps and where time 0 is: ``taps[advance]`` is the response at time 0 (earlier taps act on
    later input)."""

    def __init__(self, taps: np.ndarray, advance: int):
        self.taps = np.asarray(taps, dtype=np.float64)
        self.advance = int(advance)


def _filled_transfer(cs: CrossSpectra) -> np.ndarray:
    sxx = cs.sxx
    ok = sxx > _EMPTY_BIN * sxx.max()
    ok[0] = False  # DC: no music, and the frame pass leaves it out
    h = np.ones(sxx.shape, dtype=complex)
    if ok.sum() < 2:
        return h
    h[ok] = cs.sxy[ok] / sxx[ok]
    idx = np.flatnonzero(ok)
    k = np.flatnonzero(~ok)
    h[k] = np.interp(k, idx, h[ok].real) + 1j * np.interp(k, idx, h[ok].imag)
    h[0], h[-1] = h[0].real, h[-1].real  # a real impulse response
    return h


def linear_filter(cs: CrossSpectra, rate: int) -> LinearFilter:
    """The windowed impulse response of ``cs``'s transfer function (see the module docstring).

    Raises :class:`~masteraid.errors.MismatchError` when no part of it stands above its own noise: no
    filter relates the two renders (periodic material that correlates at some lag without being the
    same mix gets that far)."""
    n = int(cs.nperseg)
    h = np.roll(irfft(_filled_transfer(cs), n), n // 2)  # time 0 at index c
    c = n // 2
    e = h * h
    k = 16
    es = np.convolve(e, np.ones(2 * k + 1) / (2 * k + 1), mode="same")
    far = np.concatenate([es[: n // 8], es[n - n // 8 :]])
    peak = float(es.max()) if es.size else 0.0
    if peak <= 0:
        return LinearFilter(np.ones(1), 0)
    thr = max(float(np.median(far)) * _ABOVE_NOISE, peak * 1e-9)
    above = np.flatnonzero(es > thr)
    if above.size == 0:
        raise MismatchError(
            "the two renders are not the same mix: they correlate at some latency, but no filter relates "
            "one to the other (check that both are renders of the same song and range)"
        )
    lo = max(int(above.min()) - 64, c - int(MAX_ACAUSAL_S * rate), 0)
    hi = min(int(above.max()) + 64, c + int(MAX_CAUSAL_S * rate), n)
    lo, hi = min(lo, c - 8), max(hi, c + 64)
    taps = h[lo:hi].copy()
    adv = c - lo
    w = np.ones(taps.shape[0])
    a = max(adv // 2, 4)
    w[:a] = 0.5 - 0.5 * np.cos(np.pi * np.arange(a) / a)
    t = max((hi - c) // 4, 4)
    w[-t:] = 0.5 + 0.5 * np.cos(np.pi * np.arange(t) / t)
    return LinearFilter(taps * w, adv)


class FirStream:
    """A :class:`LinearFilter` run over consecutive ``(frames, channels)`` blocks (overlap-save FFT
    convolution in float32): ``process`` returns the filtered signal from time 0 on, ``advance``
    samples behind the input, and ``flush`` the last ``advance`` samples. Block sizes do not change
    the output."""

    def __init__(self, filt: LinearFilter, channels: int):
        self.taps, self.adv, self.ch = filt.taps, filt.advance, int(channels)
        t = self.taps.shape[0]
        # FFT size: 8x the filter (about 14 ns per sample and channel from 16k points up)
        self.nfft = max(1 << 13, 1 << int(np.ceil(np.log2(8 * t))))
        self.seg = self.nfft - (t - 1)
        self.spec = rfft(self.taps.astype(np.float32), self.nfft)[None, :]
        self.buf = np.zeros((self.ch, self.nfft), dtype=np.float32)  # [the last t - 1 inputs | new ones]
        self.fill = t - 1  # samples held in buf
        self.skip = self.adv  # outputs before time 0 (the acausal taps' start-up)
        self.fed = self.returned = 0

    def process(self, block: np.ndarray) -> np.ndarray:
        out = self._run(np.asarray(block))
        self.fed += block.shape[0]
        self.returned += out.shape[0]
        return out

    def flush(self) -> np.ndarray:
        """The outputs still owed (as many as were fed in all): zeros are fed until they are out."""
        owed, parts, got = self.fed - self.returned, [], 0
        while got < owed:
            part = self._run(np.zeros((self.nfft - self.fill, self.ch), dtype=np.float32))
            parts.append(part)
            got += part.shape[0]
        self.returned = self.fed
        return np.concatenate(parts)[:owed] if parts else np.zeros((0, self.ch), dtype=np.float32)

    def _run(self, x: np.ndarray) -> np.ndarray:
        t1 = self.taps.shape[0] - 1
        out = np.empty((x.shape[0] + self.seg, self.ch), dtype=np.float32)
        done = pos = 0
        while pos < x.shape[0]:
            m = min(self.nfft - self.fill, x.shape[0] - pos)
            self.buf[:, self.fill : self.fill + m] = x[pos : pos + m].T
            self.fill += m
            pos += m
            if self.fill == self.nfft:  # a full segment: filter it, keep the last t - 1 inputs
                y = irfft(rfft(self.buf, axis=1) * self.spec, self.nfft, axis=1)
                out[done : done + self.seg] = y[:, t1:].T
                done += self.seg
                self.buf[:, :t1] = self.buf[:, self.nfft - t1 :]
                self.fill = t1
        out = out[:done]
        if self.skip:
            d = min(self.skip, out.shape[0])
            out, self.skip = out[d:], self.skip - d
        return out
