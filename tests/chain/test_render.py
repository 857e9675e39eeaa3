"""render_chain to a file: loudness on target, ceiling kept (independent meter), rate kept, no overwrite."""

import math

import numpy as np
import pytest
import soundfile as sf

import pyebur128 as pe

from masteraid.audio import write
from masteraid.chain import ChainSpec, CompressorSpec, EqBand, LimiterSpec, render_chain
from masteraid.errors import OutputExistsError
from tests.signals import converter_band, music_like


def _ebur128(y, rate):
    st = pe.R128State(y.shape[1], rate, pe.MeasurementMode.MODE_I | pe.MeasurementMode.MODE_TRUE_PEAK)
    st.add_frames(np.ascontiguousarray(y.ravel()), y.shape[0])
    return pe.get_loudness_global(st), 20 * math.log10(max(pe.get_true_peak(st, c) for c in range(y.shape[1])))


@pytest.mark.parametrize("rate, target", [(44100, -9.0), (48000, -14.0), (96000, -11.0)])
def test_master_file_lands_on_target_under_the_ceiling(tmp_path, rate, target):
    raw = tmp_path / "raw.wav"
    write(raw, converter_band(music_like(10.0, rate, 2, level_db=-20.0), rate), rate, subtype="PCM_24")
    spec = ChainSpec(
        target_lufs=target,
        eq_bands=(EqBand("low_shelf", 120.0, 2.0, 0.707), EqBand("high_shelf", 6000.0, 1.5, 0.707)),
        compressor=CompressorSpec(-18.0, 2.0, 30.0, 250.0, 6.0, 0.0),
        limiter=LimiterSpec(ceiling_dbtp=-1.0),
    )
    out = tmp_path / "master.wav"
    res = render_chain(raw, spec, out)
    info = sf.info(str(out))
    assert info.samplerate == rate and info.subtype == "PCM_24" and info.frames == int(10.0 * rate)
    y, _ = sf.read(str(out), always_2d=True)
    lufs, tp = _ebur128(y, rate)
    assert lufs == pytest.approx(target, abs=0.1)
    assert res.integrated_lufs == pytest.approx(lufs, abs=0.01)
    assert tp <= -1.0 + 1e-6  # libebur128's true peak, an independent meter
    assert res.true_peak_dbtp <= -1.0
    assert res.clipped_samples == 0
    assert res.spec.limiter.drive_db != spec.limiter.drive_db  # the drive was refined
    assert res.loudness_iterations >= 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".masteraid")] == []  # cache removed


def test_render_never_overwrites(tmp_path):
    raw = tmp_path / "raw.wav"
    write(raw, music_like(3.0, 44100, 2), 44100)
    out = tmp_path / "master.wav"
    out.write_bytes(b"precious")
    with pytest.raises(OutputExistsError, match="never overwrites"):
        render_chain(raw, ChainSpec(target_lufs=-14.0, limiter=LimiterSpec(-1.0)), out)
    assert out.read_bytes() == b"precious"


def test_silence_renders_silence(tmp_path):
    raw = tmp_path / "raw.wav"
    write(raw, np.zeros((44100 * 2, 2)), 44100)
    res = render_chain(raw, ChainSpec(target_lufs=-14.0, limiter=LimiterSpec(-1.0)), tmp_path / "m.wav")
    y, _ = sf.read(str(tmp_path / "m.wav"), always_2d=True)
    assert not np.any(y) and res.integrated_lufs == float("-inf") and not res.on_target


def test_fast_loudness_prediction_matches_the_exact_one():
    # The decimated summary predicts the limiter's integrated loudness within a few hundredths of a LU.
    from masteraid.audio import ArraySource
    from masteraid.chain.render import _predict_fast, _predict_loudness, _pre_pass, _Summary

    for rate in (44100, 48000):
        x = music_like(6.0, rate, seed=5)
        frames = x.shape[0]
        spec = ChainSpec(target_lufs=-10.0, limiter=LimiterSpec(ceiling_dbtp=-1.0))
        xs, es, ps = np.zeros((frames, 2)), np.zeros(frames), np.zeros(frames)
        summary = _Summary(frames, rate)
        _pre_pass(ArraySource(x, rate), spec, xs, es, ps, 5000, None, summary=summary)
        assert int(round(0.1 * rate)) % summary.D == 0
        for drive in (0.0, 8.0, 16.0):
            exact = _predict_loudness(es, ps, rate, spec.limiter, drive, 0.15, 5000)
            fast = _predict_fast(summary, spec.limiter, drive, 0.15)
            assert fast == pytest.approx(exact, abs=0.05)


def test_fast_prediction_in_pieces_equals_one_piece(monkeypatch):
    # The gain law runs over the summary in pieces (bounded memory on long files): any piece size
    # gives the same prediction.
    from masteraid.audio import ArraySource
    from masteraid.chain import render
    from masteraid.chain.render import _predict_fast, _pre_pass, _Summary

    rate = 48000
    x = music_like(8.0, rate, seed=6)
    frames = x.shape[0]
    spec = ChainSpec(target_lufs=-10.0, limiter=LimiterSpec(ceiling_dbtp=-1.0))
    summary = _Summary(frames, rate)
    _pre_pass(ArraySource(x, rate), spec, np.zeros((frames, 2)), np.zeros(frames), np.zeros(frames), 5000, None,
              summary=summary)
    whole = [_predict_fast(summary, spec.limiter, d, 0.15) for d in (4.0, 12.0)]
    monkeypatch.setattr(render, "_FAST_PIECE", 7)
    pieces = [_predict_fast(summary, spec.limiter, d, 0.15) for d in (4.0, 12.0)]
    np.testing.assert_allclose(pieces, whole, atol=1e-9)


