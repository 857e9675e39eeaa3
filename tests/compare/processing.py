"""Known bus processing for the compare tests: RBJ shelves, a feed-forward compressor, a hard clipper.

Each returns the processed ``(frames, channels)`` signal (and, for the compressor, its own gain
reduction per sample), so the tests can check that compare recovers what was done.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter


def shelf_ba(f0_hz: float, gain_db: float, rate: int, kind: str = "high", slope: float = 1.0):
    """RBJ Audio-EQ-Cookbook shelving biquad (b, a)."""
    A = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * f0_hz / rate
    alpha = np.sin(w0) / 2 * np.sqrt((A + 1 / A) * (1 / slope - 1) + 2)
    c = np.cos(w0)
    sq = 2 * np.sqrt(A) * alpha
    if kind == "high":
        b = [A * ((A + 1) + (A - 1) * c + sq), -2 * A * ((A - 1) + (A + 1) * c), A * ((A + 1) + (A - 1) * c - sq)]
        a = [(A + 1) - (A - 1) * c + sq, 2 * ((A - 1) - (A + 1) * c), (A + 1) - (A - 1) * c - sq]
    else:
        b = [A * ((A + 1) - (A - 1) * c + sq), 2 * A * ((A - 1) - (A + 1) * c), A * ((A + 1) - (A - 1) * c - sq)]
        a = [(A + 1) + (A - 1) * c + sq, -2 * ((A - 1) + (A + 1) * c), (A + 1) + (A - 1) * c - sq]
    b, a = np.asarray(b) / a[0], np.asarray(a) / a[0]
    return b, a


def apply_ba(x: np.ndarray, b, a) -> np.ndarray:
    return lfilter(b, a, x, axis=0)


def delay(x: np.ndarray, samples: int) -> np.ndarray:
    """Shift later by ``samples`` (earlier when negative), same length, zero-filled."""
    out = np.zeros_like(x)
    if samples >= 0:
        out[samples:] = x[: x.shape[0] - samples]
    else:
        out[: x.shape[0] + samples] = x[-samples:]
    return out


def compressor(x: np.ndarray, rate: int, *, threshold_dbfs: float, ratio: float, attack_ms: float = 5.0,
               release_ms: float = 80.0, makeup_db: float = 0.0, step_ms: float = 1.0):
    """Feed-forward, stereo-linked peak compressor; returns ``(y, gain_reduction_db_per_sample)``.

    The detector is the peak of the channel maximum over 1 ms steps; the static curve gives
    ``(1 - 1/ratio) * max(0, level - threshold)`` dB; attack/release are one-pole smoothers on that
    reduction; the gain is interpolated linearly to the samples.
    """
    step = max(1, int(round(step_ms * rate / 1000)))
    n = x.shape[0]
    nb = int(np.ceil(n / step))
    pad = np.zeros((nb * step, x.shape[1]))
    pad[:n] = np.abs(x)
    peak = pad.max(axis=1).reshape(nb, step).max(axis=1)
    level = 20 * np.log10(np.maximum(peak, 1e-12))
    target = (1 - 1 / ratio) * np.maximum(0.0, level - threshold_dbfs)
    att = np.exp(-step_ms / attack_ms)
    rel = np.exp(-step_ms / release_ms)
    gr = np.empty(nb)
    g = 0.0
    for i in range(nb):  # a test fixture: one step per millisecond
        coef = att if target[i] > g else rel
        g = coef * g + (1 - coef) * target[i]
        gr[i] = g
    t_blocks = (np.arange(nb) + 0.5) * step
    gr_s = np.interp(np.arange(n), t_blocks, gr)
    y = x * 10 ** ((makeup_db - gr_s) / 20)[:, None]
    return y, gr_s


def hard_clip(x: np.ndarray, drive_db: float, ceiling: float = 0.99) -> np.ndarray:
    return np.clip(x * 10 ** (drive_db / 20), -ceiling, ceiling)
