"""SpectrumMeter: sine placement and level, noise tilts, Parseval, edge cases, block invariance."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from masteraid.analysis.spectrum import SpectrumMeter, band_centres_hz, frame_length
from tests.analysis.meters import run_meter
from tests.signals import pink_noise, sine, white_noise

RATE = 48000


def measure(x: np.ndarray, rate: int = RATE, block: int | None = None):
    return run_meter(SpectrumMeter, x, rate, block)


def test_bands():
    c = band_centres_hz(48000)
    assert len(c) == 30
    assert c[0] == pytest.approx(25.12, abs=0.01)
    assert c[16] == pytest.approx(1000.0)
    assert c[-1] == pytest.approx(19952.6, abs=0.1)
    # at 32 kHz, bands centred at or above Nyquist (16 kHz) are left out: 20k goes, 16k (15849) stays
    assert band_centres_hz(32000)[-1] == pytest.approx(15848.9, abs=0.1)
    assert frame_length(48000) == 32768 and frame_length(44100) == 32768 and frame_length(96000) == 65536


@pytest.mark.parametrize("rate", [44100, 48000, 96000])
@pytest.mark.parametrize("band", [0, 6, 16, 26, 29])  # 25 Hz, 100 Hz, 1 kHz, 10 kHz, 20 kHz
def test_sine_lands_in_its_band(rate, band):
    fc = band_centres_hz(rate)[band]
    x = sine(fc, 0.0, 4.0, rate, 2)  # full scale: mean square 1/2
    r = measure(x, rate)
    assert np.argmax(r.band_levels_db) == band
    assert r.band_levels_db[band] == pytest.approx(-3.01, abs=0.5)
    # neighbours hold only leakage
    others = np.delete(r.band_levels_db, band)
    assert np.max(others) < r.band_levels_db[band] - 20


def test_sine_off_centre_and_level():
    # 1.1 kHz at -20 dBFS peak on one channel of two: channel average halves the power
    x = sine(1100, -20, 4.0, RATE, 2)
    x[:, 1] = 0
    r = measure(x)
    assert r.band_levels_db[16] == pytest.approx(-20 - 3.01 - 3.01, abs=0.1)


def test_white_noise_tilt():
    r = measure(white_noise(-20, 10.0, RATE, 2, seed=1))
    assert r.tilt_db_per_octave == pytest.approx(10 * math.log10(2), abs=0.3)


def test_pink_noise_tilt():
    r = measure(pink_noise(-20, 10.0, RATE, 2, seed=2))
    assert r.tilt_db_per_octave == pytest.approx(0.0, abs=0.3)
    # flat bands: every band 100 Hz .. 10 kHz within 1 dB of the median
    sel = (r.bands_hz >= 99) & (r.bands_hz <= 10001)
    lv = r.band_levels_db[sel]
    assert np.max(np.abs(lv - np.median(lv))) < 1.0


@pytest.mark.parametrize("rate", [44100, 48000])
def test_parseval_band_limited_noise(rate):
    sos = signal.butter(8, [40, 16000], btype="band", fs=rate, output="sos")
    x = signal.sosfilt(sos, white_noise(-10, 8.0, rate, 2, seed=3), axis=0)
    r = measure(x, rate)
    total_db = 10 * math.log10(np.mean(x**2))
    bands_db = 10 * math.log10(np.sum(10 ** (r.band_levels_db / 10)))
    assert bands_db == pytest.approx(total_db, abs=0.02)


@pytest.mark.parametrize("length", [RATE // 10, 2 * RATE + 12345])
def test_parseval_exact_for_any_signal(length):
    # every sample has weight exactly 1, so the bins (not only the bands) sum to the mean square;
    # a 25 Hz .. 20 kHz band-limited click train has almost all of its power inside the bands
    x = np.zeros((length, 2))
    x[::997, 0] = 1.0
    x[5::1499, 1] = -0.5
    sos = signal.butter(6, [60, 12000], btype="band", fs=RATE, output="sos")
    x = signal.sosfilt(sos, x, axis=0)
    r = measure(x, block=4801)
    bands_db = 10 * math.log10(np.sum(10 ** (r.band_levels_db / 10)))
    assert bands_db == pytest.approx(10 * math.log10(np.mean(x**2)), abs=0.02)


@pytest.mark.parametrize("where", [0.1, 0.3405, 0.5, 0.6826, 1.1])  # seconds; frames are 0.683 s
def test_a_click_counts_the_same_wherever_it_falls(where):
    # the power-complementary window weighs every sample 1: a lone click's band powers do not
    # depend on its position relative to the frames (with Hann at 50 % they would swing by 3 dB)
    x = np.zeros((2 * RATE, 1))
    x[int(where * RATE)] = 1.0
    r = measure(x)
    # a unit impulse has a flat spectrum: each one-sided bin holds 2 / (N * frames) of power
    n = frame_length(RATE)
    freqs = np.arange(n // 2 + 1) * RATE / n
    lo, hi = r.bands_hz * 10**-0.05, r.bands_hz * 10**0.05
    bins = np.array([np.count_nonzero((freqs >= a) & (freqs < b)) for a, b in zip(lo, hi)])
    expected = 10 * np.log10(2 * bins / (n * x.shape[0]))
    np.testing.assert_allclose(r.band_levels_db, expected, atol=0.01)


def test_silence():
    r = measure(np.zeros((RATE, 2)))
    assert np.all(r.band_levels_db == -np.inf)
    assert math.isnan(r.tilt_db_per_octave)


def test_dc_is_in_no_band_only_its_edges_are():
    # DC itself (mean square a^2 = -6 dB) is below every band. What shows is the file's start and
    # end, two steps of height a (the file is measured as if played from and into silence): their
    # energy density 2 a^2 / (2 pi f)^2, spread over T seconds, puts
    # a^2 / (pi^2 T) * (1/lo - 1/hi) in a band [lo, hi) -- about -39 dB at 25 Hz for T = 2 s
    a, seconds = 0.5, 2.0
    r = measure(np.full((int(RATE * seconds), 2), a))
    lo, hi = r.bands_hz * 10**-0.05, r.bands_hz * 10**0.05
    expected = 10 * np.log10(a**2 / (math.pi**2 * seconds) * (1 / lo - 1 / hi))
    # (up to 5 kHz; higher, the sampled step's spectrum exceeds the continuous one)
    np.testing.assert_allclose(r.band_levels_db[:24], expected[:24], atol=0.5)
    assert np.max(r.band_levels_db) < -35


def test_shorter_than_one_frame():
    x = sine(1000, 0.0, 0.1, RATE, 2)  # 4800 frames < 32768
    r = measure(x, block=1000)
    assert np.argmax(r.band_levels_db) == 16
    assert r.band_levels_db[16] == pytest.approx(-3.01, abs=0.5)
    one = measure(x[1:2])  # a single frame does not crash
    assert np.all(np.isfinite(one.band_levels_db))


def test_mono_and_many_channels():
    mono = measure(sine(1000, 0.0, 2.0, RATE, 1))
    assert mono.band_levels_db[16] == pytest.approx(-3.01, abs=0.2)
    six = measure(sine(1000, 0.0, 2.0, RATE, 6))
    assert six.band_levels_db[16] == pytest.approx(-3.01, abs=0.2)


@pytest.mark.parametrize("block", [1, 999, 4801, 65536])
def test_block_size_invariance(block):
    seconds = 1.0 if block == 1 else 3.0
    x = pink_noise(-20, seconds, RATE, 2, seed=4) + sine(60, -10, seconds, RATE, 2)
    whole = measure(x)
    parts = measure(x, block=block)
    np.testing.assert_allclose(parts.band_levels_db, whole.band_levels_db, rtol=0, atol=1e-6)
    assert parts.tilt_db_per_octave == pytest.approx(whole.tilt_db_per_octave, abs=1e-6)


def test_result_does_not_consume_state():
    m = SpectrumMeter(RATE, 2)
    x = white_noise(-20, 1.0, RATE, 2, seed=5)
    m.feed(x[:30000])
    first = m.result()
    again = m.result()
    np.testing.assert_array_equal(first.band_levels_db, again.band_levels_db)
    m.feed(x[30000:])
    np.testing.assert_allclose(m.result().band_levels_db, measure(x).band_levels_db, atol=1e-6)


_PARTITION_SIGNAL = pink_noise(-20, 1.5, RATE, 2, seed=21)

@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=int(1.5 * RATE)), min_size=1, max_size=8))
def test_any_partition_gives_the_same_result(cuts):
    x = _PARTITION_SIGNAL
    edges = [0, *sorted(cuts), x.shape[0]]
    m = SpectrumMeter(RATE, x.shape[1])
    for a, b in zip(edges[:-1], edges[1:]):
        m.feed(x[a:b])  # includes empty blocks
    parts, whole = m.result(), measure(x)
    np.testing.assert_allclose(parts.band_levels_db, whole.band_levels_db, rtol=0, atol=1e-6)
