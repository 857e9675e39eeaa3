"""The chain's DSP against analytic expectations."""

import math

import numpy as np
import pytest

import pyebur128 as pe

from masteraid.audio import ArraySource
from masteraid.chain import ChainSpec, CompressorSpec, EqBand, LimiterSpec, render_chain
from masteraid.chain.dsp import Compressor, EqFilter, LimiterGain, LoudnessAccumulator, static_gain_reduction_db
from tests.signals import converter_band, music_like, sine


def _steady_peak_db(y, rate, seconds=0.25):
    return 20 * math.log10(np.max(np.abs(y[-int(seconds * rate):])))


def _ebur128(y, rate):
    st = pe.R128State(y.shape[1], rate, pe.MeasurementMode.MODE_I | pe.MeasurementMode.MODE_TRUE_PEAK)
    st.add_frames(np.ascontiguousarray(y.ravel()), y.shape[0])
    tp = max(pe.get_true_peak(st, c) for c in range(y.shape[1]))
    return pe.get_loudness_global(st), 20 * math.log10(tp)


# ----------------------------------------------------------------------------------------- EQ


@pytest.mark.parametrize("rate", [44100, 48000, 96000])
@pytest.mark.parametrize("kind, gain_at_f0", [("peaking", 1.0), ("low_shelf", 0.5), ("high_shelf", 0.5)])
def test_eq_band_response_at_its_frequency(rate, kind, gain_at_f0):
    # RBJ cookbook: a peaking band has its full gain at f0, a shelf half its gain (in dB) at f0.
    band = EqBand(kind, 1000.0, 6.0, 0.707 if "shelf" in kind else 1.4)
    x = sine(1000.0, -20.0, 1.0, rate, channels=2)
    y = EqFilter([band], rate, 2).process(x)
    assert _steady_peak_db(y, rate) == pytest.approx(-20.0 + 6.0 * gain_at_f0, abs=0.02)


@pytest.mark.parametrize("kind, probe_hz, expected_db", [("low_shelf", 30.0, 6.0), ("high_shelf", 15000.0, 6.0), ("peaking", 100.0, 0.0)])
def test_eq_band_far_from_its_frequency(kind, probe_hz, expected_db):
    rate = 48000
    band = EqBand(kind, 1000.0, 6.0, 0.707 if "shelf" in kind else 2.0)
    x = sine(probe_hz, -20.0, 1.0, rate, channels=1)
    y = EqFilter([band], rate, 1).process(x)
    assert _steady_peak_db(y, rate) == pytest.approx(-20.0 + expected_db, abs=0.15)


# --------------------------------------------------------------------------------- compressor


def test_static_curve_analytic_points():
    T, R, W = -20.0, 4.0, 6.0
    gr = static_gain_reduction_db(np.array([-40.0, -23.0, -20.0, -17.0, -10.0, -np.inf]), T, R, W)
    slope = 1 - 1 / R
    # below the knee: none; knee start: 0; threshold: slope*(W/2)^2/(2W); knee end: slope*W/2; above: slope*(x-T)
    expected = [0.0, 0.0, slope * 9 / 12, slope * 3.0, slope * 10.0, 0.0]
    np.testing.assert_allclose(gr, expected, atol=1e-12)
    hard = static_gain_reduction_db(np.array([-21.0, -19.0]), T, R, 0.0)
    np.testing.assert_allclose(hard, [0.0, 0.75], atol=1e-12)


@pytest.mark.parametrize("level_db", [-30.0, -20.0, -14.0, -6.0])
def test_compressor_settles_on_its_static_curve(level_db):
    rate = 48000
    spec = CompressorSpec(threshold_db=-20.0, ratio=3.0, attack_ms=5.0, release_ms=1000.0, knee_db=4.0, makeup_db=2.0)
    x = sine(1000.0, level_db, 2.0, rate)
    comp = Compressor(spec, rate)
    y = np.concatenate([comp.process(x[s : s + 4096]) for s in range(0, x.shape[0], 4096)])
    expected = level_db + 2.0 - float(static_gain_reduction_db(level_db, -20.0, 3.0, 4.0))
    assert _steady_peak_db(y, rate) == pytest.approx(expected, abs=0.05)


