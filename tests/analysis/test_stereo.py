"""StereoMeter: analytic stereo cases, edge cases, block-size invariance."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from masteraid.analysis.stereo import StereoMeter, segment_boundaries
from masteraid.errors import ConfigError, InvalidAudioError
from tests.analysis.meters import run_meter
from tests.signals import sine, white_noise

RATE = 48000


def measure(x: np.ndarray, rate: int = RATE, block: int | None = None):
    return run_meter(StereoMeter, x, rate, block)


def test_segment_boundaries_exact_at_odd_rates():
    # 11025 Hz / 10 = 1102.5 frames: boundaries alternate 1102, 2205, 3307, ...
    ends = segment_boundaries(0, 11025, 11025, 10)
    assert ends.tolist() == [(k * 11025) // 10 for k in range(1, 11)]
    # a boundary exactly at ``start`` belongs to the previous call
    assert segment_boundaries(4800, 9600, 48000, 10).tolist() == [9600]
    assert segment_boundaries(4801, 9599, 48000, 10).tolist() == []


@pytest.mark.parametrize("rate", [44100, 48000, 96000])
def test_identical_channels(rate):
    x = white_noise(-20, 2.0, rate, 1, seed=1)
    r = measure(np.hstack([x, x]), rate)
    assert r.correlation == pytest.approx(1.0, abs=1e-12)
    assert r.worst_correlation_400ms == pytest.approx(1.0, abs=1e-12)
    assert r.dual_mono is True
    assert r.side_to_mid_db == -math.inf
    assert r.balance_db == pytest.approx(0.0, abs=1e-9)
    assert r.low_end_correlation == pytest.approx(1.0, abs=1e-9)
    assert math.isnan(r.mono_loudness_drop_lu)


def test_opposite_polarity():
    x = white_noise(-20, 2.0, RATE, 1, seed=2)
    r = measure(np.hstack([x, -x]))
    assert r.correlation == pytest.approx(-1.0, abs=1e-12)
    assert r.worst_correlation_400ms == pytest.approx(-1.0, abs=1e-12)
    assert r.low_end_correlation == pytest.approx(-1.0, abs=1e-9)
    assert r.side_to_mid_db == math.inf
    assert r.dual_mono is False


def test_independent_noises():
    x = white_noise(-20, 20.0, RATE, 2, seed=3)
    r = measure(x)
    # N ~ 960000 samples: std of the estimate ~ 1/sqrt(N) = 0.001
    assert abs(r.correlation) < 0.02
    assert r.side_to_mid_db == pytest.approx(0.0, abs=0.1)
    assert r.balance_db == pytest.approx(0.0, abs=0.05)
    # 400 ms windows: std ~ 1/sqrt(19200) = 0.007; the worst of ~200 is a few std below 0
    assert -0.06 < r.worst_correlation_400ms < -0.005
    # low end: ~9000 decimated samples through a 150 Hz low-pass, few independent values
    assert abs(r.low_end_correlation) < 0.15
    assert r.dual_mono is False


def test_partial_correlation_matches_mixing():
    # L = a + b, R = a + c with a, b, c independent and equal power: correlation 1/2
    a, b, c = (white_noise(-20, 20.0, RATE, 1, seed=s) for s in (10, 11, 12))
    r = measure(np.hstack([a + b, a + c]))
    assert r.correlation == pytest.approx(0.5, abs=0.01)
    # S = (b - c)/2, M = a + (b + c)/2: power ratio (1/2) / (1 + 1/2) = 1/3
    assert r.side_to_mid_db == pytest.approx(10 * math.log10(1 / 3), abs=0.1)


def test_balance_six_db():
    x = white_noise(-20, 2.0, RATE, 2, seed=4)
    x[:, 0] *= 10 ** (6 / 20) * math.sqrt(np.mean(x[:, 1] ** 2) / np.mean(x[:, 0] ** 2))
    r = measure(x)
    assert r.balance_db == pytest.approx(6.0, abs=0.01)


def test_left_only_and_right_only():
    x = white_noise(-20, 1.0, RATE, 1, seed=5)
    z = np.zeros_like(x)
    left = measure(np.hstack([x, z]))
    assert left.balance_db == math.inf
    assert left.correlation == 0.0
    assert left.worst_correlation_400ms == 0.0
    assert left.side_to_mid_db == pytest.approx(0.0, abs=1e-9)  # S = M = L/2
    right = measure(np.hstack([z, x]))
    assert right.balance_db == -math.inf


def test_low_end_mono_with_wide_highs():
    # identical 100 Hz sine + independent noise high-passed at 2 kHz in each channel
    s = sine(100, -12, 10.0, RATE, 2)
    hp = signal.butter(8, 2000, btype="high", fs=RATE, output="sos")
    n = signal.sosfilt(hp, white_noise(-12, 10.0, RATE, 2, seed=6), axis=0)
    r = measure(s + n)
    assert r.low_end_correlation > 0.999
    # the highs pull the full-band correlation well below 1
    assert r.correlation < 0.6
    assert r.dual_mono is False


def test_low_end_wide_with_mono_highs():
    # independent 40 Hz-ish rumble per channel (low-passed noise) + identical highs
    lp = signal.butter(4, 80, btype="low", fs=RATE, output="sos")
    lows = signal.sosfilt(lp, white_noise(-6, 20.0, RATE, 2, seed=7), axis=0)
    highs = sine(3000, -6, 20.0, RATE, 2)
    r = measure(lows + highs)
    assert abs(r.low_end_correlation) < 0.2
    assert r.correlation > 0.9


def test_worst_window_finds_out_of_phase_section():
    # 3 s identical, 1 s polarity-inverted, 3 s identical
    x = white_noise(-20, 7.0, RATE, 1, seed=8)
    y = x.copy()
    y[3 * RATE : 4 * RATE] *= -1
    r = measure(np.hstack([x, y]))
    assert r.worst_correlation_400ms == pytest.approx(-1.0, abs=1e-9)
    # whole file: (6 - 1) / 7 s of energy
    assert r.correlation == pytest.approx(5 / 7, abs=0.02)


def test_silent_windows_are_skipped():
    # 1..2 s: L at -80 dBFS and R = -L (below the -70 dBFS silence gate in both channels).
    # Windows wholly inside that second would read -1 if counted; windows that touch the loud,
    # identical audio around it are dominated by it and read ~1.
    x = white_noise(-20, 4.0, RATE, 1, seed=9)
    y = x.copy()
    x[RATE : 2 * RATE] *= 10 ** (-60 / 20)
    y[RATE : 2 * RATE] = -x[RATE : 2 * RATE]
    r = measure(np.hstack([x, y]))
    assert r.worst_correlation_400ms > 0.99


def test_mono_file_is_nan():
    r = measure(white_noise(-20, 1.0, RATE, 1))
    for name in ("correlation", "worst_correlation_400ms", "side_to_mid_db", "balance_db",
                 "mono_loudness_drop_lu", "low_end_correlation"):
        assert math.isnan(getattr(r, name)), name
    assert r.dual_mono is False


def test_more_than_two_channels_uses_first_two():
    x = white_noise(-20, 2.0, RATE, 1, seed=13)
    other = white_noise(-20, 2.0, RATE, 4, seed=14)
    r = measure(np.hstack([x, x, other]))
    assert r.correlation == pytest.approx(1.0, abs=1e-12)
    assert r.dual_mono is True


def test_silence():
    r = measure(np.zeros((RATE * 2, 2)))
    assert math.isnan(r.correlation)
    assert math.isnan(r.worst_correlation_400ms)
    assert math.isnan(r.side_to_mid_db)
    assert math.isnan(r.balance_db)
    assert math.isnan(r.low_end_correlation)
    assert r.dual_mono is True


def test_dc_only():
    r = measure(np.full((RATE, 2), 0.25))
    assert r.correlation == pytest.approx(1.0, abs=1e-12)
    assert r.low_end_correlation == pytest.approx(1.0, abs=1e-9)
    assert r.dual_mono is True
    assert r.side_to_mid_db == -math.inf


def test_shorter_than_one_window():
    x = white_noise(-20, 0.3, RATE, 2, seed=15)  # 300 ms < 400 ms
    r = measure(x, block=1000)
    assert math.isnan(r.worst_correlation_400ms)
    assert abs(r.correlation) < 0.05
    one = measure(x[:1])
    assert -1.0 <= one.correlation <= 1.0


def test_near_dual_mono_tolerance():
    x = white_noise(-20, 1.0, RATE, 1, seed=16)
    r = measure(np.hstack([x, x + 5e-7]))
    assert r.dual_mono is True
    assert r.side_to_mid_db < -90  # tiny but not -inf: the channels do differ
    r = measure(np.hstack([x, x + 5e-6]))
    assert r.dual_mono is False


@pytest.mark.parametrize("block", [1, 999, 4801, 65536])
def test_block_size_invariance(block):
    rng = np.random.default_rng(17)
    seconds = 0.7 if block == 1 else 3.0
    x = white_noise(-20, seconds, RATE, 2, seed=18)
    x[:, 1] = 0.6 * x[:, 0] + 0.8 * x[:, 1] * rng.uniform(0.5, 1.0)
    whole = measure(x)
    parts = measure(x, block=block)
    for name in ("correlation", "worst_correlation_400ms", "side_to_mid_db", "balance_db",
                 "low_end_correlation"):
        a, b = getattr(whole, name), getattr(parts, name)
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-9, abs=1e-12), name
    assert whole.dual_mono == parts.dual_mono


def test_bad_arguments():
    with pytest.raises(ConfigError, match="rate_hz"):
        StereoMeter(0, 2)
    with pytest.raises(ConfigError, match="channels"):
        StereoMeter(48000, 0)
    m = StereoMeter(48000, 2)
    with pytest.raises(InvalidAudioError, match="frames, 2"):
        m.feed(np.zeros((10, 3)))


def test_odd_rate_windows():
    # 11025 Hz: 100 ms is 1102.5 frames; segments alternate 1102 / 1103 frames without drift
    rate = 11025
    x = white_noise(-20, 6.0, rate, 1, seed=19)
    y = x.copy()
    y[2 * rate : 3 * rate] *= -1
    r = measure(np.hstack([x, y]), rate, block=777)
    assert r.worst_correlation_400ms == pytest.approx(-1.0, abs=1e-9)
    assert r.correlation == pytest.approx(4 / 6, abs=0.03)
    assert r.low_end_correlation == pytest.approx(4 / 6, abs=0.2)


@pytest.mark.parametrize("rate", [44100, 48000, 96000])
def test_no_low_end_reads_nan(rate):
    # loud, wide hi-hat-like noise above 4 kHz only: nothing below 150 Hz to correlate. The
    # decimator's aliasing (>= 62 dB down) must not invent a low end above the -70 dBFS gate.
    hp = signal.butter(8, 4000, btype="high", fs=rate, output="sos")
    x = signal.sosfilt(hp, white_noise(-6, 3.0, rate, 2, seed=20), axis=0)
    r = measure(x, rate)
    assert math.isnan(r.low_end_correlation)
    assert abs(r.correlation) < 0.05


def test_low_end_decimator_passes_bass_level():
    # a 60 Hz sine at -20 dBFS peak in L only: low end present (not nan), correlation 0
    x = sine(60, -20, 3.0, RATE, 2)
    x[:, 1] = 0
    r = measure(x)
    assert r.low_end_correlation == 0.0


_PARTITION_SIGNAL = white_noise(-20, 1.5, RATE, 2, seed=21) @ np.array([[1.0, 0.6], [0.0, 0.8]])

@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=int(1.5 * RATE)), min_size=1, max_size=8))
def test_any_partition_gives_the_same_result(cuts):
    x = _PARTITION_SIGNAL
    edges = [0, *sorted(cuts), x.shape[0]]
    m = StereoMeter(RATE, x.shape[1])
    for a, b in zip(edges[:-1], edges[1:]):
        m.feed(x[a:b])  # includes empty blocks
    parts, whole = m.result(), measure(x)
    for name in ("correlation", "worst_correlation_400ms", "side_to_mid_db", "balance_db",
                 "low_end_correlation"):
        assert getattr(parts, name) == pytest.approx(getattr(whole, name), rel=1e-9, abs=1e-12), name
