"""analyze(): one pass, every section filled, edge cases (silence, short, NaN/Inf, mono, 5.1)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from masteraid.analysis import Measurements, analyze
from masteraid.audio import ArraySource, write
from tests.signals import music_like, sine


def test_stereo_sine_all_sections(tmp_path):
    rate = 48000
    x = sine(1000, -20.0, 5.0, rate, 2)
    path = write(tmp_path / "s.wav", x, rate, subtype="FLOAT")
    stages = []
    m = analyze(path, block_frames=10000, progress=lambda s, f: stages.append((s, f)))
    assert isinstance(m, Measurements)
    assert m.loudness.integrated_lufs == pytest.approx(-20.0, abs=0.01)
    assert m.peaks.sample_peak_dbfs == pytest.approx(-20.0, abs=1e-3)
    assert m.dynamics.rms_dbfs == pytest.approx(-23.01, abs=0.01)
    assert m.dynamics.crest_factor_db == pytest.approx(3.01, abs=0.01)
    assert m.dynamics.plr_db == pytest.approx(m.peaks.true_peak_dbtp - m.loudness.integrated_lufs, abs=1e-12)
    assert m.dynamics.psr_db == pytest.approx(m.peaks.true_peak_dbtp - m.loudness.max_short_term_lufs, abs=1e-12)
    assert m.stereo.mono_loudness_drop_lu == pytest.approx(0.0, abs=1e-9)
    assert m.peaks.nonfinite_samples == 0
    assert stages[-1] == ("results", 1.0)
    fr = [f for s, f in stages if s == "analyze"]
    assert fr == sorted(fr) and fr[-1] == pytest.approx(1.0) and len(fr) == 24


def test_block_size_does_not_matter():
    rate = 44100
    x = music_like(5.0, rate, 2, seed=4)
    a = analyze(ArraySource(x, rate), block_frames=65536)
    b = analyze(ArraySource(x, rate), block_frames=4801)
    assert a.loudness.integrated_lufs == pytest.approx(b.loudness.integrated_lufs, abs=1e-9)
    np.testing.assert_allclose(a.loudness.short_term_lufs, b.loudness.short_term_lufs, atol=1e-9)
    assert a.peaks.true_peak_dbtp == pytest.approx(b.peaks.true_peak_dbtp, abs=1e-12)
    assert a.dynamics.rms_dbfs == pytest.approx(b.dynamics.rms_dbfs, abs=1e-9)


def test_silence_does_not_crash():
    m = analyze(ArraySource(np.zeros((48000 * 4, 2)), 48000))
    assert m.loudness.integrated_lufs == -math.inf
    assert m.peaks.sample_peak_dbfs == -math.inf and m.peaks.true_peak_dbtp == -math.inf
    assert m.dynamics.rms_dbfs == -math.inf
    assert math.isnan(m.dynamics.crest_factor_db) and math.isnan(m.dynamics.plr_db) and math.isnan(m.dynamics.psr_db)
    assert math.isnan(m.stereo.mono_loudness_drop_lu)


def test_file_shorter_than_one_gating_block(tmp_path):
    rate = 48000
    path = write(tmp_path / "short.wav", sine(1000, -10.0, 0.3, rate, 2), rate)
    m = analyze(path)
    assert math.isnan(m.loudness.integrated_lufs)
    assert math.isnan(m.loudness.loudness_range_lu)
    assert math.isnan(m.dynamics.plr_db) and math.isnan(m.dynamics.psr_db)
    assert m.peaks.sample_peak_dbfs == pytest.approx(-10.0, abs=0.01)


def test_nan_and_inf_are_counted_and_left_out(tmp_path):
    rate = 48000
    x = sine(1000, -20.0, 3.0, rate, 2)
    y = x.copy()
    y[1000, 0] = np.nan
    y[2000:2003, 1] = np.inf
    y[50000, 0] = -np.inf
    path = write(tmp_path / "bad.wav", y.astype(np.float32), rate, subtype="FLOAT")
    m = analyze(path, block_frames=1500)
    assert m.peaks.nonfinite_samples == 5
    assert math.isfinite(m.peaks.sample_peak_dbfs) and m.peaks.sample_peak_dbfs == pytest.approx(-20.0, abs=1e-3)
    clean = x.copy()
    clean[1000, 0] = clean[2000:2003, 1] = clean[50000, 0] = 0.0
    ref = analyze(ArraySource(clean.astype(np.float32).astype(np.float64), rate))
    assert m.loudness.integrated_lufs == pytest.approx(ref.loudness.integrated_lufs, abs=1e-9)
    assert m.peaks.true_peak_dbtp == pytest.approx(ref.peaks.true_peak_dbtp, abs=1e-9)


def test_mono():
    rate = 44100
    m = analyze(ArraySource(sine(1000, -20.0, 4.0, rate, 1), rate))
    assert m.info.channels == 1
    assert m.loudness.integrated_lufs == pytest.approx(-23.01, abs=0.02)
    assert len(m.peaks.channel_true_peak_dbtp) == 1
    assert math.isnan(m.stereo.mono_loudness_drop_lu)


def test_five_one():
    rate = 48000
    n = 5 * rate
    t = np.arange(n) / rate
    s = np.sin(2 * np.pi * 1000 * t)
    x = np.stack([s * 10 ** (lvl / 20) for lvl in (-28, -28, -24, -6, -30, -30)], axis=1)
    x[:, 3] = 0.5 * np.sin(2 * np.pi * 60 * t)  # LFE: left out of the loudness, not of the peaks
    m = analyze(ArraySource(x, rate))
    assert m.loudness.integrated_lufs == pytest.approx(-23.0, abs=0.1)
    assert m.peaks.channel_sample_peak_dbfs[3] == pytest.approx(-6.02, abs=0.01)
    assert len(m.peaks.dc_offset_dbfs) == 6


def test_out_of_phase_stereo_has_a_large_mono_drop():
    rate = 48000
    x = music_like(4.0, rate, 2)
    x[:, 1] = -x[:, 0]
    m = analyze(ArraySource(x, rate))
    assert m.stereo.mono_loudness_drop_lu == math.inf
