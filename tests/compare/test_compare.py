"""compare() end to end on synthetic renders (in memory and as files), with analyze() measuring both."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import resample_poly

from masteraid.audio import ArraySource, write
from masteraid.compare import compare, comparison_document
from masteraid.errors import MismatchError
from masteraid.report.compare import render_compare_text
from masteraid.serialize import dumps
from tests.compare.processing import apply_ba, compressor, delay, hard_clip, shelf_ba
from tests.signals import music_like

RATE = 48000


@pytest.fixture(scope="module")
def raw():
    return music_like(12.0, RATE, seed=11)


def _codes(c):
    return {f.code for f in c.findings}


def test_static_gain_and_latency(raw):
    pre = delay(raw * 10 ** (4.0 / 20), 300)
    c = compare(ArraySource(raw, RATE), ArraySource(pre, RATE))
    assert c.alignment.latency_samples == 300 and not c.alignment.polarity_inverted
    assert c.tonal.static_gain_db == pytest.approx(4.0, abs=0.1)
    assert c.loudness_delta_lu == pytest.approx(4.0, abs=0.1)
    assert c.levels.integrated_lufs.delta == pytest.approx(4.0, abs=0.1)
    assert c.dynamics.gain_reduction.p95_db < 0.3
    assert c.distortion.clipped_samples_added == 0
    assert c.distortion.residual_db < -35
    assert "latency" in _codes(c) and "gain_reduction" not in _codes(c)


def test_polarity_and_eq_findings(raw):
    b, a = shelf_ba(120, 5.0, RATE, "low")
    c = compare(ArraySource(raw, RATE), ArraySource(-apply_ba(raw, b, a), RATE))
    assert c.alignment.polarity_inverted
    assert {"polarity_inverted", "eq_change"} <= _codes(c)
    assert c.tonal.change_db[0] == pytest.approx(5.0, abs=0.6)  # 31.5 Hz: on the shelf's plateau


def test_hard_clipping_detected(raw):
    pre = hard_clip(raw, 22.0, ceiling=0.99)
    c = compare(ArraySource(raw, RATE), ArraySource(pre, RATE))
    assert c.distortion.clipped_samples_added > 1000
    assert c.distortion.residual_db > -25
    assert {"clipping_added", "distortion"} <= _codes(c)


def test_compression_reported(raw):
    pre, gr = compressor(raw, RATE, threshold_dbfs=-14.0, ratio=4.0, makeup_db=4.0)
    c = compare(ArraySource(raw, RATE), ArraySource(pre, RATE))
    hop = int(round(c.dynamics.trace_hop_s * RATE))
    n = c.dynamics.trace_db.shape[0]
    own = gr[np.arange(n)[:, None] * hop + np.arange(2 * hop)[None, :]].mean(axis=1)  # per 20 ms frame
    assert own.max() > 3.0
    assert c.dynamics.gain_reduction.max_db == pytest.approx(own.max(), abs=1.0)
    assert "gain_reduction" in _codes(c)


def test_unrelated_files_refused(raw):
    other = np.random.default_rng(4).standard_normal(raw.shape) * 0.1
    with pytest.raises(MismatchError, match="do not line up"):
        compare(ArraySource(raw, RATE), ArraySource(other, RATE))


def _chord(seed: int, rate: int = 44100, seconds: float = 3.0) -> np.ndarray:
    """The same five partials (110..1760 Hz) at random phases and levels, a 2 Hz tremolo and some noise:
    two seeds are different "songs" that still correlate at some lag."""
    r = np.random.default_rng(seed)
    t = np.arange(int(rate * seconds)) / rate
    x = np.zeros((t.shape[0], 2))
    for c in range(2):
        for f in (110, 220, 440 * (1 + 0.01 * c), 880, 1760):
            x[:, c] += np.sin(2 * np.pi * f * t + r.uniform(0, 6)) * r.uniform(0.2, 1)
        x[:, c] += 0.1 * r.standard_normal(t.shape[0])
        x[:, c] *= 0.5 + 0.5 * np.sin(2 * np.pi * 2 * t) ** 2
    return 0.3 * x / np.abs(x).max()


@pytest.mark.parametrize("residual", [True, False])
def test_periodic_material_that_is_not_the_same_mix_is_refused(residual):
    """It lines up at some lag (correlation ~0.76), but no filter relates the two: refused, not a crash."""
    a, b = ArraySource(_chord(0), 44100), ArraySource(_chord(5), 44100)
    with pytest.raises(MismatchError, match="not the same mix"):
        compare(a, b, residual=residual)


def test_silent_pretreat_is_named(raw):
    with pytest.raises(MismatchError, match="pre-treat is silent"):
        compare(ArraySource(raw, RATE), ArraySource(np.zeros_like(raw), RATE))


def test_mono_is_compared_with_stereo_only(raw):
    six = np.repeat(raw[:, :1], 6, axis=1)
    with pytest.raises(MismatchError, match="1 channel and .* has 6"):
        compare(ArraySource(raw[:, :1], RATE), ArraySource(six, RATE))


def test_a_failed_compare_leaves_no_thread_running(raw):
    """The measuring thread is stopped and joined before the error propagates (a daemon thread still
    inside native code when the interpreter exits aborts the process)."""
    import threading

    b, a = shelf_ba(120, 3.0, RATE, "low")
    pre = apply_ba(raw, b, a)
    from masteraid.compare import core

    import time

    import masteraid.analysis

    def slow_analyze(source, **_):  # still measuring when the compare fails
        for _block in source.blocks(4096):
            time.sleep(0.01)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(masteraid.analysis, "analyze", slow_analyze)
        mp.setattr(core, "tonal_change", lambda *a: (_ for _ in ()).throw(MismatchError("stop here")))
        with pytest.raises(MismatchError, match="stop here"):
            compare(ArraySource(raw, RATE), ArraySource(pre, RATE))
    assert not [t for t in threading.enumerate() if t.name.startswith("masteraid")]


def test_rate_channels_and_length_mismatch(raw, tmp_path):
    pre = resample_poly(raw * 0.5, 441, 480, axis=0)[: int(10.0 * 44100)]  # 44.1 kHz, shorter
    mono_raw = raw.mean(axis=1, keepdims=True)
    c = compare(ArraySource(raw, RATE), ArraySource(pre, 44100))
    assert {"compare_resampled", "compare_overlap"} <= _codes(c)
    assert c.sample_rate_hz == RATE and c.overlap_s == pytest.approx(10.0, abs=0.01)
    assert abs(c.alignment.latency_samples) <= 1
    assert c.tonal.static_gain_db == pytest.approx(-6.02, abs=0.15)
    c2 = compare(ArraySource(mono_raw, RATE), ArraySource(raw, RATE))
    assert "compare_upmixed" in _codes(c2)


def test_label_reaches_the_notes_and_the_errors(raw):
    """``label`` names the second render in compare()'s own notes and errors too, not only in the findings."""
    pre = resample_poly(raw * 0.5, 441, 480, axis=0)[: int(10.0 * 44100)]
    c = compare(ArraySource(raw.mean(axis=1, keepdims=True), RATE), ArraySource(pre, 44100), label="master v2")
    notes = {f.code: f.message for f in c.findings if f.code.startswith("compare_")}
    assert set(notes) == {"compare_resampled", "compare_overlap", "compare_upmixed"}
    assert notes["compare_resampled"].startswith("The master v2 is at 44100 Hz and the raw at 48000 Hz: the master v2 ")
    assert "master v2 10.00 s" in notes["compare_overlap"]
    assert notes["compare_upmixed"].endswith("what the master v2 added.")
    assert not [m for m in (f.message for f in c.findings) if "pre-treat" in m]
    with pytest.raises(MismatchError, match="the master is silent or absent where the raw plays"):
        compare(ArraySource(raw, RATE), ArraySource(np.zeros_like(raw), RATE), label=" master ")


