"""Peaks meter: BS.1770-4 Annex 2 true peak (EBU Tech 3341 cases 15-23 as sines), the exact
screening shortcut, clipping runs, inter-sample overs, ceiling hits, DC."""

from __future__ import annotations

import math

import numpy as np
import pytest

from masteraid.analysis import peaks
from masteraid.analysis.peaks import (
    PeaksMeter,
    _oversample_all,
    _TruePeak,
    interpolator,
    oversampling_factor,
    sample_peak,
    true_peak,
)
from tests.signals import music_like, sine, white_noise


def run(x, rate, block=None):
    m = PeaksMeter(rate, x.shape[1])
    step = block or x.shape[0]
    for i in range(0, x.shape[0], step):
        m.feed(x[i : i + step])
    return m.result()


def tone(freq, peak_db, seconds, rate, phase_deg, channels=2):
    """A sine with 5 ms raised-cosine fades (an abrupt start is a step, whose interpolation overshoots)."""
    x = sine(freq, peak_db, seconds, rate, channels, phase=math.radians(phase_deg))
    n = int(0.005 * rate)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)
    x[:n] *= ramp[:, None]
    x[-n:] *= ramp[::-1, None]
    return x


def marked_overs(full, factor):
    """Per label (input sample), whether some interpolated value of that window exceeds 1; and the over
    events per channel (runs of marked labels), as float64 oversampling of everything gives them."""
    marked = (np.abs(full) > 1.0).reshape(-1, factor, full.shape[1]).any(axis=1)
    events = [int(np.count_nonzero(np.diff(np.r_[0, marked[:, c].astype(int)]) == 1)) for c in range(full.shape[1])]
    return marked, events