def test_compressor_release_is_exponential_in_db():
    rate = 48000
    spec = CompressorSpec(threshold_db=-30.0, ratio=20.0, attack_ms=0.1, release_ms=200.0, knee_db=0.0, makeup_db=0.0)
    x = np.concatenate([sine(1000.0, -10.0, 0.5, rate, 1), np.full((rate, 1), 10 ** (-60 / 20))])
    gr = Compressor(spec, rate).gain_reduction_db(x)
    g0 = gr[int(0.5 * rate) + 100]
    g1 = gr[int(0.5 * rate) + 100 + int(0.2 * rate)]
    assert g1 / g0 == pytest.approx(math.exp(-1.0), rel=0.01)  # one time constant later


def _compressor_reference(x, spec, rate):
    """Per-sample loop from the documented equations: stereo-linked peak detector in dBFS, the
    soft-knee static curve (Giannoulis et al. eq. 4), release ``r[n] = max(gr[n], r[n-1] exp(-1/(tau fs)))``,
    one-pole attack ``y[n] = (1 - a) r[n] + a y[n-1]`` with ``a = exp(-1/(tau_a fs))``, gain
    ``makeup * 10^(-y/20)``. Returns (output, y)."""
    T, W = spec.threshold_db, spec.knee_db
    slope = 1.0 - 1.0 / spec.ratio
    a = math.exp(-1000.0 / (spec.attack_ms * rate))
    q = math.exp(-1000.0 / (spec.release_ms * rate))
    makeup = 10.0 ** (spec.makeup_db / 20.0)
    out, ys = np.zeros_like(x), np.zeros(x.shape[0])
    r = y = 0.0
    for n, frame in enumerate(x.tolist()):
        peak = max(abs(v) for v in frame)
        over = 20.0 * math.log10(peak) - T if peak > 0 else -math.inf
        if over <= -W / 2:
            gr = 0.0
        elif W > 0 and over <= W / 2:
            gr = slope * (over + W / 2) ** 2 / (2 * W)
        else:
            gr = slope * over
        r = max(gr, r * q)
        y = (1.0 - a) * r + a * y
        ys[n] = y
        out[n] = x[n] * (makeup * 10.0 ** (-y / 20.0))
    return out, ys


def _bursts_silence_knee(rate, channels):
    """0.6 s: noise under the knee, a 1 kHz burst at -3 dBFS, digital silence, a swell across the knee
    (-32 to -8 dBFS peak), a one-sample spike after more silence, a quiet tail."""
    rng = np.random.default_rng(7)
    seg = lambda s: int(s * rate)  # noqa: E731
    parts = [rng.standard_normal((seg(0.1), channels)) * 10 ** (-40 / 20) / 4,
             sine(1000.0, -3.0, 0.08, rate, channels),
             np.zeros((seg(0.07), channels))]
    t = np.arange(seg(0.2)) / rate
    swell = 10 ** (np.linspace(-32.0, -8.0, t.shape[0]) / 20) * np.sin(2 * np.pi * 440.0 * t)
    parts.append(np.repeat(swell[:, None], channels, axis=1) * np.linspace(1.0, 0.5, channels))
    spike = np.zeros((seg(0.05), channels))
    spike[seg(0.03), 0] = -0.9
    parts += [spike, rng.standard_normal((seg(0.1), channels)) * 10 ** (-50 / 20)]
    return np.concatenate(parts)


@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("knee_db", [6.0, 0.0])
def test_compressor_equals_a_per_sample_reference_in_uneven_blocks(channels, knee_db):
    # The vectorized compressor (linear pre-selection of the samples over the knee's start, release on
    # those alone, exp gain) against a plain loop; blocks of 0, 1 and many frames, carried state.
    rate = 48000
    spec = CompressorSpec(threshold_db=-20.0, ratio=3.0, attack_ms=1.0, release_ms=30.0, knee_db=knee_db, makeup_db=2.0)
    x = _bursts_silence_knee(rate, channels)
    ref, ref_gr = _compressor_reference(x, spec, rate)
    assert ref_gr[: int(0.1 * rate)].max() == 0.0 and ref_gr.max() > 10.0  # from none to hard compression
    assert np.any((ref_gr > 0.0) & (ref_gr < 0.1))  # and well released
    sizes = [0, 1, 1, 7, 4096, 0, 333, 1, 9000, 2]
    comp, comp_gr = Compressor(spec, rate), Compressor(spec, rate)
    ys, grs, s, i = [], [], 0, 0
    while s < x.shape[0]:
        b = x[s : s + sizes[i % len(sizes)]]
        ys.append(comp.process(b))
        grs.append(comp_gr.gain_reduction_db(b))
        s, i = s + sizes[i % len(sizes)], i + 1
    y, gr = np.concatenate(ys), np.concatenate(grs)
    assert y.shape == x.shape and y.dtype == np.float64
    np.testing.assert_allclose(gr, ref_gr, rtol=1e-9, atol=1e-12)  # dB
    np.testing.assert_allclose(y, ref, rtol=1e-9, atol=0.0)
    assert np.all(y[x == 0.0] == 0.0)