def test_a_mono_raw_has_no_side_in_any_band():
    """A mono raw is copied to both channels, so its side is zero. Computed from the spectra
    (``L + R - 2 Re(L R*)``) it was a rounding residue (-74 and -73 dB in the low and mid bands of this
    signal), which read "+60 dB wider" in a band and, in the low band, "widens the low end". A real
    side 50 dB down is still read."""
    raw = music_like(12.0, RATE, seed=0)
    mono_raw = raw.mean(axis=1, keepdims=True)
    c = compare(ArraySource(mono_raw, RATE), ArraySource(raw, RATE))
    s = c.stereo
    assert s.raw_side_to_mid_db == -np.inf
    assert all(v == -np.inf for v in s.raw_band_side_to_mid_db.values())
    assert all(np.isnan(v) for v in s.band_side_to_mid_delta_db.values())
    assert "low_end_wider" not in _codes(c) and "wider" not in str(c.findings)
    m = raw.mean(axis=1)
    side = 10 ** (-50 / 20) * np.roll(m, 4800)  # a quiet side, uncorrelated with the mid
    faint = np.column_stack([m + side, m - side])
    s2 = compare(ArraySource(faint, RATE), ArraySource(raw, RATE)).stereo
    assert s2.raw_side_to_mid_db == pytest.approx(-50.0, abs=1.0)


