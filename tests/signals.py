"""Synthetic test signals with analytic properties. All return ``(frames, channels)`` float64."""

from __future__ import annotations

import numpy as np

__all__ = ["sine", "white_noise", "pink_noise", "music_like"]


def sine(freq_hz: float, peak_dbfs: float, seconds: float, rate: int, channels: int = 2, *, phase: float = 0.0) -> np.ndarray:
    """A sine of the given peak level on every channel."""
    n = int(round(seconds * rate))
    t = np.arange(n) / rate
    x = 10 ** (peak_dbfs / 20) * np.sin(2 * np.pi * freq_hz * t + phase)
    return np.repeat(x[:, None], channels, axis=1)


def white_noise(rms_dbfs: float, seconds: float, rate: int, channels: int = 2, *, seed: int = 0) -> np.ndarray:
    """Independent Gaussian white noise per channel at the given RMS."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((int(round(seconds * rate)), channels))
    return x * 10 ** (rms_dbfs / 20)


def pink_noise(rms_dbfs: float, seconds: float, rate: int, channels: int = 2, *, seed: int = 0) -> np.ndarray:
    """Independent pink (1/f power) noise per channel at the given RMS, shaped in the frequency domain."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * rate))
    spec = rng.standard_normal((n // 2 + 1, channels)) + 1j * rng.standard_normal((n // 2 + 1, channels))
    f = np.fft.rfftfreq(n, 1 / rate)
    f[0] = f[1]
    spec /= np.sqrt(f)[:, None]
    spec[0] = 0
    x = np.fft.irfft(spec, n=n, axis=0)
    x /= np.sqrt(np.mean(x**2))
    return x * 10 ** (rms_dbfs / 20)


def music_like(seconds: float, rate: int, channels: int = 2, *, seed: int = 0, level_db: float = -20.0) -> np.ndarray:
    """A loud/quiet, percussive, tonal signal: decaying 'kicks', a bass line, a chord and noise 'hats'.

    Not music, but it has what meters care about: onsets, a level that moves by sections (so the
    gates and LRA have something to do), low end, stereo that is partly correlated.
    """
    rng = np.random.default_rng(seed)
    n = int(round(seconds * rate))
    t = np.arange(n) / rate
    out = np.zeros((n, channels))
    beat = 0.5
    env = np.exp(-(t % beat) * 12.0)
    kick = np.sin(2 * np.pi * (50 + 80 * np.exp(-(t % beat) * 30)) * t) * env
    bass_f = 55.0 * 2 ** (np.floor(t / 2.0) % 4 / 12 * 5)
    bass = 0.5 * np.sin(2 * np.pi * bass_f * t)
    chord = sum(np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) for f in (261.6, 329.6, 392.0)) / 3
    hats = rng.standard_normal(n) * np.exp(-((t + beat / 2) % (beat / 2)) * 60) * 0.3
    sections = 0.55 + 0.45 * (np.floor(t / 4.0) % 2)  # alternate 4 s quiet / loud
    for c in range(channels):
        pan = 1.0 if channels == 1 else (0.7 + 0.6 * c / max(channels - 1, 1))
        wide = rng.standard_normal(n) * 0.02
        out[:, c] = sections * (kick + bass + chord * pan * 0.6 + hats * (2 - pan) + wide)
    rms = np.sqrt(np.mean(out**2))
    return out / rms * 10 ** (level_db / 20)


def converter_band(x: np.ndarray, rate: int, cutoff_hz: float = 20000.0) -> np.ndarray:
    """``x`` band-limited to ``cutoff_hz`` (12th-order Butterworth, zero phase), as an ADC's or a
    resampler's anti-alias filter leaves a recording: music_like's white-noise hats run at full level up
    to Nyquist, which no recording does, and there any 4x true-peak meter reads differently from the next."""
    from scipy.signal import butter, sosfiltfilt

    if cutoff_hz >= rate / 2:
        return x
    return sosfiltfilt(butter(12, cutoff_hz, fs=rate, output="sos"), x, axis=0)