def test_compressor_silence_and_empty_blocks():
    spec = CompressorSpec(threshold_db=-20.0, ratio=2.0, attack_ms=10.0, release_ms=150.0, knee_db=6.0, makeup_db=3.0)
    comp = Compressor(spec, 48000)
    assert comp.process(np.zeros((0, 2))).shape == (0, 2)
    np.testing.assert_array_equal(comp.gain_reduction_db(np.zeros((1000, 2))), 0.0)
    loud = comp.process(np.full((1, 1), 0.5))  # -6 dBFS: over the knee, but the 10 ms attack has barely begun
    assert 0.5 * 10 ** (2.9 / 20) < loud[0, 0] < 0.5 * 10 ** (3.0 / 20)


# ------------------------------------------------------------------------------------ limiter


def _limit(x, rate, ceiling=-1.0, drive_db=0.0, block_frames=65536):
    spec = ChainSpec(target_lufs=-14.0, limiter=LimiterSpec(ceiling_dbtp=ceiling, drive_db=drive_db))
    return render_chain(ArraySource(x, rate), spec, match_loudness=False, block_frames=block_frames)


@pytest.mark.parametrize("rate", [44100, 48000])
@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("seed", [0, 1])
def test_limiter_never_exceeds_the_ceiling(rate, channels, seed):
    x = converter_band(music_like(8.0, rate, channels, level_db=-14.0, seed=seed), rate)
    res = _limit(x, rate, ceiling=-1.0, drive_db=12.0)
    assert res.limiter_max_reduction_db > 6.0  # it really limited
    _, tp_ref = _ebur128(res.samples, rate)  # an independent meter (libebur128, 4x)
    assert tp_ref <= -1.0 + 1e-9
    assert res.true_peak_dbtp <= -1.0 + 1e-9
    assert res.final_passes == 1  # the envelope read the peaks: no second pass with a larger margin


@pytest.mark.parametrize("rate", [44100, 48000])
def test_limiter_with_full_level_content_up_to_nyquist(rate):
    # White noise at full level up to Nyquist: the envelope's interpolator is -3 dB at 0.95 of Nyquist, so
    # it under-reads there; the audit's meter still keeps the master under the ceiling (a second pass with a
    # larger margin if needed), and libebur128, whose interpolator reaches closer to Nyquist, reads at
    # most a few tenths of a dB above it.
    x = music_like(8.0, rate, 2, level_db=-14.0, seed=1)
    res = _limit(x, rate, ceiling=-1.0, drive_db=12.0)
    _, tp_ref = _ebur128(res.samples, rate)
    assert res.true_peak_dbtp <= -1.0 + 1e-9
    assert tp_ref <= -1.0 + 0.25


def test_limiter_worst_case_intersample_peaks():
    # fs/4 sine at 45 degrees: sample peaks 3 dB under the true peak.
    rate = 48000
    x = sine(rate / 4, 0.0, 2.0, rate, 2, phase=math.pi / 4) * 2.0
    res = _limit(x, rate, ceiling=-2.0)
    _, tp_ref = _ebur128(res.samples, rate)
    assert tp_ref <= -2.0 + 1e-9
    assert res.true_peak_dbtp <= -2.0 + 1e-9