def test_files_and_json_document(raw, tmp_path):
    b, a = shelf_ba(6000, 3.0, RATE, "high")
    pre = delay(np.clip(apply_ba(raw, b, a) * 3.0, -1, 1), 128)
    rp = write(tmp_path / "song - raw.wav", raw, RATE, subtype="FLOAT")
    pp = write(tmp_path / "song - pretreat.wav", pre, RATE, subtype="PCM_24")
    c = compare(rp, pp)
    doc = comparison_document(c)
    assert doc["alignment"]["latency_samples"] == 128
    assert doc["alignment"]["polarity_inverted"] is False
    for key in ("delta_lu",):
        assert key in doc["loudness"]
    assert set(doc["tonal"]) >= {"bands_hz", "change_db", "confidence"}
    assert set(doc["dynamics"]["gain_reduction_db"]) >= {"mean", "p95", "max"}
    assert "side_to_mid_delta_db" in doc["stereo"]
    assert set(doc["distortion"]) >= {"residual_db", "clipped_samples_added"}
    assert len(doc["match"]["entries"]) == 2
    assert len(doc["streaming"]["raw"]) == 8 and len(doc["streaming"]["pretreat"]) == 8
    assert isinstance(doc["findings"], list) and doc["findings"]
    text = dumps(doc)  # strict JSON: no NaN/Infinity tokens
    assert "NaN" not in text and "Infinity" not in text
    report = render_compare_text(c)
    assert "Tonal change" in report and "Streaming preview" in report


def test_width_change_measured(raw):
    m = (raw[:, 0] + raw[:, 1]) / 2
    s = (raw[:, 0] - raw[:, 1]) / 2
    k = 10 ** (3.0 / 20)
    c = compare(ArraySource(raw, RATE), ArraySource(np.stack([m + k * s, m - k * s], axis=1), RATE))
    assert c.stereo.side_to_mid_delta_db == pytest.approx(3.0, abs=0.1)
    for key in ("low", "mid", "high"):
        if np.isfinite(c.stereo.raw_band_side_to_mid_db[key]) and c.stereo.raw_band_side_to_mid_db[key] > -40:
            assert c.stereo.band_side_to_mid_delta_db[key] == pytest.approx(3.0, abs=0.1)
    assert c.stereo.pretreat_correlation < c.stereo.raw_correlation
    assert "width_change" in _codes(c)


