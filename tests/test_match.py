"""Loudness matching and the streaming preview, on hand-built measurements with known numbers."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf

from masteraid.audio import ArraySource
from masteraid.errors import ConfigError, InvalidAudioError
from masteraid.match import loudness_over_range, plan_match, streaming_findings, streaming_preview, write_matched
from masteraid.platforms import PLATFORMS, PlatformPolicy, platform


def fake(integrated, tp, *, short_max=None, plr=None, momentary=None, short=None, name="x.wav", duration=60.0):
    """The parts of Measurements that match.py reads."""
    mom = np.full(int((duration - 0.4) / 0.1) + 1, integrated) if momentary is None else np.asarray(momentary, float)
    st = np.full(int((duration - 3.0) / 0.1) + 1, integrated) if short is None else np.asarray(short, float)
    return SimpleNamespace(
        info=SimpleNamespace(name=name, duration_s=duration),
        loudness=SimpleNamespace(integrated_lufs=integrated, max_short_term_lufs=short_max if short_max is not None else integrated,
                                 momentary_lufs=mom, short_term_lufs=st, hop_s=0.1),
        peaks=SimpleNamespace(true_peak_dbtp=tp),
        dynamics=SimpleNamespace(plr_db=(tp - integrated) if plr is None else plr),
    )


def test_match_up_to_the_loudest_when_peaks_allow():
    plan = plan_match(fake(-20.0, -8.0), fake(-14.0, -1.0))
    assert plan.target_lufs == pytest.approx(-14.0)
    assert [e.gain_db for e in plan.entries] == pytest.approx([6.0, 0.0])
    assert not plan.matched_down
    assert max(e.matched_true_peak_dbtp for e in plan.entries) <= 0.0


def test_match_down_where_matching_up_would_clip():
    # raising the quiet one by 6 dB would put its true peak at +2 dBTP: the target drops to -16
    plan = plan_match(fake(-20.0, -4.0), fake(-14.0, -1.0), fake(-18.0, -10.0))
    assert plan.matched_down
    assert plan.target_lufs == pytest.approx(-16.0)
    assert [e.gain_db for e in plan.entries] == pytest.approx([4.0, -2.0, 2.0])
    assert max(e.matched_true_peak_dbtp for e in plan.entries) == pytest.approx(0.0)
    assert {round(e.matched_level_lufs, 6) for e in plan.entries} == {-16.0}


def test_match_by_short_term_max_and_ceiling():
    plan = plan_match(fake(-20.0, -9.0, short_max=-15.0), fake(-14.0, -1.0, short_max=-12.0),
                      by="short-term-max", ceiling_dbtp=-1.0)
    assert plan.target_lufs == pytest.approx(-12.0)
    assert plan.entries[0].gain_db == pytest.approx(3.0)
    with pytest.raises(ConfigError, match="ceiling_dbtp"):
        plan_match(fake(-20, -9), fake(-14, -1), ceiling_dbtp=1.0)


def test_range_integrated_is_gated_bs1770_over_the_blocks_inside():
    mom = np.concatenate((np.full(300, -20.0), np.full(300, -10.0)))  # blocks ending 0.4 .. 60.3 s
    m = fake(-12.0, -1.0, momentary=mom)
    # blocks wholly inside 0..30 s: starts 0.0 .. 29.6 s -> all at -20 LUFS
    assert loudness_over_range(m, start_s=0.0, end_s=30.0) == pytest.approx(-20.0, abs=1e-9)
    # 20..40 s: blocks i = 200..396 (ends 20.4..40.0 s): 100 at -20 and 97 at -10, power-averaged
    both = loudness_over_range(m, start_s=20.0, end_s=40.0)
    assert both == pytest.approx(10 * np.log10((100 * 10 ** -2.0 + 97 * 10 ** -1.0) / 197), abs=1e-9)
    # gates: -80 blocks fail the absolute gate, -35 blocks the relative one (10 LU under the mean)
    gated = fake(-12.0, -1.0, momentary=np.concatenate((np.full(100, -80.0), np.full(100, -35.0), np.full(100, -10.0))))
    assert loudness_over_range(gated, start_s=0.0, end_s=30.3) == pytest.approx(-10.0, abs=1e-9)
    with pytest.raises(ConfigError):
        loudness_over_range(m, start_s=10.0, end_s=10.2)
    with pytest.raises(ConfigError):
        plan_match(m, m, start_s=5.0, end_s=4.0)


def test_silent_or_single_render_refused():
    with pytest.raises(ConfigError, match="two or more"):
        plan_match(fake(-20, -3))
    with pytest.raises(InvalidAudioError, match="cannot be measured"):
        plan_match(fake(-20, -3), fake(float("-inf"), float("-inf")))


def _by_key(previews):
    return {p.platform: p for p in previews}


def test_spotify_normal_matches_its_documented_example():
    # Spotify's page: -20 LUFS with a -5 dBFS true peak is lifted only to -16 LUFS
    p = _by_key(streaming_preview(fake(-20.0, -5.0)))["spotify_normal"]
    assert p.gain_db == pytest.approx(4.0) and p.playback_lufs == pytest.approx(-16.0)
    assert p.playback_true_peak_dbtp == pytest.approx(-1.0) and p.limited


def test_turn_down_only_limiter_and_unknown_policies():
    quiet = _by_key(streaming_preview(fake(-20.0, -8.0)))
    assert quiet["youtube"].gain_db == 0.0 and quiet["tidal"].gain_db == 0.0
    assert quiet["spotify_loud"].gain_db == pytest.approx(9.0)
    assert quiet["spotify_loud"].playback_true_peak_dbtp == pytest.approx(-1.0) and quiet["spotify_loud"].limited
    assert quiet["apple_music"].gain_db == 0.0 and not quiet["apple_music"].policy_known
    loud = _by_key(streaming_preview(fake(-8.0, 0.5)))
    for key in ("spotify_normal", "youtube", "tidal", "amazon_music"):
        assert loud[key].gain_db == pytest.approx(-6.0) and loud[key].playback_lufs == pytest.approx(-14.0)
    assert loud["apple_music"].playback_lufs == pytest.approx(-16.0) and loud["apple_music"].policy_known


def test_platform_data_has_sources_and_dates():
    assert len(PLATFORMS) == 8
    for p in PLATFORMS:
        assert p.source and p.date and p.target_lufs < 0
    assert platform("spotify_loud").limiter_threshold_dbfs == -1.0
    with pytest.raises(ConfigError):
        platform("napster")
    with pytest.raises(ConfigError):
        PlatformPolicy("x", "X", -14, True, "sometimes", None, None, "s", "d")


def test_streaming_findings_for_a_louder_flatter_pretreat():
    raw, pre = fake(-13.0, -1.0, plr=12.0), fake(-8.0, 0.0, plr=8.0)  # both above the -14 targets
    codes = {f.code: f for f in streaming_findings(raw, pre)}
    assert "louder_normalized_away" in codes and "YouTube" in codes["louder_normalized_away"].message
    assert "YouTube, Tidal, Amazon Music and Deezer:" in codes["louder_normalized_away"].message  # "A, B and C"
    assert codes["smaller_at_equal_loudness"].value == pytest.approx(-4.0)
    assert codes["smaller_at_equal_loudness"].severity == "warning"
    assert streaming_findings(fake(-16, -2, plr=14), fake(-15.8, -2, plr=13.8)) == []


def test_write_matched_is_float_gain_and_never_overwrites(tmp_path):
    x = np.random.default_rng(0).uniform(-0.9, 0.9, (48000, 2))
    src = ArraySource(x, 48000)
    p1 = write_matched(src, 6.0, tmp_path / "a - matched.wav")
    p2 = write_matched(src, 6.0, tmp_path / "a - matched.wav")
    assert p1 != p2 and p2.name == "a - matched (2).wav"
    y, rate = sf.read(p1, always_2d=True)
    assert sf.info(str(p1)).subtype == "FLOAT" and rate == 48000
    np.testing.assert_allclose(y, x * 10 ** (6 / 20), rtol=1e-6, atol=1e-7)
    assert np.abs(y).max() > 1.0  # float: not clipped
