"""Streaming: the loudness and peaks meters give the whole-array answer whatever the block sizes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from masteraid.analysis import LoudnessMeter, PeaksMeter
from tests.signals import music_like


def feed_all(meter, x, sizes):
    """Feed x in consecutive blocks whose sizes cycle through ``sizes``."""
    i, k = 0, 0
    while i < x.shape[0]:
        step = sizes[k % len(sizes)]
        meter.feed(x[i : i + step])
        i += step
        k += 1
    return meter


@pytest.mark.parametrize("rate", (44100, 48000))
@pytest.mark.parametrize("sizes", [(1,), (999,), (4801,), (65536,), (1, 4410, 3, 100000, 17)])
def test_loudness_streaming_equals_whole(rate, sizes):
    seconds = 3.5 if sizes == (1,) else 8.0
    x = music_like(seconds, rate, 2, seed=9)
    whole = LoudnessMeter(rate, 2)
    whole.feed(x)
    a = whole.result()
    b = feed_all(LoudnessMeter(rate, 2), x, sizes)
    r = b.result()
    assert r.integrated_lufs == pytest.approx(a.integrated_lufs, abs=1e-9)
    assert r.loudness_range_lu == pytest.approx(a.loudness_range_lu, abs=1e-9)
    np.testing.assert_allclose(r.momentary_lufs, a.momentary_lufs, atol=1e-9)
    np.testing.assert_allclose(r.short_term_lufs, a.short_term_lufs, atol=1e-9)
    assert b.fold_down_integrated_lufs == pytest.approx(whole.fold_down_integrated_lufs, abs=1e-9)


@pytest.mark.parametrize("sizes", [(1,), (999,), (4801,), (65536,), (2, 64, 65, 63, 5000)])
def test_peaks_streaming_equals_whole(sizes):
    rate = 48000
    seconds = 1.0 if sizes == (1,) else 5.0  # 1 s: the shortest that gives a ceiling-hit rate
    x = music_like(seconds, rate, 2, seed=9, level_db=-9)
    x = np.clip(x, -0.95, 0.95)  # clipped runs and overs
    whole = PeaksMeter(rate, 2)
    whole.feed(x)
    a = whole.result()
    r = feed_all(PeaksMeter(rate, 2), x, sizes).result()
    assert r.channel_true_peak_dbtp == pytest.approx(a.channel_true_peak_dbtp, abs=1e-12)
    assert r.channel_sample_peak_dbfs == a.channel_sample_peak_dbfs
    assert (r.clip_runs, r.clipped_samples, r.intersample_overs) == (a.clip_runs, a.clipped_samples, a.intersample_overs)
    assert a.clip_runs > 0 and a.intersample_overs > 0
    assert r.ceiling_hits_per_min == pytest.approx(a.ceiling_hits_per_min, rel=1e-12)
    np.testing.assert_allclose(r.dc_offset_dbfs, a.dc_offset_dbfs, atol=1e-6)


_X = music_like(1.2, 8000 * 6, 2, seed=21, level_db=-8)  # 1.2 s at 48 kHz, peaks above 0 dBFS


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=20000), min_size=1, max_size=12))
def test_any_partition_gives_the_same_answer(sizes):
    rate = 48000
    lw, pw = LoudnessMeter(rate, 2), PeaksMeter(rate, 2)
    lw.feed(_X)
    pw.feed(_X)
    ls, ps = feed_all(LoudnessMeter(rate, 2), _X, sizes), feed_all(PeaksMeter(rate, 2), _X, sizes)
    a, b = lw.result(), ls.result()
    assert b.integrated_lufs == pytest.approx(a.integrated_lufs, abs=1e-9)
    np.testing.assert_allclose(b.momentary_lufs, a.momentary_lufs, atol=1e-9)
    pa, pb = pw.result(), ps.result()
    assert pb.channel_true_peak_dbtp == pytest.approx(pa.channel_true_peak_dbtp, abs=1e-12)
    assert (pb.intersample_overs, pb.clip_runs, pb.ceiling_hits_per_min) == (pa.intersample_overs, pa.clip_runs, pa.ceiling_hits_per_min)