@pytest.mark.parametrize("case", ["stereo", "mono_raw", "inverted_shorter"])
def test_streamed_compare_equals_in_memory(tmp_path, raw, monkeypatch, case):
    """Over the memory limit the files are streamed (never read whole; decoded once for the passes, which
    then read the aligned pair from a temporary cache): same numbers."""
    from masteraid.compare import core

    b, a = shelf_ba(150, 3.0, RATE, "low")
    pre = delay(hard_clip(apply_ba(raw, b, a), 12.0, ceiling=0.98), 300)
    x = raw
    if case == "mono_raw":
        x = raw.mean(axis=1, keepdims=True)
        pre = np.repeat(pre.mean(axis=1, keepdims=True), 2, axis=1)
    if case == "inverted_shorter":
        pre = -pre[: pre.shape[0] - RATE // 2]
    rp = write(tmp_path / "raw.wav", x, RATE)
    pp = write(tmp_path / "pre.wav", pre, RATE, subtype="FLOAT")
    held = compare(rp, pp)
    monkeypatch.setattr(core, "_read32", lambda src: pytest.fail("a streamed compare read a file whole"))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(core.tempfile, "tempdir", str(scratch))
    streamed = compare(rp, pp, memory_limit_mb=0)
    assert list(scratch.iterdir()) == []  # the cached pair's and the per-frame sums' temporary files are gone
    assert streamed.alignment == held.alignment
    assert streamed.overlap_s == held.overlap_s
    assert streamed.loudness_delta_lu == pytest.approx(held.loudness_delta_lu, abs=1e-9)
    np.testing.assert_allclose(streamed.tonal.change_db, held.tonal.change_db, atol=1e-4)
    np.testing.assert_allclose(streamed.dynamics.trace_db, held.dynamics.trace_db, atol=1e-3)
    assert streamed.distortion.residual_db == pytest.approx(held.distortion.residual_db, abs=1e-3)
    assert streamed.stereo.side_to_mid_delta_db == pytest.approx(held.stereo.side_to_mid_delta_db, abs=1e-3, nan_ok=True)
    assert [f.code for f in streamed.findings] == [f.code for f in held.findings]


@pytest.mark.parametrize("latency, invert", [(300, True), (-257, False)])
def test_streamed_pair_cache_returns_the_decoded_blocks(tmp_path, raw, monkeypatch, latency, invert):
    """The passes after the first read the cached pair: the same float32 samples, in the same blocks, as
    the decoded, aligned, upmixed, polarity-corrected files; the files are not decoded again."""
    from masteraid.audio import open_source
    from masteraid.compare import core
    from masteraid.compare.align import aligned_slices

    x = raw[: 3 * RATE].mean(axis=1, keepdims=True)  # mono raw: upmixed to the pre-treat's two channels
    y = delay(raw[: 3 * RATE] * 0.7, latency)[: 3 * RATE - 1000] * (-1 if invert else 1)
    rp = write(tmp_path / "raw.wav", x, RATE, subtype="FLOAT")
    pp = write(tmp_path / "pre.wav", y, RATE, subtype="FLOAT")
    monkeypatch.setattr(core._FilePair, "BLOCK_FRAMES", 10000)  # several blocks, the last one shorter
    pair = core._FilePair(open_source(rp), open_source(pp))
    rs, ps = aligned_slices(pair.raw_frames, pair.pre_frames, latency)
    xa = np.repeat(x.astype(np.float32), 2, axis=1)[rs]
    ya = y.astype(np.float32)[ps] * (-1 if invert else 1)
    cache = tmp_path / "cache"
    cache.mkdir()
    pair.cache_in(str(cache))
    try:
        first = list(pair.blocks(rs, ps, invert))
        for src in (pair.raw.src, pair.pre.src):
            monkeypatch.setattr(src, "blocks", lambda *a, **k: pytest.fail("decoded again"))
        again = list(pair.blocks(rs, ps, invert))
    finally:
        pair.close()
    assert len(first) == len(again) == -(-xa.shape[0] // 10000)
    for (xb, yb), (xc, yc) in zip(first, again):
        assert xc.dtype == yc.dtype == np.float32 and xc.shape == xb.shape and yc.shape == yb.shape
        np.testing.assert_array_equal(xc, xb)
        np.testing.assert_array_equal(yc, yb)
    np.testing.assert_array_equal(np.concatenate([b[0] for b in again]), xa)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in again]), ya)


def test_streamed_compare_failing_part_way_leaves_no_temporary_files(tmp_path, raw, monkeypatch):
    from masteraid.compare import core

    rp = write(tmp_path / "raw.wav", raw, RATE)
    pp = write(tmp_path / "pre.wav", delay(raw * 0.5, 100), RATE)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(core.tempfile, "tempdir", str(scratch))
    seen = []

    def fail(*_args, **_kwargs):  # after the first pass has written the cache, before the others read it
        seen.extend(p.name for p in scratch.rglob("*.f32"))
        raise RuntimeError("part-way")

    monkeypatch.setattr(core, "tonal_change", fail)
    with pytest.raises(RuntimeError, match="part-way"):
        compare(rp, pp, memory_limit_mb=0)
    assert {"raw.f32", "pre.f32"} <= set(seen)
    assert list(scratch.iterdir()) == []


# ------------------------------------------------------------- static EQ: no leak into the dynamics


def _lowshelf_79hz(x):
    # the case that used to leak: a +3.4 dB low shelf turning within two 50 Hz STFT bins
    b, a = shelf_ba(79.0, 3.4, RATE, "low")
    return apply_ba(x, b, a)


def _linear_phase_tilt(x):
    """A linear-phase (symmetric FIR, 1201 taps, delay compensated) EQ: +3 dB below 80 Hz, +2 dB above 8 kHz."""
    from scipy.signal import firwin2

    h = firwin2(1201, [0, 60, 120, 3000, 8000, RATE / 2], 10 ** (np.array([3, 3, 0, 0, 2, 2]) / 20), fs=RATE)
    y = np.stack([np.convolve(x[:, c], h)[600 : 600 + x.shape[0]] for c in range(x.shape[1])], axis=1)
    return y


