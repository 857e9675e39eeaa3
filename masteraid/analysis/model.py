"""The values one analysis pass produces: :class:`Measurements` and its sections.

This module is the contract between the meters (which fill it) and everything downstream
(audit, compare, match, chain, reports). Field names carry their unit; values are stored in that
unit. Conventions for levels that do not exist:

* ``-inf`` — silence (nothing above the gate / a zero signal): a real, extreme value;
* ``nan``  — undefined (e.g. integrated loudness of a file shorter than one 400 ms block, or
  stereo measures of a mono file).

Both serialize to JSON ``null``. Adding a field is fine; renaming one breaks every stage after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..audio import AudioInfo

__all__ = [
    "LoudnessResult",
    "PeaksResult",
    "DynamicsResult",
    "StereoResult",
    "SpectrumResult",
    "EdgesResult",
    "Measurements",
]


@dataclass(frozen=True, eq=False)
class LoudnessResult:
    """ITU-R BS.1770-4 / EBU R 128 loudness.

    Attributes
    ----------
    integrated_lufs : float
        Gated integrated loudness (absolute gate −70 LUFS, relative gate −10 LU). ``-inf`` when no
        block passes the absolute gate; ``nan`` when the file is shorter than one 400 ms block.
    loudness_range_lu : float
        EBU Tech 3342 LRA (short-term 3 s at 100 ms hop, gates −70 LUFS abs / −20 LU rel,
        10th–95th percentile). ``nan`` when undefined (fewer than 3 s / no block passes).
    max_momentary_lufs, max_short_term_lufs : float
        Maxima of the series below (``-inf`` for silence, ``nan`` if the series is empty).
    momentary_lufs : ndarray, shape (n,)
        Momentary loudness (400 ms window) every ``hop_s``; element ``i`` covers the window ending at
        ``0.4 + i * hop_s`` seconds. ``-inf`` for a silent window.
    short_term_lufs : ndarray, shape (m,)
        Short-term loudness (3 s window) every ``hop_s``; element ``i`` ends at ``3.0 + i * hop_s`` s.
    hop_s : float
        Series hop, 0.1 s.
    """

    integrated_lufs: float
    loudness_range_lu: float
    max_momentary_lufs: float
    max_short_term_lufs: float
    momentary_lufs: np.ndarray
    short_term_lufs: np.ndarray
    hop_s: float = 0.1


@dataclass(frozen=True)
class PeaksResult:
    """Sample and true peaks (BS.1770-4 Annex 2), clipping, DC.

    Attributes
    ----------
    sample_peak_dbfs, true_peak_dbtp : float
        Over all channels (``-inf`` for silence).
    channel_sample_peak_dbfs, channel_true_peak_dbtp : tuple of float
        Per channel.
    clipped_samples : int
        Samples that belong to clipped runs: 3 or more consecutive samples of one channel held at
        the same extreme value, near full scale (within 0.1 dB of the file's sample peak and above −1 dBFS).
    clip_runs : int
        Number of such runs.
    intersample_overs : int
        Number of distinct events where the oversampled (true-peak) signal exceeds 0 dBTP.
    ceiling_hits_per_min : float
        Local maxima of |x| within 0.3 dB of the sample peak, per minute of audio: a handful for an
        unlimited mix, hundreds when a limiter or clipper holds a ceiling. NaN under 1 s of audio.
    dc_offset_dbfs : tuple of float
        Per channel, ``20 log10 |mean|`` (``-inf`` for none).
    nonfinite_samples : int
        NaN/Inf samples found in a float file; they are left out of (set to 0 in) every measurement.
    """

    sample_peak_dbfs: float
    true_peak_dbtp: float
    channel_sample_peak_dbfs: tuple[float, ...]
    channel_true_peak_dbtp: tuple[float, ...]
    clipped_samples: int
    clip_runs: int
    intersample_overs: int
    ceiling_hits_per_min: float
    dc_offset_dbfs: tuple[float, ...]
    nonfinite_samples: int


@dataclass(frozen=True)
class DynamicsResult:
    """Peak-to-loudness measures.

    Attributes
    ----------
    rms_dbfs : float
        RMS over the whole file, mean square averaged over channels: ``10 log10(mean(x**2))``
        (a full-scale sine reads −3.01 dBFS).
    crest_factor_db : float
        ``sample_peak_dbfs - rms_dbfs`` (a sine reads 3.01 dB).
    plr_db : float
        Peak-to-loudness ratio: ``true_peak_dbtp - integrated_lufs``.
    psr_db : float
        Peak-to-short-term-loudness ratio: ``true_peak_dbtp - max_short_term_lufs``.
    """

    rms_dbfs: float
    crest_factor_db: float
    plr_db: float
    psr_db: float


@dataclass(frozen=True)
class StereoResult:
    """Stereo image. Every field is ``nan`` for a mono file (``channels == 1``).

    Attributes
    ----------
    correlation : float
        Pearson correlation of L and R over the file (−1..1; 1 for identical channels).
    worst_correlation_400ms : float
        Lowest correlation of any 400 ms window (100 ms hop) that is not silent.
    side_to_mid_db : float
        Energy of S=(L−R)/2 relative to M=(L+R)/2, dB (``-inf`` for dual mono).
    balance_db : float
        Energy of L relative to R, dB (positive: left is louder).
    mono_loudness_drop_lu : float
        Integrated loudness of the stereo file minus that of its mono fold-down ``(L+R)/2`` played
        on both channels (0 for dual mono, about 3 LU for uncorrelated channels, large when out of phase).
    low_end_correlation : float
        Correlation of L and R below 150 Hz (is the low end mono?).
    dual_mono : bool
        L and R are the same samples (within 1e-6).
    """

    correlation: float
    worst_correlation_400ms: float
    side_to_mid_db: float
    balance_db: float
    mono_loudness_drop_lu: float
    low_end_correlation: float
    dual_mono: bool


@dataclass(frozen=True, eq=False)
class SpectrumResult:
    """Long-term spectrum.

    Attributes
    ----------
    bands_hz : ndarray, shape (n,)
        1/3-octave centres 25 Hz .. 20 kHz, the exact base-10 centres ``1000 * 10**(k/10)`` of IEC 61260
        (30 bands; those above Nyquist are left out at low rates).
    band_levels_db : ndarray
        Mean power in each band, channels averaged, dB relative to full scale (a full-scale sine
        inside one band reads about −3 dB in that band).
    tilt_db_per_octave : float
        Slope of a least-squares line through ``band_levels_db`` against log2(frequency),
        100 Hz .. 10 kHz. On band powers, pink noise reads ≈ 0 dB/oct and white noise ≈ +3 dB/oct.
    """

    bands_hz: np.ndarray
    band_levels_db: np.ndarray
    tilt_db_per_octave: float


@dataclass(frozen=True)
class EdgesResult:
    """Start and end of the render.

    Attributes
    ----------
    leading_silence_s, trailing_silence_s : float
        Time before the first / after the last sample above −60 dBFS.
    tail_level_db : float
        Level (RMS, dBFS) of the last 50 ms.
    noise_floor_db : float
        Estimate of the quiet level of the file: the 5th percentile of 50 ms RMS windows that are not
        digital silence (dBFS).
    tail_cut : bool
        The last 50 ms are still far (more than 20 dB) above the noise floor and above −50 dBFS: the render
        ends before the music (reverb tail, fade) does.
    """

    leading_silence_s: float
    trailing_silence_s: float
    tail_level_db: float
    noise_floor_db: float
    tail_cut: bool


@dataclass(frozen=True, eq=False)
class Measurements:
    """Everything one pass over a render measures. ``info`` says what was read."""

    info: AudioInfo
    loudness: LoudnessResult
    peaks: PeaksResult
    dynamics: DynamicsResult
    stereo: StereoResult
    spectrum: SpectrumResult
    edges: EdgesResult
