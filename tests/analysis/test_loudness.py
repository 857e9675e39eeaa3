"""Loudness meter against ITU-R BS.1770-4 and the EBU Tech 3341 / 3342 minimum-requirement cases.

The Tech 3341/3342 cases are synthesized here from their definitions (1 kHz sines at given levels
and durations) rather than read from the EBU's WAV files; the expected values are the standard's.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from masteraid.analysis.loudness import (
    LoudnessMeter,
    channel_weights,
    integrated_loudness,
    k_weighting_sos,
    sub_block_frames,
)
from tests.signals import music_like, pink_noise, sine

RATES = (44100, 48000, 96000)


def measure(x: np.ndarray, rate: int, block: int | None = None):
    m = LoudnessMeter(rate, x.shape[1])
    step = block or x.shape[0]
    for i in range(0, x.shape[0], step):
        m.feed(x[i : i + step])
    return m.result()


def seq(rate: int, parts, channels: int = 2, freq: float = 1000.0) -> np.ndarray:
    """Concatenate (seconds, peak_dbfs) 1 kHz sine segments (None level = silence), phase-continuous."""
    n_total = sum(int(round(s * rate)) for s, _ in parts)
    t = np.arange(n_total) / rate
    carrier = np.sin(2 * np.pi * freq * t)
    gain = np.empty(n_total)
    i = 0
    for s, lvl in parts:
        n = int(round(s * rate))
        gain[i : i + n] = 0.0 if lvl is None else 10 ** (lvl / 20)
        i += n
    x = carrier * gain
    return np.repeat(x[:, None], channels, axis=1)


# ------------------------------------------------------------------------------- K-weighting


def test_k_weighting_at_48k_equals_bs1770_tables():
    table = np.array(
        [
            [1.53512485958697, -2.69169618940638, 1.19839281085285, 1.0, -1.69065929318241, 0.73248077421585],
            [1.0, -2.0, 1.0, 1.0, -1.99004745483398, 0.99007225036621],
        ]
    )
    np.testing.assert_allclose(k_weighting_sos(48000), table, rtol=0, atol=1e-12)


@pytest.mark.parametrize("rate", RATES + (32000, 192000))
def test_k_weighting_response_is_rate_independent(rate):
    from scipy import signal

    sos = k_weighting_sos(rate)
    freqs = np.array([20.0, 100.0, 1000.0, 4000.0, 10000.0])
    _, h = signal.sosfreqz(sos, worN=freqs, fs=rate)
    _, h48 = signal.sosfreqz(k_weighting_sos(48000), worN=freqs, fs=48000)
    # The bilinear transform warps near Nyquist only; below 10 kHz the designs agree within 0.05 dB.
    np.testing.assert_allclose(20 * np.log10(np.abs(h)), 20 * np.log10(np.abs(h48)), atol=0.05)
    # shelf: about +4 dB at high frequencies, about 0.7 dB at 1 kHz (which the -0.691 offsets)
    assert 20 * np.log10(abs(h[2])) == pytest.approx(0.70, abs=0.04)
    assert 20 * np.log10(abs(h[4])) == pytest.approx(4.0, abs=0.1)


def test_channel_weights():
    np.testing.assert_array_equal(channel_weights(1), [1.0])
    np.testing.assert_array_equal(channel_weights(2), [1.0, 1.0])
    np.testing.assert_array_equal(channel_weights(6), [1.0, 1.0, 1.0, 0.0, 1.41, 1.41])
    np.testing.assert_array_equal(channel_weights(5), [1.0, 1.0, 1.0, 1.41, 1.41])
    assert channel_weights(8)[3] == 0.0 and channel_weights(8)[4:].tolist() == [1.41] * 4


def test_sub_block_length():
    assert sub_block_frames(48000) == 4800
    assert sub_block_frames(44100) == 4410
    assert sub_block_frames(11025) == 1103  # round half up, as libebur128


# ------------------------------------------------------------------------ analytic sine levels


@pytest.mark.parametrize("rate", RATES)
def test_stereo_sine_minus23_reads_minus23(rate):
    # At 48 kHz the K-filter is the standard's table and the reading is -22.993; the same analog
    # design at other rates moves the 1 kHz gain by up to 0.011 dB (libebur128 reads the same).
    tol = 0.01 if rate == 48000 else 0.02
    r = measure(sine(1000, -23, 10, rate, 2), rate)
    assert r.integrated_lufs == pytest.approx(-23.0, abs=tol)
    assert r.max_momentary_lufs == pytest.approx(-23.0, abs=tol)
    assert r.max_short_term_lufs == pytest.approx(-23.0, abs=tol)
    assert r.loudness_range_lu == pytest.approx(0.0, abs=0.01)


@pytest.mark.parametrize("rate", RATES)
def test_mono_sine_counts_one_channel(rate):
    # BS.1770: a 1 kHz sine in one channel (of weight 1) reads 3.01 dB below its level in two.
    tol = 0.01 if rate == 48000 else 0.02
    r = measure(sine(1000, -23, 10, rate, 1), rate)
    assert r.integrated_lufs == pytest.approx(-26.01, abs=tol)


def test_series_timing_and_lengths():
    rate = 48000
    x = sine(1000, -23, 5.05, rate, 2)
    r = measure(x, rate)
    assert r.hop_s == pytest.approx(0.1)
    # 50 full sub-blocks: momentary windows 50-4+1, short-term 50-30+1
    assert r.momentary_lufs.shape == (47,)
    assert r.short_term_lufs.shape == (21,)


# --------------------------------------------------------------------------- EBU Tech 3341


@pytest.mark.parametrize(
    "case,parts,expected",
    [
        (1, [(20, -23)], -23.0),
        (2, [(20, -33)], -33.0),
        (3, [(10, -36), (60, -23), (10, -36)], -23.0),
        (4, [(10, -72), (10, -36), (60, -23), (10, -36), (10, -72)], -23.0),
        (5, [(20, -26), (20.1, -20), (20, -26)], -23.0),
    ],
)
def test_tech3341_integrated_cases(case, parts, expected):
    rate = 48000
    r = measure(seq(rate, parts), rate, block=65536)
    assert r.integrated_lufs == pytest.approx(expected, abs=0.1), f"Tech 3341 case {case}"


def test_tech3341_case1_momentary_and_short_term_constant():
    r = measure(seq(48000, [(20, -23)]), 48000)
    np.testing.assert_allclose(r.momentary_lufs, -23.0, atol=0.1)
    np.testing.assert_allclose(r.short_term_lufs, -23.0, atol=0.1)


@pytest.mark.parametrize("rate", (44100, 48000))
def test_tech3341_case6_five_channels(rate):
    # 5.0: L, R at -28 dBFS, C at -24 dBFS, Ls, Rs at -30 dBFS -> -23.0 LUFS
    n = int(20 * rate)
    t = np.arange(n) / rate
    s = np.sin(2 * np.pi * 1000 * t)
    x = np.stack([s * 10 ** (lvl / 20) for lvl in (-28, -28, -24, -30, -30)], axis=1)
    assert measure(x, rate).integrated_lufs == pytest.approx(-23.0, abs=0.1)


def test_tech3341_case6_as_5_1_ignores_lfe():
    rate = 48000
    n = int(20 * rate)
    t = np.arange(n) / rate
    s = np.sin(2 * np.pi * 1000 * t)
    lfe = 0.9 * np.sin(2 * np.pi * 50 * t)  # a loud LFE must not count
    x = np.stack([s * 10 ** (-28 / 20), s * 10 ** (-28 / 20), s * 10 ** (-24 / 20), lfe, s * 10 ** (-30 / 20), s * 10 ** (-30 / 20)], axis=1)
    assert measure(x, rate).integrated_lufs == pytest.approx(-23.0, abs=0.1)


def test_tech3341_short_term_case():
    # 20 x (1.34 s at -20 dBFS, 1.66 s at -30 dBFS): every 3 s window holds one period -> S = -23.0
    rate = 48000
    r = measure(seq(rate, [(1.34, -20), (1.66, -30)] * 20), rate, block=10000)
    np.testing.assert_allclose(r.short_term_lufs, -23.0, atol=0.1)
    assert r.max_short_term_lufs == pytest.approx(-23.0, abs=0.1)


def test_tech3341_momentary_case():
    # 20 x (0.18 s at -20 dBFS, 0.22 s at -30 dBFS): every 400 ms window holds one period -> M = -23.0
    rate = 48000
    r = measure(seq(rate, [(0.18, -20), (0.22, -30)] * 20), rate, block=3000)
    np.testing.assert_allclose(r.momentary_lufs, -23.0, atol=0.1)


@pytest.mark.parametrize("start_s", [1.0, 1.03, 1.07])
def test_tech3341_max_short_term_and_momentary_of_bursts(start_s):
    rate = 48000
    x = seq(rate, [(start_s, None), (3.0, -23), (2.0, None)])
    r = measure(x, rate)
    # the best 3 s window on the 100 ms grid misses at most 50 ms of the burst: >= -23.08
    assert r.max_short_term_lufs == pytest.approx(-23.0, abs=0.1)
    assert r.max_momentary_lufs == pytest.approx(-23.0, abs=0.01)


# --------------------------------------------------------------------------- EBU Tech 3342


@pytest.mark.parametrize(
    "case,parts,expected",
    [
        (1, [(20, -20), (20, -30)], 10.0),
        (2, [(20, -20), (20, -15)], 5.0),
        (3, [(20, -40), (20, -20)], 20.0),
        (4, [(20, -50), (20, -35), (20, -20), (20, -35), (20, -50)], 15.0),
    ],
)
def test_tech3342_lra_cases(case, parts, expected):
    rate = 48000
    r = measure(seq(rate, parts), rate, block=65536)
    assert r.loudness_range_lu == pytest.approx(expected, abs=1.0), f"Tech 3342 case {case}"


# ----------------------------------------------------------------------- -inf / nan semantics


def test_silence_is_minus_inf():
    r = measure(np.zeros((48000 * 5, 2)), 48000)
    assert r.integrated_lufs == -math.inf
    assert r.max_momentary_lufs == -math.inf and r.max_short_term_lufs == -math.inf
    assert math.isnan(r.loudness_range_lu)
    assert np.all(r.momentary_lufs == -math.inf)


def test_shorter_than_one_block_is_nan():
    r = measure(sine(1000, -20, 0.3, 48000), 48000)
    assert math.isnan(r.integrated_lufs)
    assert math.isnan(r.max_momentary_lufs) and math.isnan(r.max_short_term_lufs)
    assert r.momentary_lufs.size == 0
    assert math.isnan(integrated_loudness(sine(1000, -20, 0.3, 48000), 48000))


def test_shorter_than_3s_has_no_lra_but_an_integrated():
    r = measure(sine(1000, -20, 2.0, 48000), 48000)
    assert r.integrated_lufs == pytest.approx(-20.0, abs=0.01)
    assert math.isnan(r.loudness_range_lu) and r.short_term_lufs.size == 0


def test_gates_exclude_quiet_parts():
    # -20 dBFS for 10 s then -80 dBFS (below the absolute gate) for 10 s: the 97 blocks inside the
    # loud part and the 3 straddling the change (3/4, 1/2, 1/4 of its power) pass:
    # -20 + 10 log10(98.5 / 100) = -20.066 (+0.007 for the K-weighting at 1 kHz).
    rate = 48000
    r = measure(seq(rate, [(10, -20), (10, -80)]), rate)
    assert r.integrated_lufs == pytest.approx(-20.0 + 10 * math.log10(0.985) + 0.0067, abs=0.005)
    # -20 then -35 (above -70, but more than 10 LU below): the relative gate removes the quiet part
    # (the straddling blocks stay, as above); without the gate it would read -22.9.
    r = measure(seq(rate, [(10, -20), (10, -35)]), rate)
    assert r.integrated_lufs == pytest.approx(-20.057, abs=0.005)


# ---------------------------------------------------------------------------- fold-down


def test_fold_down_of_dual_mono_and_uncorrelated_and_antiphase():
    rate = 48000
    x = sine(1000, -20, 5, rate, 2)
    m = LoudnessMeter(rate, 2)
    m.feed(x)
    assert m.result().integrated_lufs - m.fold_down_integrated_lufs == pytest.approx(0.0, abs=1e-9)
    n = pink_noise(-20, 10, rate, 2, seed=3)
    m = LoudnessMeter(rate, 2)
    m.feed(n)
    assert m.result().integrated_lufs - m.fold_down_integrated_lufs == pytest.approx(3.01, abs=0.1)
    x[:, 1] *= -1
    m = LoudnessMeter(rate, 2)
    m.feed(x)
    assert m.fold_down_integrated_lufs == -math.inf


def test_integrated_helper_matches_meter():
    x = music_like(6, 44100, 2)
    assert integrated_loudness(x, 44100) == pytest.approx(measure(x, 44100, block=777).integrated_lufs, abs=1e-9)


# ------------------------------------------------------------------ _iir (no scipy.signal import)


def test_sosfilt_rows_equals_scipy_and_its_fallback(monkeypatch):
    from scipy import signal

    from masteraid.analysis import _iir

    sos = k_weighting_sos(44100)
    x = np.random.default_rng(1).standard_normal((2, 5000))
    ref, zf = signal.sosfilt(sos, x, axis=1, zi=np.zeros((2, 2, 2)))
    for direct in (_iir._SOSFILT, None):
        monkeypatch.setattr(_iir, "_SOSFILT", direct)
        zi = np.zeros((2, 2, 2))
        a = x[:, :3000].copy()
        b = x[:, 3000:].copy()
        _iir.sosfilt_rows(sos, a, zi)
        _iir.sosfilt_rows(sos, b, zi)
        np.testing.assert_allclose(np.concatenate([a, b], axis=1), ref, rtol=0, atol=1e-12)
        np.testing.assert_allclose(np.moveaxis(zi, 1, 0), zf, rtol=0, atol=1e-12)


@pytest.mark.parametrize("order,cutoff,rate", [(4, 150.0, 4800), (4, 150.0, 48000), (2, 1000.0, 44100), (6, 16000.0, 48000)])
def test_butter_lowpass_matches_scipy_response(order, cutoff, rate):
    from scipy import signal

    from masteraid.analysis._iir import butter_lowpass_sos

    w = np.linspace(1.0, rate / 2 * 0.99, 200)
    _, h = signal.sosfreqz(butter_lowpass_sos(order, cutoff, rate), worN=w, fs=rate)
    _, ref = signal.sosfreqz(signal.butter(order, cutoff, fs=rate, output="sos"), worN=w, fs=rate)
    np.testing.assert_allclose(h, ref, rtol=0, atol=1e-9)


@pytest.mark.parametrize("order,cutoff,rate", [(2, 40.0, 6000), (2, 40.0, 48000), (4, 150.0, 44100)])
def test_butter_highpass_matches_scipy_response(order, cutoff, rate):
    from scipy import signal

    from masteraid.analysis._iir import butter_highpass_sos

    w = np.linspace(1.0, rate / 2 * 0.99, 200)
    _, h = signal.sosfreqz(butter_highpass_sos(order, cutoff, rate), worN=w, fs=rate)
    _, ref = signal.sosfreqz(signal.butter(order, cutoff, "highpass", fs=rate, output="sos"), worN=w, fs=rate)
    np.testing.assert_allclose(h, ref, rtol=0, atol=1e-9)


@pytest.mark.parametrize("n", (960, 1024, 16384))
def test_periodic_hann_is_scipys(n):
    from scipy import signal

    from masteraid.analysis._iir import periodic_hann

    np.testing.assert_allclose(periodic_hann(n), signal.get_window("hann", n), rtol=0, atol=1e-15)


@pytest.mark.parametrize("dtype", (np.float32, np.float64))
def test_rfft_is_scipys(dtype):
    import scipy.fft

    from masteraid.analysis._iir import rfft

    a = np.random.default_rng(2).standard_normal((3, 5, 960)).astype(dtype)
    got = rfft(a, axis=-1)
    assert got.dtype == scipy.fft.rfft(a, axis=-1).dtype
    np.testing.assert_array_equal(got, scipy.fft.rfft(a, axis=-1))
    np.testing.assert_array_equal(rfft(a, axis=1), scipy.fft.rfft(a, axis=1))
    np.testing.assert_array_equal(rfft(a[0], n=1024, axis=-1), scipy.fft.rfft(a[0], n=1024, axis=-1))


def test_meters_and_compare_do_not_import_scipy_fft_or_signal():
    """Start-up: scipy.fft's package (~0.2 s) and scipy.signal's (~1 s) stay out of audit and compare."""
    import subprocess
    import sys

    code = ("import sys, masteraid.analysis, masteraid.analysis.spectrum, masteraid.compare, masteraid.audit; "
            "print('scipy.fft' in sys.modules, 'scipy.signal' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