@pytest.mark.parametrize("factor", (4, 2))
def test_interpolator_design(factor):
    h = interpolator(factor)
    taps = h.shape[1]
    # phase 0 is the sample itself; every phase has unit DC gain; phases p and factor-p mirror
    np.testing.assert_array_equal(h[0], np.eye(taps)[taps // 2 - 1])
    np.testing.assert_allclose(h.sum(axis=1), 1.0, atol=1e-12)
    for p in range(1, factor):
        np.testing.assert_allclose(h[p][::-1], h[factor - p], atol=1e-12)
    # flat within 0.01 dB up to 0.8 of Nyquist for x4 (17.6 kHz at 44.1 kHz) and 0.7 of Nyquist for x2
    # (30.9 kHz at 88.2 kHz), every phase
    w = np.pi * np.linspace(0.0, 0.8 if factor == 4 else 0.7, 50)
    resp = np.abs(h @ np.exp(-1j * np.outer(np.arange(taps), w)))
    np.testing.assert_allclose(20 * np.log10(resp), 0.0, atol=0.012)
    assert interpolator(1) is None


def test_oversampling_factors():
    assert [oversampling_factor(r) for r in (44100, 48000, 88200, 96000, 176400, 192000)] == [4, 4, 2, 2, 1, 1]


# ---------------------------------------------- EBU Tech 3341 true-peak cases 15-23 (as sines)
# Sines at fs/4, fs/6, fs/8 whose phase puts the crests between samples: the true peak is the
# sine's amplitude while the sample peak is lower. Tolerance +0.2 / -0.4 dB (Tech 3341).

TP_CASES = [
    # (case, freq as a fraction of fs, amplitude dBFS, phase deg, expected dBTP)
    (15, 1 / 4, -6.0, 0.0, -6.0),
    (16, 1 / 4, -6.0, 45.0, -6.0),
    (17, 1 / 6, -6.0, 60.0, -6.0),
    (18, 1 / 8, -6.0, 67.5, -6.0),
    (19, 1 / 4, 3.0, 45.0, 3.0),
    (20, 1 / 4, 0.0, 45.0, 0.0),
    (21, 1 / 6, 0.0, 60.0, 0.0),
    (22, 1 / 8, 0.0, 67.5, 0.0),
    (23, 1 / 8, 0.0, 22.5, 0.0),
]


@pytest.mark.parametrize("case,frac,amp,phase,expected", TP_CASES)
@pytest.mark.parametrize("rate", (48000, 44100))
def test_tech3341_true_peak_cases(case, frac, amp, phase, expected, rate):
    x = tone(frac * rate, amp, 1.0, rate, phase)
    r = run(x, rate, block=4000)
    assert expected - 0.4 <= r.true_peak_dbtp <= expected + 0.2, f"Tech 3341 case {case}: {r.true_peak_dbtp:.3f}"


def test_true_peak_above_sample_peak_for_intersample_crest():
    rate = 48000
    x = tone(rate / 4, 0.0, 1.0, rate, 45.0)  # samples at +-0.707 (-3.01 dBFS), crests at 0 dBTP
    r = run(x, rate)
    assert r.sample_peak_dbfs == pytest.approx(-3.01, abs=0.01)
    assert r.true_peak_dbtp == pytest.approx(0.0, abs=0.2)


@pytest.mark.parametrize("rate", (44100, 96000, 192000))
def test_low_frequency_sine_true_peak_equals_amplitude(rate):
    r = run(tone(997, -1.0, 1.0, rate, 10.0), rate)
    assert r.true_peak_dbtp == pytest.approx(-1.0, abs=0.02)
    assert r.sample_peak_dbfs == pytest.approx(-1.0, abs=0.02)


# ------------------------------------------------------ the screening shortcut is exact


@pytest.mark.parametrize("rate", (44100, 48000, 96000, 192000))
@pytest.mark.parametrize("block", (1, 999, 4801, 65536))
def test_screened_true_peak_equals_full_oversampling(rate, block):
    seconds = 0.3 if block == 1 else 4.0
    x = music_like(seconds, rate, 2, level_db=-14, seed=5)
    x[rate // 10 : rate // 10 + 50] *= 3.0  # a burst of inter-sample overs
    full = _oversample_all(x, rate)
    tp = _TruePeak(rate, 2)
    for i in range(0, x.shape[0], block):
        xt = np.ascontiguousarray(x[i : i + block].T)
        tp.feed_t(xt, np.abs(xt))
    peak, overs = tp.finish()
    np.testing.assert_allclose(peak, np.abs(full).max(axis=0), rtol=1e-12, atol=0)
    # overs: runs of input-sample periods in which some interpolated value exceeds 1
    np.testing.assert_array_equal(overs, marked_overs(full, oversampling_factor(rate))[1])
    if block == 65536 and rate < 176400:
        assert tp.samples_measured < 0.7 * x.size  # most of the signal was not oversampled


def test_true_peak_helper_per_channel():
    rate = 48000
    x = np.concatenate([tone(1000, -3.0, 1.0, rate, 0.0, 1), tone(rate / 4, -6.0, 1.0, rate, 45.0, 1)], axis=1)
    tp = true_peak(x, rate)
    assert tp.shape == (2,)
    assert tp[0] == pytest.approx(-3.0, abs=0.05)
    assert tp[1] == pytest.approx(-6.0, abs=0.2)
    assert true_peak(np.zeros((1000, 2)), rate).tolist() == [-math.inf, -math.inf]
    np.testing.assert_allclose(sample_peak(x), [-3.0, -9.01], atol=0.01)


# --------------------------------------------------------------------- clipping and overs


def clipped_sine(rate, seconds, drive=2.0, ceiling=0.95):
    x = sine(100, 0.0, seconds, rate, 2) * drive
    return np.clip(x, -ceiling, ceiling)


@pytest.mark.parametrize("block", (7, 1000, 65536))
def test_clipped_runs_counted_once_across_blocks(block):
    rate = 48000
    x = clipped_sine(rate, 0.5)
    r = run(x, rate, block=block)
    # 100 Hz for 0.5 s: 50 positive and 50 negative flat tops per channel (the first starts at t = 0+)
    runs_per_ch = 100
    assert r.clip_runs == 2 * runs_per_ch
    expected = int(np.count_nonzero(np.abs(x) >= 0.95))
    assert r.clipped_samples == expected
    assert r.sample_peak_dbfs == pytest.approx(20 * math.log10(0.95), abs=1e-9)


def test_no_clip_runs_for_an_unclipped_or_quiet_or_short_hold():
    rate = 48000
    assert run(sine(100, -0.1, 1.0, rate), rate).clip_runs == 0
    assert run(clipped_sine(rate, 0.5, ceiling=0.5), rate).clip_runs == 0  # below -1 dBFS
    x = np.zeros((1000, 1))
    x[100:102] = 0.99  # two samples only
    x[500:503] = -0.99  # three: one run
    r = run(x, rate, block=501)
    assert (r.clip_runs, r.clipped_samples) == (1, 3)


def test_intersample_overs_are_events():
    rate = 48000
    x = np.zeros((rate, 1))
    burst = sine(rate / 4, 2.0, 0.01, rate, 1, phase=math.pi / 4)  # samples at -1.0 dBFS, crests at +2 dBTP
    x[1000 : 1000 + burst.shape[0]] = burst
    x[30000 : 30000 + burst.shape[0]] = burst
    r = run(x, rate, block=1234)
    assert r.true_peak_dbtp == pytest.approx(2.0, abs=0.2)
    assert r.sample_peak_dbfs < 0.0
    # each crest of each burst is a separate event: 2 bursts x (0.01 s x 12 kHz x 2 crests)
    assert r.intersample_overs == pytest.approx(2 * 240, abs=4)
    assert run(sine(1000, -0.5, 1.0, rate), rate).intersample_overs == 0


def test_ceiling_hits_per_minute():
    rate = 48000
    # a limiter-like ceiling: 100 Hz clipped -> two flat tops per cycle per channel = 400 hits/s
    r = run(clipped_sine(rate, 3.0), rate, block=777)
    assert r.ceiling_hits_per_min == pytest.approx(400 * 60, rel=0.01)
    # noise: few samples are within 0.3 dB of the loudest one
    r = run(white_noise(-20, 10.0, rate), rate)
    assert r.ceiling_hits_per_min < 60
    # no rate from under a second (one peak in two samples is not 1.4 million a minute)
    assert np.isnan(run(clipped_sine(rate, 3.0)[:2], rate).ceiling_hits_per_min)
    assert np.isnan(run(clipped_sine(rate, 3.0)[: rate - 1], rate).ceiling_hits_per_min)
    assert run(clipped_sine(rate, 3.0)[:rate], rate).ceiling_hits_per_min == pytest.approx(400 * 60, rel=0.02)


def test_dc_offset_and_mean_square():
    rate = 48000
    x = sine(1000, -6.0, 1.0, rate, 2) + np.array([0.01, 0.0])
    m = PeaksMeter(rate, 2)
    m.feed(x[:10000])
    m.feed(x[10000:])
    r = m.result()
    assert r.dc_offset_dbfs[0] == pytest.approx(-40.0, abs=0.01)
    assert r.dc_offset_dbfs[1] < -200
    expected_ms = (10 ** (-6 / 10) / 2 * 2 + 0.01**2) / 2
    assert m.mean_square == pytest.approx(expected_ms, rel=1e-3)


def test_silence():
    r = run(np.zeros((48000, 2)), 48000)
    assert r.sample_peak_dbfs == -math.inf and r.true_peak_dbtp == -math.inf
    assert (r.clip_runs, r.intersample_overs, r.ceiling_hits_per_min) == (0, 0, 0.0)
    assert r.dc_offset_dbfs == (-math.inf, -math.inf)


@pytest.mark.parametrize("block", (1, 999, 4801))
def test_streaming_equals_whole(block):
    rate = 44100
    x = music_like(1.0, rate, 2, level_db=-10, seed=2)
    x = np.clip(x, -0.9, 0.9)
    a, b = run(x, rate), run(x, rate, block=block)
    assert a.true_peak_dbtp == pytest.approx(b.true_peak_dbtp, abs=1e-12)
    assert a.channel_true_peak_dbtp == pytest.approx(b.channel_true_peak_dbtp, abs=1e-12)
    assert (a.clip_runs, a.clipped_samples, a.intersample_overs) == (b.clip_runs, b.clipped_samples, b.intersample_overs)
    assert a.ceiling_hits_per_min == b.ceiling_hits_per_min
    assert a.dc_offset_dbfs == pytest.approx(b.dc_offset_dbfs, rel=1e-9)


@pytest.mark.parametrize("n", (64, peaks._GEMM_MIN_WINDOWS - 1, peaks._GEMM_MIN_WINDOWS, 5000, 70001))
def test_interpolated_peak_and_overs_equal_float64_oversampling(n):
    """Both paths (np.correlate for few windows, the float32 banded product with float64 re-checks for
    more) give float64 oversampling's maximum and overs (every phase, the samples included), on loud
    material with values near 1; skipped windows count for neither."""
    rate = 48000
    x = np.clip(music_like(2.0, rate, 1, level_db=-6, seed=8)[:, 0] * 1.8, -0.999, 0.999)
    tp = _TruePeak(rate, 1)
    seg = x[: n + tp.hist]
    windows = np.lib.stride_tricks.sliding_window_view(seg, tp.taps)
    exact = np.abs(windows @ tp.h.T).max(axis=1)
    top, over = tp._interpolated(seg)
    assert top == pytest.approx(exact.max(), rel=1e-12)
    np.testing.assert_array_equal(over, np.flatnonzero(exact > 1.0))
    assert over.size > 0 or n < 1000
    skip = np.r_[np.argmax(exact), np.flatnonzero(exact > 1.0)[::2]]  # the loudest window and half the overs
    keep = np.ones(n, dtype=bool)
    keep[skip] = False
    top, over = tp._interpolated(seg, skip)
    assert top == pytest.approx(exact[keep].max(), rel=1e-12)
    np.testing.assert_array_equal(over, np.flatnonzero(keep & (exact > 1.0)))


@pytest.mark.parametrize("gemm_min", (0, peaks._GEMM_MIN_WINDOWS, 10**9))
@pytest.mark.parametrize("block", (1000, 4801, 65536))
def test_many_loud_runs_per_block_equal_full_oversampling(block, gemm_min, monkeypatch):
    """Limited-sounding bursts (clipped at 0.999: inter-sample overs) every ~1500 samples in a quiet
    signal: several candidate runs per block, measured together (the windows between two runs skipped),
    some crossing block boundaries; np.correlate, the banded product, and the default choice between
    them all give float64 oversampling's peak, overs and last over."""
    monkeypatch.setattr(peaks, "_GEMM_MIN_WINDOWS", gemm_min)
    rate = 48000
    rng = np.random.default_rng(3)
    x = music_like(3.0, rate, 2, level_db=-30, seed=4)
    loud = np.clip(music_like(3.0, rate, 2, level_db=-4, seed=6) * 1.8, -0.999, 0.999)
    for start in range(700, x.shape[0] - 800, 1500):
        a = start + int(rng.integers(0, 100))
        b = a + int(rng.integers(30, 700))
        x[a:b] = loud[a:b]
    full = _oversample_all(x, rate)
    marked, events = marked_overs(full, 4)
    tp = _TruePeak(rate, 2)
    for i in range(0, x.shape[0], block):
        xt = np.ascontiguousarray(x[i : i + block].T)
        tp.feed_t(xt, np.abs(xt))
    last = [int(np.flatnonzero(marked[: x.shape[0], c])[-1]) for c in range(2)]
    np.testing.assert_array_equal(tp.last_over, last)
    peak, overs = tp.finish()
    np.testing.assert_allclose(peak, np.abs(full).max(axis=0), rtol=1e-12, atol=0)
    np.testing.assert_array_equal(overs, events)
    assert min(events) > 200
