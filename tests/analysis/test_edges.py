"""EdgesMeter: silences (sample-accurate), tail level, noise floor, cut tails, edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from masteraid.analysis.edges import EdgesMeter
from tests.analysis.meters import run_meter
from tests.signals import sine, white_noise

RATE = 48000


def measure(x: np.ndarray, rate: int = RATE, block: int | None = None):
    return run_meter(EdgesMeter, x, rate, block)


def pad(x: np.ndarray, before_s: float, after_s: float, rate: int = RATE) -> np.ndarray:
    ch = x.shape[1]
    return np.vstack([np.zeros((int(round(before_s * rate)), ch)), x, np.zeros((int(round(after_s * rate)), ch))])


@pytest.mark.parametrize("rate", [44100, 48000, 96000])
@pytest.mark.parametrize("channels", [1, 2])
def test_leading_and_trailing_silence(rate, channels):
    # 1 s silence, 2 s sine (starts at phase 0: its first sample is 0), 0.5 s silence
    x = pad(sine(1000, -10, 2.0, rate, channels), 1.0, 0.5, rate)
    r = measure(x, rate, block=10007)
    assert r.leading_silence_s == pytest.approx(1.0, abs=1.0 / rate + 1e-12)
    # the sine's last samples are above -60 dBFS (peak -10 dBFS, 1 kHz): trailing silence is the pad
    assert r.trailing_silence_s == pytest.approx(0.5, abs=2.0 / rate + 1e-12)
    assert r.tail_level_db == -math.inf


def test_sample_accurate_indices():
    x = np.zeros((1000, 2))
    x[123, 1] = 0.002  # -54 dBFS: sound
    x[700, 0] = -0.5
    x[800, 0] = 0.0009  # -61 dBFS: not sound
    for block in (None, 1, 7, 999):
        r = measure(x, block=block)
        assert r.leading_silence_s == 123 / RATE
        assert r.trailing_silence_s == (1000 - 1 - 700) / RATE


def test_tail_level_and_noise_floor_of_steady_sine():
    x = sine(1000, -6, 3.0, RATE, 2)
    r = measure(x)
    assert r.tail_level_db == pytest.approx(-6 - 3.01, abs=0.01)
    assert r.noise_floor_db == pytest.approx(-6 - 3.01, abs=0.01)
    assert r.tail_cut is True  # it stops at its ordinary level, to the last sample
    assert r.leading_silence_s == pytest.approx(1 / RATE)  # sample 0 of the sine is 0
    assert r.trailing_silence_s == 0.0


def test_noise_floor_is_the_quiet_passage():
    # 1 s of -80 dBFS noise, then 3 s of -10 dBFS sine: 20 of 80 windows are quiet -> 5th pct = quiet
    quiet = white_noise(-80, 1.0, RATE, 2, seed=1)
    loud = sine(440, -10 + 3.01, 3.0, RATE, 2)  # RMS -10 dBFS
    r = measure(np.vstack([quiet, loud]))
    assert r.noise_floor_db == pytest.approx(-80, abs=0.3)


def test_abrupt_stop_is_a_cut_tail():
    quiet = white_noise(-80, 1.0, RATE, 2, seed=2)
    loud = sine(440, -10, 3.0, RATE, 2)
    r = measure(np.vstack([quiet, loud]))
    assert r.tail_cut is True
    assert r.tail_level_db == pytest.approx(-13.01, abs=0.05)


def test_fade_to_silence_is_not_cut():
    quiet = white_noise(-80, 1.0, RATE, 2, seed=3)
    loud = sine(440, -10, 3.0, RATE, 2)
    loud[-RATE:] *= np.linspace(1, 0, RATE)[:, None] ** 3  # 1 s fade-out to exactly 0
    r = measure(np.vstack([quiet, loud]))
    assert r.tail_cut is False
    assert r.tail_level_db < -60


def test_fade_into_noise_floor_is_not_cut():
    quiet = white_noise(-80, 1.0, RATE, 2, seed=4)
    loud = sine(440, -10, 3.0, RATE, 2) + white_noise(-80, 3.0, RATE, 2, seed=5)
    loud[-RATE:, :] *= 0
    loud[-RATE:] += white_noise(-80, 1.0, RATE, 2, seed=6)  # ends on the floor
    r = measure(np.vstack([quiet, loud]))
    assert r.tail_cut is False
    assert r.tail_level_db == pytest.approx(-80, abs=1.0)


def test_quiet_cut_is_not_flagged():
    # ends abruptly but at -55 dBFS: below the -50 dBFS bar
    quiet = white_noise(-100, 1.0, RATE, 2, seed=7)
    soft = white_noise(-55, 2.0, RATE, 2, seed=8)
    r = measure(np.vstack([quiet, soft]))
    assert r.tail_cut is False


def test_digital_silence_is_not_the_noise_floor():
    x = np.vstack([np.zeros((RATE, 2)), white_noise(-70, 1.0, RATE, 2, seed=9), sine(100, 0, 2.0, RATE, 2)])
    r = measure(x)
    assert r.noise_floor_db == pytest.approx(-70, abs=0.3)


def test_silence():
    r = measure(np.zeros((RATE * 2, 2)))
    assert r.leading_silence_s == 2.0
    assert r.trailing_silence_s == 2.0
    assert r.tail_level_db == -math.inf
    assert r.noise_floor_db == -math.inf
    assert r.tail_cut is False


def test_dc_only():
    r = measure(np.full((RATE, 2), 0.25))
    assert r.leading_silence_s == 0.0
    assert r.trailing_silence_s == 0.0
    assert r.tail_level_db == pytest.approx(20 * math.log10(0.25), abs=1e-9)
    assert r.noise_floor_db == pytest.approx(20 * math.log10(0.25), abs=1e-9)
    assert r.tail_cut is True  # a steady level to the last sample


def test_shorter_than_one_window():
    x = np.full((100, 1), 0.5)  # ~2 ms
    r = measure(x, block=7)
    assert r.tail_level_db == pytest.approx(20 * math.log10(0.5), abs=1e-9)
    assert r.noise_floor_db == pytest.approx(20 * math.log10(0.5), abs=1e-9)
    one = measure(np.array([[0.0, 0.1]]))
    assert one.leading_silence_s == 0.0 and one.trailing_silence_s == 0.0
    assert one.tail_level_db == pytest.approx(10 * math.log10(0.01 / 2), abs=1e-9)


@pytest.mark.parametrize("block", [1, 999, 4801, 65536])
def test_block_size_invariance(block):
    seconds = 0.5 if block == 1 else 2.0
    body = white_noise(-30, seconds, RATE, 2, seed=10) * np.linspace(0, 1, int(seconds * RATE))[:, None]
    x = pad(body, 0.13, 0.03)  # the last 50 ms straddle the end of the noise
    whole = measure(x)
    parts = measure(x, block=block)
    assert parts.leading_silence_s == whole.leading_silence_s
    assert parts.trailing_silence_s == whole.trailing_silence_s
    assert parts.tail_cut == whole.tail_cut
    for name in ("tail_level_db", "noise_floor_db"):
        a, b = getattr(whole, name), getattr(parts, name)
        assert a == b or a == pytest.approx(b, abs=1e-9), name


def test_odd_rate_windows_and_silences():
    rate = 11025  # 50 ms = 551.25 frames
    x = pad(sine(441, -10, 2.0, rate, 2), 0.5, 0.25, rate)
    r = measure(x, rate, block=333)
    assert r.leading_silence_s == pytest.approx(0.5, abs=1.0 / rate + 1e-12)
    assert r.trailing_silence_s == pytest.approx(0.25, abs=2.0 / rate + 1e-12)
    # complete windows inside the sine read its RMS; silence windows are digital silence
    assert r.noise_floor_db == pytest.approx(-13.01, abs=0.1)


_PARTITION_SIGNAL = pad(white_noise(-30, 1.5, RATE, 2, seed=21) * np.linspace(1, 0.01, int(1.5 * RATE))[:, None], 0.2, 0.02)

@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=int(1.72 * RATE)), min_size=1, max_size=8))
def test_any_partition_gives_the_same_result(cuts):
    x = _PARTITION_SIGNAL
    edges = [0, *sorted(cuts), x.shape[0]]
    m = EdgesMeter(RATE, x.shape[1])
    for a, b in zip(edges[:-1], edges[1:]):
        m.feed(x[a:b])  # includes empty blocks
    parts, whole = m.result(), measure(x)
    assert (parts.leading_silence_s, parts.trailing_silence_s) == (whole.leading_silence_s, whole.trailing_silence_s)
    assert parts.tail_level_db == pytest.approx(whole.tail_level_db, abs=1e-9)
    assert parts.noise_floor_db == pytest.approx(whole.noise_floor_db, abs=1e-9)


def _dense_mix(seconds: float) -> np.ndarray:
    """A mix with no quiet passage: -20 dBFS noise with a 2 Hz level ride of +-3 dB (its quietest 50 ms
    windows are within 20 dB of the loud ones, so the noise-floor rule alone cannot flag its ending)."""
    x = white_noise(-20, seconds, RATE, 2, seed=11)
    t = np.arange(x.shape[0]) / RATE
    return x * (10 ** (3 * np.sin(2 * np.pi * 2 * t) / 20))[:, None]


def test_dense_mix_cut_mid_chorus_is_a_cut_tail():
    r = measure(_dense_mix(6.0))
    assert r.noise_floor_db > r.tail_level_db - 20  # the noise-floor rule does not apply
    assert r.tail_cut is True


@pytest.mark.parametrize("end_db", [-12.0, -30.0])
def test_dense_mix_ending_in_a_decay_is_not_a_cut(end_db):
    # the last second decays exponentially to end_db under the mix: the tail is over 10 dB under the
    # median window level (-12 dB at the last sample: the last 50 ms average a little more)
    x = _dense_mix(6.0)
    x[-RATE:] *= (10 ** (np.linspace(0, end_db - 1.0, RATE) / 20))[:, None]
    r = measure(x)
    assert r.tail_level_db < -30.0
    assert r.tail_cut is False