def test_limiter_adds_no_latency():
    rate = 48000
    x = music_like(6.0, rate, 2, level_db=-12.0)
    y = _limit(x, rate, ceiling=-3.0, drive_db=6.0).samples
    assert y.shape == x.shape
    m = 2000
    xc = np.array([np.dot(y[m:-m, 0], x[m + k : x.shape[0] - m + k, 0]) for k in range(-50, 51)])
    assert int(np.argmax(xc)) - 50 == 0


def test_limiter_below_ceiling_is_transparent():
    rate = 44100
    x = music_like(3.0, rate, 2, level_db=-30.0)
    y = _limit(x, rate, ceiling=-1.0).samples
    np.testing.assert_allclose(y, x, atol=1e-12)


def test_limiter_gain_reaches_the_requirement_at_the_peak_and_releases():
    rate, L = 48000, 240
    env = np.full(rate, 0.1)
    env[10000] = 2.0  # +6.02 dB over a 0 dB ceiling
    lim = LimiterGain(0.0, L, 50.0, rate)
    att = lim.attenuation_db(np.concatenate([env, np.zeros(L - 1)]))[L - 1 :]  # compensate the lookahead
    need = 20 * math.log10(2.0)
    assert att[10000] == pytest.approx(need, abs=1e-9)
    assert att[10000 - L] == pytest.approx(0.0, abs=1e-12)  # nothing before the lookahead window
    # release: exponential with tau = 50 ms (plus the moving average's half-window lag)
    t = 10000 + int(0.05 * rate)
    assert att[t] == pytest.approx(need * math.exp(-(t - 10000 - (L - 1) / 2) / (0.05 * rate)), rel=0.02)


@pytest.mark.parametrize("blocks", [[6000], [1] * 50 + [7, 333, 5610], [2999, 1, 3000]])
def test_limiter_gain_equals_a_per_sample_reference(blocks):
    # The documented law, one sample at a time: required attenuation, trailing maximum over L, exponential
    # release (in dB), moving average over L; fed in uneven blocks, silence and 0 included.
    rate, L, ceiling, release_ms = 48000, 48, -1.0, 5.0
    rng = np.random.default_rng(5)
    env = np.abs(rng.standard_normal(6000)) * 0.3
    env[1000:1100] *= 8.0  # a loud burst
    env[2500:5000] = 0.0  # silence, where the release has died away by 4500:
    env[4500] = 10 ** (ceiling / 20)  # exactly at the ceiling
    env[4700] = 10 ** ((ceiling + 0.005) / 20)  # just over it
    a = np.array([max(0.0, 20 * math.log10(e) - ceiling) if e > 0 else 0.0 for e in env])
    held = np.array([a[max(0, n - L + 1) : n + 1].max() for n in range(a.shape[0])])
    r, y, prev = math.exp(-1000.0 / (release_ms * rate)), np.zeros_like(held), 0.0
    for n, v in enumerate(held):
        prev = max(v, prev * r)
        y[n] = prev
    expected = np.array([y[max(0, n - L + 1) : n + 1].sum() / L for n in range(y.shape[0])])
    lim = LimiterGain(ceiling, L, release_ms, rate)
    parts, pos = [], 0
    for b in blocks:
        parts.append(lim.attenuation_db(env[pos : pos + b]))
        pos += b
    got = np.concatenate(parts)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


def test_no_flat_topped_peaks():
    rate = 44100
    x = music_like(8.0, rate, 2, level_db=-14.0)
    y = _limit(x, rate, ceiling=-1.0, drive_db=12.0).samples
    peak = np.max(np.abs(y))
    near = np.abs(y) >= peak * 10 ** (-0.1 / 20)
    same = np.abs(np.diff(y, axis=0)) < 1e-9
    runs = near[1:] & near[:-1] & same
    assert not np.any(runs[1:] & runs[:-1])  # no 3 equal consecutive samples at the top


# ------------------------------------------------------------------------------- streaming


def test_streaming_equals_whole_file():
    rate = 44100
    x = music_like(5.0, rate, 2, level_db=-16.0)
    spec = ChainSpec(
        target_lufs=-10.0,
        eq_bands=(EqBand("low_shelf", 100.0, 2.0, 0.707), EqBand("peaking", 2500.0, -2.0, 1.4)),
        compressor=CompressorSpec(-24.0, 2.0, 20.0, 200.0, 6.0, 1.0),
        limiter=LimiterSpec(ceiling_dbtp=-1.0, drive_db=6.0),
    )
    whole = render_chain(ArraySource(x, rate), spec, match_loudness=False, block_frames=x.shape[0]).samples
    small = render_chain(ArraySource(x, rate), spec, match_loudness=False, block_frames=1001).samples
    np.testing.assert_allclose(small, whole, atol=1e-9)


