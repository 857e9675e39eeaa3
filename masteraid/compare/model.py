"""The values a compare produces: :class:`Comparison` and its sections.

This is the contract between ``compare`` (which fills it) and ``match``, ``chain.design`` and the
reports (which read it). Field names carry their unit. Adding fields is fine; renaming breaks the
stages downstream. ``nan`` means "not measurable here" and serializes to JSON ``null``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..analysis.model import Measurements
from ..findings import Finding

__all__ = [
    "Alignment",
    "TonalChange",
    "GainReductionSummary",
    "DynamicsChange",
    "StereoChange",
    "Distortion",
    "Comparison",
    "MetricDelta",
    "LevelsComparison",
]


@dataclass(frozen=True)
class Alignment:
    """How the pre-treat lines up with the raw render.

    Attributes
    ----------
    latency_samples : int
        Positive: the pre-treat is *later* than the raw by this many samples (at the raw's rate).
    polarity_inverted : bool
    correlation : float
        Peak normalized cross-correlation at that lag (0..1, after the polarity fix).
    """

    latency_samples: int
    polarity_inverted: bool
    correlation: float


@dataclass(frozen=True, eq=False)
class TonalChange:
    """The linear part of the bus processing, per 1/3-octave band.

    Attributes
    ----------
    bands_hz : ndarray
        Nominal 1/3-octave centres 31.5 Hz .. 16 kHz.
    change_db : ndarray
        Magnitude of the estimated transfer function in each band, dB, relative to its mean over
        500 Hz .. 2 kHz (so a pure gain change reads 0 everywhere).
    confidence : ndarray
        0..1 per band, from the coherence; 0.5 and above means the number can be trusted.
    static_gain_db : float
        The transfer function's level over 500 Hz .. 2 kHz: the broadband gain of the linear part.
    """

    bands_hz: np.ndarray
    change_db: np.ndarray
    confidence: np.ndarray
    static_gain_db: float
    #: The estimate in every band, trusted or not (``change_db`` is ``nan`` where confidence < 0.5).
    estimate_db: np.ndarray | None = None


@dataclass(frozen=True)
class GainReductionSummary:
    """Summary of a gain-reduction trace (values are reductions, positive dB)."""

    mean_db: float
    p95_db: float
    max_db: float
    fraction_above_1db: float


@dataclass(frozen=True, eq=False)
class DynamicsChange:
    """What the pre-treat's compression / limiting did over time.

    Attributes
    ----------
    gain_reduction : GainReductionSummary
        Broadband, once static gain and EQ are removed.
    band_gain_reduction : dict of str to GainReductionSummary
        Keys ``"low"`` (< 150 Hz), ``"mid"``, ``"high"`` (> 5 kHz).
    transient_reduction_db : dict of str to float
        Per band (same keys), how much the onsets lost against the sustain, dB (positive: softened).
    trace_db : ndarray
        Broadband gain reduction (positive dB) every ``trace_hop_s``.
    trace_hop_s : float
        About 0.01 s.
    """

    gain_reduction: GainReductionSummary
    band_gain_reduction: dict
    transient_reduction_db: dict
    trace_db: np.ndarray
    trace_hop_s: float
    #: Time of the raw render at which ``trace_db[0]``'s frame (``2 * trace_hop_s`` long) starts, s.
    trace_start_s: float = 0.0


@dataclass(frozen=True, eq=False)
class StereoChange:
    """Width changes: pre-treat minus raw."""

    side_to_mid_delta_db: float
    band_side_to_mid_delta_db: dict
    correlation_delta: float
    raw_side_to_mid_db: float = float("nan")
    pretreat_side_to_mid_db: float = float("nan")
    raw_correlation: float = float("nan")
    pretreat_correlation: float = float("nan")
    #: Side-to-mid ratio per band (keys ``"low"``, ``"mid"``, ``"high"``) of each render, dB.
    raw_band_side_to_mid_db: dict = field(default_factory=dict)
    pretreat_band_side_to_mid_db: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Distortion:
    """What neither the linear filter nor the gain trace explains."""

    residual_db: float
    clipped_samples_added: int


@dataclass(frozen=True)
class MetricDelta:
    """One measure of both renders and ``delta = pretreat - raw`` (in the measure's unit)."""

    raw: float
    pretreat: float
    delta: float


@dataclass(frozen=True)
class LevelsComparison:
    """Loudness and dynamics of both renders side by side (from their full measurements)."""

    integrated_lufs: MetricDelta
    loudness_range_lu: MetricDelta
    max_momentary_lufs: MetricDelta
    max_short_term_lufs: MetricDelta
    true_peak_dbtp: MetricDelta
    plr_db: MetricDelta
    psr_db: MetricDelta
    crest_factor_db: MetricDelta


@dataclass(frozen=True, eq=False)
class Comparison:
    """Raw render vs pre-treated render of the same mix.

    ``raw`` and ``pretreat`` are the full measurements of each file; ``loudness_delta_lu`` is
    ``pretreat.loudness.integrated_lufs - raw.loudness.integrated_lufs``.
    """

    raw: Measurements
    pretreat: Measurements
    alignment: Alignment
    loudness_delta_lu: float
    tonal: TonalChange
    dynamics: DynamicsChange
    stereo: StereoChange
    distortion: Distortion
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    #: Both audits side by side (``None`` only if built by hand).
    levels: LevelsComparison | None = None
    #: Rate the comparison ran at (the raw's; the pre-treat is resampled to it when they differ).
    sample_rate_hz: int = 0
    #: Length of the aligned overlap that was compared, s.
    overlap_s: float = 0.0
    #: What the second render is called in the findings and reports ("pre-treat", or e.g. "master").
    label: str = "pre-treat"
