"""Audit rules on hand-built Measurements: each rule fires at its threshold and not below it."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from masteraid import audit
from masteraid.analysis.model import (
    DynamicsResult,
    EdgesResult,
    LoudnessResult,
    Measurements,
    PeaksResult,
    SpectrumResult,
    StereoResult,
)
from masteraid.audio import AudioInfo
from masteraid.findings import SEVERITIES, Finding


def clean(**sections) -> Measurements:
    """A healthy 3-minute 24-bit 48 kHz stereo mix: -5 dBTP, -19 LUFS. Override sections by keyword:
    ``clean(peaks={"true_peak_dbtp": 0.4})`` replaces fields of that section."""
    info = AudioInfo("/tmp/mix.wav", 48000, 2, 48000 * 180, "WAV", "PCM_24")
    loud = LoudnessResult(-19.0, 7.0, -13.0, -15.0, np.full(10, -20.0), np.full(10, -19.0))
    peaks = PeaksResult(-5.3, -5.0, (-5.3, -5.5), (-5.0, -5.2), 0, 0, 0, 3.0, (-90.0, -95.0), 0)
    dyn = DynamicsResult(-21.0, 15.7, 14.0, 10.0)
    stereo = StereoResult(0.6, 0.1, -8.0, 0.2, 1.5, 0.95, False)
    spec = SpectrumResult(np.array([100.0, 1000.0]), np.array([-20.0, -25.0]), -1.0)
    edges = EdgesResult(0.2, 0.5, -60.0, -70.0, False)
    parts = dict(info=info, loudness=loud, peaks=peaks, dynamics=dyn, stereo=stereo, spectrum=spec, edges=edges)
    for name, fields in sections.items():
        parts[name] = dataclasses.replace(parts[name], **fields)
    return Measurements(**parts)


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def by_code(findings, code) -> Finding:
    hits = [f for f in findings if f.code == code]
    assert len(hits) == 1, codes(findings)
    return hits[0]


def test_clean_mix_is_ready():
    f = audit.check(clean())
    assert codes(f) == ["ok"]
    assert f[0].severity == "info"
    assert "Ready for mastering" in f[0].message
    assert "5.0 dB of headroom" in f[0].message and "-19.0 LUFS" in f[0].message


def test_findings_are_ranked_and_well_formed():
    m = clean(
        peaks={"true_peak_dbtp": 0.4, "clip_runs": 1, "clipped_samples": 3, "sample_peak_dbfs": -0.1},
        info={"subtype": "PCM_16"},
        edges={"leading_silence_s": 3.0},
    )
    f = audit.check(m)
    levels = [SEVERITIES.index(x.severity) for x in f]
    assert levels == sorted(levels, reverse=True)
    assert "ok" not in codes(f)
    for x in f:
        assert x.message.endswith(".") and "\n" not in x.message


def test_true_peak_over_message_and_fader_advice():
    f = by_code(audit.check(clean(peaks={"true_peak_dbtp": 0.4})), "true_peak_over")
    assert f.severity == "error"
    assert f.value == pytest.approx(0.4) and f.unit == "dBTP"
    assert "+0.4 dBTP" in f.message
    assert "about 1.5 dB" in f.message  # 0.4 - (-1) = 1.4, rounded up to the next 0.5 dB


@pytest.mark.parametrize(
    "tp, expected",
    [(-1.0, None), (-0.95, "low_headroom"), (0.0, "low_headroom"), (0.01, "true_peak_over")],
)
def test_headroom_thresholds(tp, expected):
    got = [c for c in codes(audit.check(clean(peaks={"true_peak_dbtp": tp}))) if c in ("low_headroom", "true_peak_over")]
    assert got == ([expected] if expected else [])


def test_intersample_overs():
    f = by_code(audit.check(clean(peaks={"intersample_overs": 7, "true_peak_dbtp": 0.6, "sample_peak_dbfs": -0.1})),
                "intersample_overs")
    assert f.severity == "warning" and f.value == 7
    assert "7 inter-sample overs" in f.message


def test_clipping_warning_then_error_by_rate():
    # 3 minutes: 2 runs = 0.7/min -> warning; 60 runs = 20/min -> error
    few = by_code(audit.check(clean(peaks={"clip_runs": 2, "clipped_samples": 8, "sample_peak_dbfs": 0.0})), "clipping")
    assert few.severity == "warning" and few.value == 2 and "8 samples" in few.message
    many = by_code(audit.check(clean(peaks={"clip_runs": 60, "clipped_samples": 400})), "clipping")
    assert many.severity == "error"
    assert "clipping" not in codes(audit.check(clean()))


def test_too_loud():
    assert "too_loud" not in codes(audit.check(clean(loudness={"integrated_lufs": -14.0})))
    f = by_code(audit.check(clean(loudness={"integrated_lufs": -9.2})), "too_loud")
    assert f.severity == "warning" and "-9.2 LUFS" in f.message


@pytest.mark.parametrize(
    "plr, psr, hits, flagged",
    [
        (14.0, 10.0, 3.0, False),  # a normal unlimited mix
        (9.5, 10.0, 3.0, True),  # PLR in mastered territory
        (12.0, 7.5, 3.0, True),  # PSR in mastered territory
        (12.0, 9.0, 300.0, True),  # flat-topped peaks and a PLR below an unlimited mix's
        (16.0, 12.0, 300.0, False),  # many ceiling hits but very dynamic: not a limiter
        (10.0, 8.0, 49.0, False),  # just at the thresholds: not flagged
    ],
)
def test_limiter_on_bus(plr, psr, hits, flagged):
    m = clean(dynamics={"plr_db": plr, "psr_db": psr}, peaks={"ceiling_hits_per_min": hits})
    f = audit.check(m)
    assert ("limiter_on_bus" in codes(f)) == flagged
    if flagged:
        x = by_code(f, "limiter_on_bus")
        assert x.severity == "warning" and x.value == pytest.approx(plr)
        assert f"{plr:.1f} dB" in x.message


def test_dc_offset():
    assert "dc_offset" not in codes(audit.check(clean(peaks={"dc_offset_dbfs": (-50.0, -80.0)})))
    f = by_code(audit.check(clean(peaks={"dc_offset_dbfs": (-80.0, -38.0)})), "dc_offset")
    assert "channel 2" in f.message and f.value == pytest.approx(-38.0)


def test_phase_inverted_is_error_and_replaces_window_warning():
    f = audit.check(clean(stereo={"correlation": -0.8, "worst_correlation_400ms": -0.95}))
    assert by_code(f, "phase_inverted").severity == "error"
    assert "phase_dip" not in codes(f)


def test_phase_dip_and_mono_loss_and_low_end():
    assert codes(audit.check(clean(stereo={"worst_correlation_400ms": -0.5}))) == ["ok"]
    f = audit.check(clean(stereo={"worst_correlation_400ms": -0.7, "mono_loudness_drop_lu": 4.2,
                                  "low_end_correlation": 0.3}))
    assert {"phase_dip", "mono_loss", "low_end_not_mono"} <= set(codes(f))
    assert "4.2 LU" in by_code(f, "mono_loss").message
    assert by_code(f, "low_end_not_mono").value == pytest.approx(0.3)


def test_balance():
    assert "balance" not in codes(audit.check(clean(stereo={"balance_db": -2.0})))
    f = by_code(audit.check(clean(stereo={"balance_db": -3.0})), "balance")
    assert "right" in f.message


def test_mono_file_skips_stereo_rules():
    nan = math.nan
    m = clean(info={"channels": 1}, stereo={"correlation": nan, "worst_correlation_400ms": nan, "side_to_mid_db": nan,
                                            "balance_db": nan, "mono_loudness_drop_lu": nan,
                                            "low_end_correlation": nan})
    assert codes(audit.check(m)) == ["ok"]


def test_dual_mono_is_info():
    f = audit.check(clean(stereo={"dual_mono": True, "correlation": 1.0, "side_to_mid_db": -math.inf}))
    assert by_code(f, "dual_mono").severity == "info"
    assert "ok" in codes(f)


def test_lossy_source():
    f = by_code(audit.check(clean(info={"format": "MP3", "subtype": "MPEG_LAYER_III"})), "lossy_source")
    assert f.severity == "error" and "MP3" in f.message


@pytest.mark.parametrize("rate, flagged", [(44100, False), (48000, False), (96000, False), (192000, False),
                                           (32000, True), (22050, True), (50000, True)])
def test_unusual_sample_rate(rate, flagged):
    f = audit.check(clean(info={"sample_rate_hz": rate, "frames": rate * 180}))
    assert ("unusual_sample_rate" in codes(f)) == flagged


@pytest.mark.parametrize("subtype, severity", [("PCM_16", "info"), ("PCM_U8", "error"), ("PCM_24", None),
                                               ("FLOAT", None)])
def test_bit_depth(subtype, severity):
    f = audit.check(clean(info={"subtype": subtype}))
    hits = [x for x in f if x.code == "low_bit_depth"]
    assert [x.severity for x in hits] == ([severity] if severity else [])
    if severity == "info":
        assert "ok" in codes(f)  # 16-bit alone does not stop a mix from being ready


def test_edges():
    f = audit.check(clean(edges={"tail_cut": True, "tail_level_db": -18.0, "leading_silence_s": 2.5,
                                 "trailing_silence_s": 8.0}))
    assert by_code(f, "tail_cut").severity == "warning" and "-18.0 dBFS" in by_code(f, "tail_cut").message
    assert by_code(f, "leading_silence").value == pytest.approx(2.5)
    assert by_code(f, "trailing_silence").severity == "info"
    assert "leading_silence" not in codes(audit.check(clean(edges={"leading_silence_s": 2.0})))


def test_silent_file_gives_one_finding():
    ninf = -math.inf
    m = clean(
        loudness={"integrated_lufs": ninf, "max_momentary_lufs": ninf, "max_short_term_lufs": ninf,
                  "loudness_range_lu": math.nan},
        peaks={"sample_peak_dbfs": ninf, "true_peak_dbtp": ninf, "dc_offset_dbfs": (ninf, ninf)},
        dynamics={"rms_dbfs": ninf, "crest_factor_db": math.nan, "plr_db": math.nan, "psr_db": math.nan},
        info={"subtype": "PCM_16", "sample_rate_hz": 22050},  # would be findings, but are suppressed
        edges={"tail_cut": True},
    )
    f = audit.check(m)
    assert codes(f) == ["silent"]
    assert f[0].severity == "error" and "silent" in f[0].message and "zero" in f[0].message


def test_near_silent_file_names_its_peak():
    m = clean(loudness={"integrated_lufs": -math.inf}, peaks={"sample_peak_dbfs": -84.0})
    f = audit.check(m)
    assert codes(f) == ["silent"] and "-84.0 dBFS" in f[0].message


def test_nonfinite_samples():
    f = audit.check(clean(peaks={"nonfinite_samples": 12}, info={"subtype": "FLOAT"}))
    x = by_code(f, "nonfinite_samples")
    assert x.severity == "error" and x.value == 12 and "12 samples" in x.message
    # a file that is all NaN reads as silence: both findings, nothing else
    m = clean(peaks={"nonfinite_samples": 1000, "sample_peak_dbfs": -math.inf, "true_peak_dbtp": -math.inf},
              loudness={"integrated_lufs": -math.inf})
    assert sorted(codes(audit.check(m))) == ["nonfinite_samples", "silent"]


def test_short_file_loudness_undefined():
    nan = math.nan
    m = clean(info={"frames": 12000}, loudness={"integrated_lufs": nan, "loudness_range_lu": nan,
                                                "max_short_term_lufs": nan},
              dynamics={"plr_db": nan, "psr_db": nan})
    f = audit.check(m)
    x = by_code(f, "loudness_undefined")
    assert x.severity == "warning" and "0.25 s" in x.message
    assert "ok" not in codes(f) and "too_loud" not in codes(f) and "limiter_on_bus" not in codes(f)


def test_codes_are_documented_in_module_docstring():
    # every code a rule can emit is in the table a mixer/engineer reads
    m = clean(
        peaks={"true_peak_dbtp": 0.4, "intersample_overs": 2, "clip_runs": 1, "clipped_samples": 3,
               "dc_offset_dbfs": (-30.0, -30.0), "nonfinite_samples": 1, "ceiling_hits_per_min": 500.0},
        loudness={"integrated_lufs": -8.0},
        dynamics={"plr_db": 8.4, "psr_db": 6.0},
        stereo={"correlation": -0.2, "mono_loudness_drop_lu": 5.0, "low_end_correlation": 0.1, "balance_db": 3.0},
        info={"format": "OGG", "subtype": "VORBIS", "sample_rate_hz": 32000},
        edges={"tail_cut": True, "leading_silence_s": 3.0, "trailing_silence_s": 6.0},
    )
    for c in codes(audit.check(m)):
        assert f"``{c}``" in audit.__doc__


@pytest.mark.parametrize("corr, flagged", [(-0.1, False), (-0.2, False), (-0.25, True)])
def test_phase_inverted_threshold_leaves_wide_mixes_alone(corr, flagged):
    # independent (very wide) channels read about 0 +/- 0.1: wide, not broken
    assert ("phase_inverted" in codes(audit.check(clean(stereo={"correlation": corr})))) == flagged


@pytest.mark.parametrize("drop, flagged", [(3.2, False), (4.0, False), (4.1, True)])
def test_mono_loss_threshold(drop, flagged):
    assert ("mono_loss" in codes(audit.check(clean(stereo={"mono_loudness_drop_lu": drop})))) == flagged


# ------------------------------------------------- end to end: real measurements of synthetic mixes


RATE = 48000


def _audit_samples(x, rate=RATE):
    from masteraid.analysis import analyze
    from masteraid.audio import ArraySource

    return audit.check(analyze(ArraySource(x, rate)))


@pytest.fixture(scope="module")
def mix():
    from .signals import music_like

    x = music_like(10.0, RATE, level_db=-20.0)  # peaks about -3 dBTP, about -17 LUFS
    x[-RATE:] *= np.linspace(1.0, 0.0, RATE)[:, None] ** 3  # it ends: a 1 s fade-out, not a cut
    return x


def test_e2e_clean_mix_is_ready(mix):
    assert codes(_audit_samples(mix)) == ["ok"]


def test_e2e_loud_mix(mix):
    c = codes(_audit_samples(mix * 10 ** (6 / 20)))
    assert {"true_peak_over", "intersample_overs", "too_loud"} <= set(c)


def test_e2e_polarity_flip(mix):
    x = mix.copy()
    x[:, 1] *= -1
    c = codes(_audit_samples(x))
    assert {"phase_inverted", "mono_loss", "low_end_not_mono"} <= set(c)


def test_e2e_out_of_phase_bass(mix):
    from .signals import sine

    bass = sine(60.0, -14.0, 10.0, RATE)
    bass[:, 1] *= -1
    assert "low_end_not_mono" in codes(_audit_samples(0.5 * mix + bass))


def test_e2e_dc_offset(mix):
    assert "dc_offset" in codes(_audit_samples(mix + 0.02))  # -34 dBFS of DC


def test_e2e_leading_silence(mix):
    x = np.concatenate([np.zeros((3 * RATE, 2)), mix])
    f = by_code(_audit_samples(x), "leading_silence")
    assert f.value == pytest.approx(3.0, abs=0.05)


def test_e2e_balance(mix):
    x = mix * 0.5
    x[:, 0] *= 10 ** (4 / 20)
    expected = 10 * np.log10(np.sum(x[:, 0] ** 2) / np.sum(x[:, 1] ** 2))  # 4 dB + the mix's own lean
    f = by_code(_audit_samples(x), "balance")
    assert f.value == pytest.approx(expected, abs=0.1) and "left" in f.message


def test_e2e_limited_mix(mix):
    # a crude limiter: drive 12 dB into a hard clip at -0.1 dBFS
    ceiling = 10 ** (-0.1 / 20)
    x = np.clip(mix * 10 ** (12 / 20), -ceiling, ceiling)
    c = codes(_audit_samples(x))
    assert {"limiter_on_bus", "clipping", "too_loud"} <= set(c)


def test_e2e_silence_and_nan():
    assert codes(_audit_samples(np.zeros((2 * RATE, 2)))) == ["silent"]
    x = np.zeros((2 * RATE, 2))
    x[100, 0] = np.nan
    assert sorted(codes(_audit_samples(x))) == ["nonfinite_samples", "silent"]


def test_e2e_blown_up_float_render(mix):
    # ten samples at 1e30 (a plug-in blowing up): not "pull the fader down 589 dB", not "+554 LUFS, too
    # loud", not a phase problem: one error naming the cause, and nothing else
    x = mix.astype(np.float32).copy()
    x[RATE : RATE + 10] *= np.float32(1e30)
    f = _audit_samples(x)
    assert codes(f) == ["blown_up"] and f[0].severity == "error" and "a plug-in blew up" in f[0].message
    assert f[0].value > 500
    # a hot float render (+12 dBFS: a mix bus driven over full scale) is audited as usual
    hot = _audit_samples(mix * 10 ** (12 / 20) / np.max(np.abs(mix)))
    assert "blown_up" not in codes(hot) and "true_peak_over" in codes(hot)


def test_e2e_cut_tail(mix):
    # a quiet start sets the noise floor; the render then stops in the middle of the music
    quiet = np.random.default_rng(0).standard_normal((2 * RATE, 2)) * 1e-3
    f = by_code(_audit_samples(np.concatenate([quiet, mix[: 6 * RATE]])), "tail_cut")
    assert f.severity == "warning" and f.value > -30.0