def test_loudness_accumulator_matches_libebur128():
    for rate in (44100, 48000):
        x = music_like(12.0, rate, 2)
        m = LoudnessAccumulator(rate, 2)
        for s in range(0, x.shape[0], 7777):
            m.feed(x[s : s + 7777])
        ref, _ = _ebur128(x, rate)
        assert m.result() == pytest.approx(ref, abs=0.01)


# ------------------------------------------------------------------ helpers replacing scipy.signal


@pytest.mark.parametrize("size", [1, 2, 7, 240])
def test_sliding_max_equals_brute_force(size):
    from masteraid.chain.dsp import sliding_max

    x = np.random.default_rng(size).standard_normal(1000)
    expected = np.array([x[i : i + size].max() for i in range(x.shape[0] - size + 1)])
    np.testing.assert_array_equal(sliding_max(x, size), expected)


def test_true_peak_envelope_at_least_the_audit_meter():
    # The limiter's 8x envelope reads at or above the audit's 4x Annex 2 meter (and the samples), blockwise.
    from masteraid.analysis.peaks import true_peak
    from masteraid.chain.dsp import TruePeakEnvelope

    rate = 44100
    x = music_like(2.0, rate, seed=3)
    tp = TruePeakEnvelope(2)
    env = np.concatenate([tp.process(x[s : s + 3000]) for s in range(0, x.shape[0], 3000)]
                         + [tp.process(np.zeros((TruePeakEnvelope.latency, 2)))])[TruePeakEnvelope.latency :]
    assert env.shape[0] == x.shape[0]
    assert np.all(env >= np.abs(x).max(axis=1) - 1e-12)
    assert env.max() >= float(np.max(true_peak(x, rate))) * 10 ** (-0.01 / 20)


@pytest.mark.parametrize("fraction, response_db", [(0.5, 0.01), (0.8, 0.01), (0.85, 0.02), (0.9, 0.25)])
@pytest.mark.parametrize("phase", [0.37, 1.9])
def test_true_peak_envelope_of_bright_sines(fraction, response_db, phase):
    # A sine at a fraction of Nyquist, its crests between samples: the envelope reads each crest (0.5)
    # within the interpolator's response there plus the 8x grid's worst case (a crest half-way between
    # two oversampled points), and never less than the audit's meter does.
    from masteraid.analysis.peaks import true_peak
    from masteraid.chain.dsp import OVERSAMPLE, TruePeakEnvelope

    rate = 44100
    n = np.arange(8820)
    x = 0.5 * np.sin(np.pi * fraction * n + phase)[:, None]
    env = TruePeakEnvelope(1).process(x)[400:-400]
    grid_db = -20 * np.log10(np.cos(np.pi * fraction / (2 * OVERSAMPLE)))
    # every span [n - 1, n + 1) holds a crest of |x| (half a period is under 1.25 samples): all read
    assert 20 * np.log10(env.min() / 0.5) >= -(response_db + grid_db)
    assert env.max() <= 0.5 * 10 ** (0.05 / 20)  # and no over-read
    assert env.max() >= float(np.max(true_peak(x, rate))) - 1e-9


def test_true_peak_envelope_of_a_sine_between_samples():
    # A sine at fs/4 with a 45-degree phase has samples at 0.707 of its peak: the envelope finds the peak.
    from masteraid.chain.dsp import TruePeakEnvelope

    n = np.arange(4800)
    x = np.sin(2 * np.pi * n / 4 + np.pi / 4)[:, None] * 0.5
    env = TruePeakEnvelope(1).process(x)
    assert np.abs(x).max() == pytest.approx(0.5 * math.sqrt(0.5), rel=1e-9)
    assert env[200:-200].min() == pytest.approx(0.5, abs=0.002)


def test_chain_import_does_not_load_scipy_signal():
    import subprocess
    import sys

    code = "import sys, masteraid.chain, masteraid.chain.render; print('scipy.signal' in sys.modules, 'scipy.optimize' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