@pytest.mark.parametrize("eq", [_lowshelf_79hz, _linear_phase_tilt], ids=["low_shelf_79hz", "linear_phase"])
def test_static_eq_is_neither_gain_reduction_nor_distortion(raw, eq):
    c = compare(ArraySource(raw, RATE), ArraySource(eq(raw), RATE))
    assert c.dynamics.gain_reduction.p95_db < 0.1
    assert c.dynamics.gain_reduction.max_db < 0.3
    assert c.distortion.residual_db < -40
    assert "gain_reduction" not in _codes(c) and "distortion" not in _codes(c)


def _trace_error_db(c, own_gr):
    """Spread (std, dB) of the compare's gain trace around the compressor's own reduction averaged over
    each 20 ms frame. The offset is left out: the trace reads relative to the least-compressed 5 % of
    frames, and this compressor never quite lets go."""
    tr = c.dynamics.trace_db
    hop = int(round(c.dynamics.trace_hop_s * RATE))
    idx = np.arange(tr.shape[0])[:, None] * hop + np.arange(2 * hop)[None, :]
    own = own_gr[idx].mean(axis=1)
    ok = np.isfinite(tr)
    assert ok.mean() > 0.9
    return float(np.std(tr[ok] - own[ok]))


def test_a_compressor_after_a_low_shelf_is_traced_as_well_as_alone(raw):
    alone, gr_alone = compressor(raw, RATE, threshold_dbfs=-18.0, ratio=4.0, attack_ms=5, release_ms=80)
    after_eq, gr_eq = compressor(_lowshelf_79hz(raw), RATE, threshold_dbfs=-18.0, ratio=4.0, attack_ms=5, release_ms=80)
    a = compare(ArraySource(raw, RATE), ArraySource(alone, RATE))
    b = compare(ArraySource(raw, RATE), ArraySource(after_eq, RATE))
    assert np.percentile(gr_alone, 95) > 5.0 and a.dynamics.gain_reduction.p95_db > 4.0  # the compressor works
    assert _trace_error_db(a, gr_alone) < 0.3
    assert _trace_error_db(b, gr_eq) < 0.3  # the shelf does not blur it
    assert b.distortion.residual_db == pytest.approx(a.distortion.residual_db, abs=1.5)


def test_without_residual_two_passes_give_the_same_tone_and_a_close_gain_trace(raw, tmp_path, monkeypatch):
    """``residual=False`` (what the chain design uses): no third pass, no residual; the tone is the
    full compare's, the gain trace close to it and to the compressor's own reduction; streamed the same."""
    from masteraid.compare import core

    pre, gr = compressor(_lowshelf_79hz(raw), RATE, threshold_dbfs=-18.0, ratio=4.0, attack_ms=5, release_ms=80)
    full = compare(ArraySource(raw, RATE), ArraySource(pre, RATE))
    monkeypatch.setattr(core, "FirStream", lambda *a: pytest.fail("the third pass ran"))
    quick = compare(ArraySource(raw, RATE), ArraySource(pre, RATE), residual=False)
    assert np.isnan(quick.distortion.residual_db) and "distortion" not in _codes(quick)
    np.testing.assert_allclose(quick.tonal.change_db, full.tonal.change_db, atol=1e-9)
    assert quick.loudness_delta_lu == full.loudness_delta_lu
    assert quick.dynamics.gain_reduction.p95_db == pytest.approx(full.dynamics.gain_reduction.p95_db, abs=0.3)
    assert full.dynamics.gain_reduction.p95_db > 4.0
    assert _trace_error_db(quick, gr) < 0.5
    assert "gain_reduction" in _codes(quick)

    rp = write(tmp_path / "raw.wav", raw, RATE)
    pp = write(tmp_path / "pre.wav", pre, RATE, subtype="FLOAT")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(core.tempfile, "tempdir", str(scratch))
    streamed = compare(rp, pp, memory_limit_mb=0, residual=False)
    assert list(scratch.iterdir()) == []
    held = compare(rp, pp, residual=False)
    np.testing.assert_allclose(streamed.dynamics.trace_db, held.dynamics.trace_db, atol=1e-3)
    np.testing.assert_allclose(streamed.tonal.change_db, held.tonal.change_db, atol=1e-4)
    assert np.isnan(streamed.distortion.residual_db)


