"""Compare's DSP stages on aligned arrays with known processing (no file I/O, no analyze())."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import freqz

from masteraid.compare.align import align, aligned_slices
from masteraid.compare.dynamics import dynamics_change, frame_stats, residual_db
from masteraid.compare.spectral import NOMINAL_BANDS_HZ, band_side_to_mid_db, cross_spectra, tonal_change
from masteraid.errors import MismatchError
from tests.compare.processing import apply_ba, compressor, delay, hard_clip, shelf_ba
from tests.signals import music_like, pink_noise

RATE = 48000


@pytest.fixture(scope="module")
def pink():
    return pink_noise(-20.0, 20.0, RATE, seed=3)


@pytest.fixture(scope="module")
def music():
    return music_like(20.0, RATE, seed=5)


def _run(x, y, rate=RATE):
    al = align(x.astype(np.float32), y.astype(np.float32), rate)
    rs, ps = aligned_slices(x.shape[0], y.shape[0], al.latency_samples)
    xa = x[rs].astype(np.float32)
    ya = y[ps].astype(np.float32) * (-1 if al.polarity_inverted else 1)
    cs = cross_spectra(xa, ya, rate)
    st = frame_stats(xa, ya, rate, cs)
    return al, cs, tonal_change(cs, rate), st


# ------------------------------------------------------------------------------- alignment


@pytest.mark.parametrize("latency", [0, 1, 357, -1200, 47999])
def test_latency_recovered_to_the_sample(music, latency):
    y = delay(music, latency) * 0.8
    al = align(music, y, RATE)
    assert al.latency_samples == latency
    assert not al.polarity_inverted
    assert al.correlation > 0.99


def test_latency_through_eq_and_compression(music):
    b, a = shelf_ba(3000, 5.0, RATE, "high")
    y, _ = compressor(apply_ba(music, b, a), RATE, threshold_dbfs=-20, ratio=4)
    al = align(music, delay(y, 512), RATE)
    assert al.latency_samples == 512


def test_inverted_polarity_detected(music):
    al = align(music, -delay(music, 64), RATE)
    assert al.polarity_inverted and al.latency_samples == 64


def test_unrelated_renders_refused(music):
    with pytest.raises(MismatchError, match="same song"):
        align(music, pink_noise(-20, 20.0, RATE, seed=8), RATE)
    with pytest.raises(MismatchError):
        align(pink_noise(-20, 20.0, RATE, seed=1), pink_noise(-20, 20.0, RATE, seed=2), RATE)


# --------------------------------------------------------------------------------- tonal


def _expected_band_db(b, a, rate, exclude_ref=False):
    """Analytic band change for pink noise through (b, a): 1/f-weighted mean of |H|^2, re 500 Hz-2 kHz."""
    f = np.linspace(1, rate / 2, 200001)
    _, h = freqz(b, a, worN=f, fs=rate)
    p = np.abs(h) ** 2
    w = 1 / f
    ref = (f >= 500) & (f <= 2000)
    ref_db = 10 * np.log10((p[ref] * w[ref]).sum() / w[ref].sum())
    out = []
    for k in range(-15, 13):
        c = 1000 * 10 ** (k / 10)
        m = (f >= c * 10 ** (-1 / 20)) & (f < c * 10 ** (1 / 20))
        out.append(10 * np.log10((p[m] * w[m]).sum() / w[m].sum()) - ref_db)
    return np.array(out), ref_db


@pytest.mark.parametrize("f0,gain,kind", [(4000, 4.0, "high"), (100, -3.0, "low"), (200, 6.0, "low")])
def test_known_shelf_recovered_within_half_db(pink, f0, gain, kind):
    b, a = shelf_ba(f0, gain, RATE, kind)
    y = apply_ba(pink, b, a)
    _, _, tc, _ = _run(pink, y)
    expected, _ = _expected_band_db(b, a, RATE)
    assert tc.bands_hz.shape == (28,) and tc.bands_hz[0] == 31.5 and tc.bands_hz[-1] == 16000
    trusted = tc.confidence >= 0.5
    assert trusted.all()  # a pure filter on noise: every band coherent
    np.testing.assert_allclose(tc.change_db[trusted], expected[trusted], atol=0.5)


def test_known_static_gain_within_a_tenth(pink):
    _, _, tc, st = _run(pink, pink * 10 ** (3.7 / 20))
    assert tc.static_gain_db == pytest.approx(3.7, abs=0.1)
    np.testing.assert_allclose(tc.change_db, 0.0, atol=0.1)
    dc = dynamics_change(st, RATE)
    assert dc.gain_reduction.p95_db < 0.2  # a static gain is not gain reduction
    assert residual_db(st) < -40


def test_incoherent_bands_flagged_not_reported(pink):
    rng = np.random.default_rng(7)
    noise = rng.standard_normal(pink.shape)
    b, a = shelf_ba(9000, 20.0, RATE, "high")
    y = pink + 0.5 * apply_ba(noise, b, a) * 0.05  # loud independent hiss above ~8 kHz
    _, _, tc, _ = _run(pink, y)
    hi = tc.bands_hz >= 10000
    assert (tc.confidence[hi] < 0.5).all()
    assert np.isnan(tc.change_db[hi]).all()
    assert np.isfinite(tc.estimate_db[hi]).all()
    lo = tc.bands_hz <= 2000
    assert (tc.confidence[lo] > 0.9).all()


# ------------------------------------------------------------------------ gain reduction


@pytest.mark.parametrize("threshold,ratio", [(-12.0, 4.0), (-15.0, 4.0)])
def test_compressor_trace_within_1db_rms_of_its_own_gain(music, threshold, ratio):
    # Thresholds where the compressor idles some of the time (the trace reads relative to the least
    # compressed 5 % of frames: a compressor that never lets go cannot be told from a static gain).
    y, gr = compressor(music, RATE, threshold_dbfs=threshold, ratio=ratio, attack_ms=5, release_ms=80, makeup_db=3.0)
    _, _, tc, st = _run(music, y)
    dc = dynamics_change(st, RATE)
    hop = st.hop
    n = dc.trace_db.shape[0]
    # the compressor's own reduction averaged over each 20 ms analysis frame
    idx = np.arange(n)[:, None] * hop + np.arange(2 * hop)[None, :]
    own = gr[idx].mean(axis=1)
    ok = np.isfinite(dc.trace_db)
    assert ok.mean() > 0.9
    rms = np.sqrt(np.mean((dc.trace_db[ok] - own[ok]) ** 2))
    assert rms < 1.0, rms
    assert own.max() > 3.5  # the test compressor really worked
    assert dc.gain_reduction.max_db == pytest.approx(own.max(), abs=1.5)
    assert dc.trace_hop_s == pytest.approx(0.01)


def test_incoherent_frames_are_not_read_as_gain_reduction(music):
    # A static -6 dB, except that for 0.5 s the pre-treat plays another moment of the song at the same
    # level: no gain relates those frames to the raw (their least-squares gain is chance: it read 51 dB of
    # reduction broadband, 72 dB above 5 kHz). They are "can't tell" (nan), not a gain.
    y = 0.5 * music
    w0, w1, shift = int(8.0 * RATE), int(8.5 * RATE), int(3.7 * RATE)
    y[w0:w1] = 0.5 * music[w0 + shift : w1 + shift]
    st = _run(music, y)[3]
    dc = dynamics_change(st, RATE)
    inside = dc.trace_db[w0 // st.hop + 2 : w1 // st.hop - 2]
    assert inside.size > 40 and not np.isfinite(inside).any()
    assert dc.gain_reduction.max_db < 1.0  # the static gain reads as no reduction
    for band in dc.band_gain_reduction.values():
        assert band.max_db < 3.0
    assert np.isfinite(dc.trace_db).mean() > 0.9  # the rest is measured


def test_transient_reduction_of_a_fast_compressor(music):
    # Only the hats (high band) are checked: on this synthetic signal the 20 ms frames blur the kick's
    # onsets in the low band (it reads -0.5..-1 dB for the same compressor; see the closing note).
    y, _ = compressor(music, RATE, threshold_dbfs=-25.0, ratio=10.0, attack_ms=0.2, release_ms=10)
    dc = dynamics_change(_run(music, y)[3], RATE)
    assert dc.transient_reduction_db["high"] > 1.5  # the hats' onsets lost more than their decay
    still = dynamics_change(_run(music, music * 2.0)[3], RATE)
    for v in still.transient_reduction_db.values():
        assert abs(v) < 0.3  # a static gain changes no transient


# -------------------------------------------------------------------------- distortion


def test_hard_clipping_raises_residual(music):
    _, _, _, clean = _run(music, music * 1.5)
    clipped = hard_clip(music, 24.0)
    _, _, _, st = _run(music, clipped)
    assert residual_db(clean) < -40
    assert residual_db(st) > -25
    assert np.mean(np.abs(clipped) >= 0.99) > 0.01  # the clipper really clipped


# ------------------------------------------------------------------------------ stereo


def test_side_boost_measured_as_wider(pink):
    m = (pink[:, 0] + pink[:, 1]) / 2
    s = (pink[:, 0] - pink[:, 1]) / 2
    k = 10 ** (3.0 / 20)
    y = np.stack([m + k * s, m - k * s], axis=1)
    _, cs, _, _ = _run(pink, y)
    raw, pre, _, _ = band_side_to_mid_db(cs)
    for key in ("all", "low", "mid", "high"):
        assert pre[key] - raw[key] == pytest.approx(3.0, abs=0.05)


def test_band_layout():
    assert NOMINAL_BANDS_HZ.shape == (28,)


def test_block_fed_passes_equal_whole_arrays(music):
    """The frame pass and the spectra fed in blocks of any size (1 sample up) see the same windows as
    on the whole arrays: identical per-frame sums, spectra to float rounding."""
    from masteraid.compare.dynamics import FrameGroupsPass, frame_groups
    from masteraid.compare.spectral import CrossSpectraPass

    x = music[: 3 * RATE].astype(np.float32)
    y = (0.5 * x + 0.1 * np.roll(x, 7, axis=0)).astype(np.float32)
    whole_f, whole_s = frame_groups(x, y, RATE), cross_spectra(x, y, RATE)
    frames, spectra = FrameGroupsPass(RATE, 2, x.shape[0]), CrossSpectraPass(RATE, 2, x.shape[0])
    sizes, i, k = (1, 7, 960, 5000, 70000), 0, 0
    while i < x.shape[0]:
        n = sizes[k % len(sizes)]
        frames.feed(x[i : i + n], y[i : i + n])
        spectra.feed(x[i : i + n], y[i : i + n])
        i, k = i + n, k + 1
    np.testing.assert_array_equal(frames.result().data, whole_f.data)
    got = spectra.result()
    for key in ("sxx", "syy", "sxy", "x_lr", "y_ll"):
        np.testing.assert_allclose(getattr(got, key), getattr(whole_s, key), rtol=1e-5, atol=1e-9 * np.abs(getattr(whole_s, key)).max())


# ------------------------------------------------------------------- the linear part as a filter


def test_fir_stream_equals_direct_convolution_whatever_the_blocks():
    from masteraid.compare.linear import FirStream, LinearFilter

    rng = np.random.default_rng(4)
    taps, adv = rng.standard_normal(301), 37  # taps[37] is time 0: 37 acausal taps
    x = rng.standard_normal((90000, 2)).astype(np.float32)
    ref = np.stack([np.convolve(x[:, c].astype(float), taps)[adv : adv + x.shape[0]] for c in range(2)], axis=1)
    for sizes in ([90000], [1, 2, 36, 40000, 3, 49958], [7000] * 13):
        f, out, pos = FirStream(LinearFilter(taps, adv), 2), [], 0
        for n in sizes:
            out.append(f.process(x[pos : pos + n]))
            pos += n
        out.append(f.flush())
        y = np.concatenate(out)
        assert y.shape == x.shape
        np.testing.assert_allclose(y, ref, atol=1e-4 * np.abs(ref).max())


def test_linear_filter_of_a_shelf_is_short_and_causal(pink):
    from masteraid.compare.linear import FirStream, linear_filter

    b, a = shelf_ba(79.0, 3.4, RATE, "low")
    y = apply_ba(pink, b, a)
    f = linear_filter(cross_spectra(pink.astype(np.float32), y.astype(np.float32), RATE), RATE)
    assert f.advance <= 0.003 * RATE  # a minimum-phase shelf: (almost) nothing before time 0
    s = FirStream(f, 2)
    got = np.concatenate([s.process(pink), s.flush()])
    err = got[RATE:] - y[RATE:]
    assert 10 * np.log10(np.sum(err**2) / np.sum(y[RATE:] ** 2)) < -45