# ------------------------------------------------------------------ threads, caches and block sizes


def _tonal_reference(rate):
    # a reference spectrum a little brighter and lighter in the low mids than the test signal
    from masteraid.analysis.spectrum import SpectrumMeter

    x = music_like(6.0, rate, seed=8)
    m = SpectrumMeter(rate, 2)
    m.feed(x)
    r = m.result()
    f = np.asarray(r.bands_hz, dtype=float)
    lv = np.asarray(r.band_levels_db, dtype=float) + np.where(f > 4000, 2.0, 0.0) - np.where((f > 200) & (f < 800), 1.5, 0.0)
    return f, lv - np.nanmax(lv[np.isfinite(lv)]) - 10.0


def test_full_render_with_tone_rounds_does_not_depend_on_block_size():
    # Loudness search, tone refits and the cached attenuation of the exact prediction: any block size
    # (one block, odd blocks, blocks shorter than the lookahead) gives the same master.
    from masteraid.audio import ArraySource

    rate = 44100
    x = music_like(8.0, rate, 2, level_db=-18.0, seed=4)
    spec = ChainSpec(
        target_lufs=-11.0,
        eq_bands=(EqBand("low_shelf", 110.0, 1.5, 0.707),),
        compressor=CompressorSpec(-22.0, 2.0, 20.0, 200.0, 6.0, 1.0),
        limiter=LimiterSpec(ceiling_dbtp=-1.0),
    )
    ref = _tonal_reference(rate)
    runs = [render_chain(ArraySource(x, rate), spec, tonal_reference=ref, block_frames=b) for b in (x.shape[0], 20011, 97)]
    for r in runs[1:]:
        assert r.spec.limiter.drive_db == pytest.approx(runs[0].spec.limiter.drive_db, abs=1e-6)
        assert [b.gain_db for b in r.spec.eq_bands] == pytest.approx([b.gain_db for b in runs[0].spec.eq_bands], abs=1e-6)
        np.testing.assert_allclose(r.samples, runs[0].samples, atol=1e-6)
        assert r.integrated_lufs == pytest.approx(runs[0].integrated_lufs, abs=1e-6)


def test_final_pass_from_the_cached_attenuation_equals_the_gain_law():
    # The exact prediction keeps its per-sample attenuation; a final pass reading it gives the same master
    # (to float32 rounding of the cache) as one running the limiter's gain law again.
    from masteraid.audio import ArraySource
    from masteraid.chain.render import _final_pass, _pre_pass, _predict_loudness

    rate = 48000
    x = music_like(6.0, rate, seed=9)
    src = ArraySource(x, rate)
    frames = x.shape[0]
    spec = ChainSpec(target_lufs=-9.0, limiter=LimiterSpec(ceiling_dbtp=-1.0))
    xs, es, ps, att = np.zeros((frames, 2)), np.zeros(frames), np.zeros(frames), np.zeros(frames)
    _pre_pass(src, spec, xs, es, ps, 5000, None)
    _predict_loudness(es, ps, rate, spec.limiter, 4.0, 0.15, 5000, att)
    args = (xs, es, src.info, spec, 4.0, 0.15, None, "PCM_24", 7000, 0, 0.03)
    direct, cached = _final_pass(*args), _final_pass(*args, att)
    np.testing.assert_allclose(cached.samples, direct.samples, atol=1e-9)
    assert cached.integrated_lufs == pytest.approx(direct.integrated_lufs, abs=1e-9)
    assert cached.true_peak_dbtp == pytest.approx(direct.true_peak_dbtp, abs=1e-9)
    assert cached.limiter_max_reduction_db == pytest.approx(direct.limiter_max_reduction_db, abs=1e-9)
    assert direct.limiter_max_reduction_db > 1.0  # the limiter works here


def test_an_error_in_a_worker_stage_reaches_the_caller(tmp_path, monkeypatch):
    # A failure on a worker thread (here: measuring the master) is raised by render_chain, no thread is
    # left behind and no file is committed.
    import threading

    from masteraid.chain import render

    raw = tmp_path / "raw.wav"
    write(raw, music_like(4.0, 44100, 2), 44100)

    class Boom(RuntimeError):
        pass

    def bad_power(self, block):
        raise Boom("measuring failed")

    monkeypatch.setattr(render.KWeightedPower, "process", bad_power)
    before = threading.active_count()
    with pytest.raises(Boom):
        render_chain(raw, ChainSpec(target_lufs=-12.0, limiter=LimiterSpec(-1.0)), tmp_path / "m.wav")
    assert threading.active_count() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw.wav"]


def test_prefetch_ends_early_and_re_raises():
    from masteraid._threads import Prefetch

    def items():
        yield from range(5)
        raise ValueError("bad block")

    with pytest.raises(ValueError, match="bad block"):
        list(Prefetch(items(), "t"))
    p = Prefetch(iter(range(10**6)), "t")
    assert next(iter(p)) == 0
    p.stop()  # the worker, blocked on a full queue, ends
    assert not p._thread.is_alive()