@pytest.mark.parametrize("stream", [False, True], ids=["in_memory", "streamed"])
def test_nonfinite_samples_are_compared_as_silence_and_reported(raw, tmp_path, stream):
    """A few NaN/Inf samples in a float render (a plug-in blew up) do not spoil the rest: compared as
    silence, as the measurements treat them, and an error-level finding says how many."""
    b, a = shelf_ba(120, 3.0, RATE, "low")
    pre = apply_ba(raw, b, a)
    bad = pre.astype(np.float32).copy()
    bad[RATE, 0], bad[2 * RATE, 1], bad[3 * RATE, 0] = np.nan, np.inf, -np.inf
    rp = write(tmp_path / "raw.wav", raw, RATE, subtype="FLOAT")
    pp = write(tmp_path / "pre.wav", bad, RATE, subtype="FLOAT")
    clean = compare(ArraySource(raw, RATE), ArraySource(pre, RATE))
    c = compare(rp, pp, memory_limit_mb=0 if stream else None)
    nf = [f for f in c.findings if f.code == "nonfinite_samples"]
    assert len(nf) == 1 and nf[0].severity == "error" and nf[0].value == 3.0 and "pre-treat has 3" in nf[0].message
    assert c.pretreat.peaks.nonfinite_samples == 3
    np.testing.assert_allclose(c.tonal.change_db, clean.tonal.change_db, atol=0.05)
    assert c.alignment.latency_samples == 0
    assert c.distortion.residual_db < -35


@pytest.mark.parametrize("stream", [False, True], ids=["in_memory", "streamed"])
def test_a_blown_up_pretreat_is_named_and_the_rest_compared(raw, tmp_path, stream):
    """Ten samples at 1e30 (+600 dBFS: a plug-in blowing up) outweighed the whole song: the pair did not
    line up, and the error said the files were not the same mix. They are compared as silence; an
    error names them; no loudness, peak or streaming finding is made of a +578 LU 'difference'."""
    y, gr = compressor(raw, RATE, threshold_dbfs=-20.0, ratio=4.0, attack_ms=5, release_ms=80, makeup_db=3.0)
    bad = y.astype(np.float32).copy()
    bad[RATE : RATE + 10] *= np.float32(1e30)
    rp = write(tmp_path / "raw.wav", raw, RATE, subtype="FLOAT")
    pp = write(tmp_path / "pre.wav", bad, RATE, subtype="FLOAT")
    clean = compare(ArraySource(raw, RATE), ArraySource(y, RATE))
    c = compare(rp, pp, memory_limit_mb=0 if stream else None)
    blown = [f for f in c.findings if f.code == "blown_up"]
    assert len(blown) == 1 and blown[0].severity == "error" and "The pre-treat peaks at +" in blown[0].message
    assert blown[0].value > 500
    assert not _codes(c) & {"loudness_change", "pretreat_true_peak_over", "louder_normalized_away",
                            "smaller_at_equal_loudness"}
    assert c.alignment.latency_samples == 0
    np.testing.assert_allclose(c.tonal.change_db, clean.tonal.change_db, atol=0.05)
    assert c.dynamics.gain_reduction.p95_db == pytest.approx(clean.dynamics.gain_reduction.p95_db, abs=0.1)


def test_unmeasurable_values_read_n_a_in_the_findings(raw):
    """A 2.5 s pre-treat has no loudness range (it needs 3 s): the summary says n/a, never 'nan'."""
    c = compare(ArraySource(raw, RATE), ArraySource(raw[: int(2.5 * RATE)] * 2.0, RATE))
    assert np.isnan(c.levels.loudness_range_lu.pretreat)
    msg = next(f.message for f in c.findings if f.code == "loudness_change")
    assert "LRA n/a vs " in msg and "nan" not in msg.lower()


def test_a_sine_against_music_is_not_the_same_mix():
    """A 440 Hz tone against music with a 440 Hz partial lines up, and one filter even relates them at that
    frequency; but no band is coherent: refused (it read as +130 dB of gain and hard limiting)."""
    from tests.signals import sine

    tone = ArraySource(sine(440.0, -40.0, 3.0, 44100), 44100)
    with pytest.raises(MismatchError, match="no frequency band of the pre-treat follows the raw"):
        compare(tone, ArraySource(_chord(0), 44100), residual=False)


def test_a_brutal_clipper_is_still_the_same_mix(raw):
    """40 dB into a hard clipper: the most damaged pre-treat still has coherent bands (the refusal above
    must never hit a real bus chain)."""
    c = compare(ArraySource(raw, RATE), ArraySource(hard_clip(raw, 40.0, ceiling=0.99), RATE))
    assert max(c.tonal.confidence) > 0.9
    assert c.distortion.residual_db > -20
