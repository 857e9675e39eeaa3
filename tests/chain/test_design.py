"""design_chain and fit_eq on hand-built measurements / comparisons (duck-typed stand-ins)."""

from types import SimpleNamespace as NS

import numpy as np
import pytest

from masteraid.chain import ChainSpec, EqBand, design_chain, fit_eq
from masteraid.chain.design import eq_response_db

BANDS = 1000.0 * 10 ** (np.arange(-15, 13) / 10)  # 31.6 Hz .. 15.8 kHz, 1/3 octave


def _raw(lufs=-18.0, peak=-6.0, tilt=-3.0, rate=48000):
    return NS(
        info=NS(sample_rate_hz=rate),
        loudness=NS(integrated_lufs=lufs),
        peaks=NS(sample_peak_dbfs=peak),
        spectrum=NS(tilt_db_per_octave=tilt),
    )


def _comparison(change_db, confidence=None, pre_lufs=-9.0, p95=6.0):
    conf = np.ones_like(BANDS) if confidence is None else confidence
    return NS(
        pretreat=NS(loudness=NS(integrated_lufs=pre_lufs)),
        tonal=NS(bands_hz=BANDS, change_db=np.asarray(change_db, float), confidence=conf),
        dynamics=NS(gain_reduction=NS(mean_db=p95 / 2, p95_db=p95, max_db=p95 * 1.5, fraction_above_1db=0.5)),
    )


def test_fit_recovers_a_known_eq_within_a_few_tenths():
    true = [EqBand("low_shelf", 100.0, 3.0, 0.707), EqBand("peaking", 3000.0, -2.5, 1.4), EqBand("high_shelf", 8000.0, 2.0, 0.707)]
    target = eq_response_db(true, BANDS, 48000)
    bands = fit_eq(BANDS, target, np.ones_like(BANDS), 48000)
    assert 1 <= len(bands) <= 6
    err = target - eq_response_db(bands, BANDS, 48000)
    assert np.sqrt(np.mean(err**2)) < 0.2
    assert np.max(np.abs(err)) < 0.5


def test_fit_ignores_low_confidence_bands_and_limits_gain():
    change = np.zeros_like(BANDS)
    change[BANDS > 10000] = 15.0  # wild, but incoherent: must be ignored
    conf = np.where(BANDS > 10000, 0.1, 0.9)
    assert fit_eq(BANDS, change, conf, 48000) == ()
    big = np.where(BANDS < 150, 12.0, 0.0)  # coherent but over the +-6 dB limit
    bands = fit_eq(BANDS, big, np.ones_like(BANDS), 48000)
    assert all(abs(b.gain_db) <= 6.0 for b in bands)
    assert np.max(eq_response_db(bands, BANDS, 48000)) <= 6.0 + 0.3


def test_fit_no_change_gives_no_band():
    assert fit_eq(BANDS, np.zeros_like(BANDS), np.ones_like(BANDS), 44100) == ()


def test_design_without_reference_defaults():
    spec = design_chain(_raw(), None)
    assert isinstance(spec, ChainSpec)
    assert spec.target_lufs == -14.0
    assert spec.limiter.ceiling_dbtp == -1.0
    assert spec.compressor is None
    assert spec.eq_bands == ()  # tilt -3 dB/oct is within the neutral range
    assert spec.limiter.drive_db == pytest.approx(4.0)


def test_design_without_reference_corrects_a_dull_mix_gently():
    spec = design_chain(_raw(tilt=-7.0), None)
    assert len(spec.eq_bands) == 1 and spec.eq_bands[0].kind == "high_shelf"
    assert 0.5 <= spec.eq_bands[0].gain_db <= 3.0


def test_design_from_the_pretreat():
    change = eq_response_db([EqBand("low_shelf", 100.0, 3.0, 0.707)], BANDS, 48000)
    spec = design_chain(_raw(peak=-6.0), _comparison(change, pre_lufs=-9.3, p95=6.0))
    assert spec.target_lufs == pytest.approx(-9.3)
    assert spec.eq_bands and spec.eq_bands[0].kind in ("low_shelf", "peaking")
    c = spec.compressor
    assert c is not None and c.ratio <= 2.0
    # gentler than the pre-treat: at the raw's sample peak the static reduction is at most half its p95
    from masteraid.chain.dsp import static_gain_reduction_db

    assert float(static_gain_reduction_db(-6.0, c.threshold_db, c.ratio, c.knee_db)) <= 0.5 * 6.0 + 1e-9
    assert ChainSpec.from_json(spec.to_json()) == spec


@pytest.mark.parametrize("pre_lufs, target", [(-9.333, -9.33), (-1.6, -3.0), (-45.0, -40.0)])
def test_design_target_is_the_pretreat_loudness_within_limits(pre_lufs, target):
    spec = design_chain(_raw(), _comparison(np.zeros_like(BANDS), pre_lufs=pre_lufs))
    assert spec.target_lufs == pytest.approx(target)
    note = next(n for n in spec.notes if n.startswith("Target"))
    assert f"Target {target:.2f} LUFS" in note
    # the note says where the target comes from: the pre-treat's loudness, or the limit it was clipped to
    assert ("the pre-treat's integrated loudness" in note) == (target == round(pre_lufs, 2))
    assert (f"reads {pre_lufs:.2f} LUFS" in note) == (target != round(pre_lufs, 2))


def test_design_overrides_and_light_pretreat():
    spec = design_chain(_raw(), _comparison(np.zeros_like(BANDS), p95=0.3), target_lufs=-11.0, ceiling_dbtp=-2.0)
    assert spec.target_lufs == -11.0 and spec.limiter.ceiling_dbtp == -2.0
    assert spec.compressor is None and spec.eq_bands == ()


@pytest.mark.parametrize("peak, gain", [(-6.0, 0.0), (-23.9, 0.0), (-30.0, 18.0), (-50.0, 24.0)])
def test_design_raises_a_very_quiet_raw_with_input_gain_first(peak, gain):
    """A raw peaking under -24 dBFS gets a clean input gain to peak at -12 dBFS (at most +24 dB); the
    compressor's threshold and the limiter's drive count it."""
    lufs = peak - 12.0
    spec = design_chain(_raw(lufs=lufs, peak=peak), _comparison(np.zeros_like(BANDS), pre_lufs=-9.0, p95=6.0))
    assert spec.input_gain_db == pytest.approx(gain)
    assert spec.limiter.drive_db == pytest.approx(min(-9.0 - lufs - gain, 36.0))
    assert spec.compressor.threshold_db == pytest.approx(peak + gain - 3.0 / (1 - 1 / 2.0))  # 3 dB at its peak
    assert any(n.startswith("Input gain") for n in spec.notes) == (gain > 0)
