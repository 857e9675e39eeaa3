"""analyze() runs the stereo/spectrum/edge meters on a worker thread: errors and threads are handled."""

import threading

import numpy as np
import pytest

import masteraid.analysis as analysis
import masteraid.analysis.spectrum  # noqa: F401  (the meters analyze() imports lazily)
import masteraid.analysis.stereo  # noqa: F401
from masteraid.audio import ArraySource, write
from masteraid.errors import AudioFileError
from masteraid.serialize import dumps
from tests.signals import music_like


def _workers():
    return [t for t in threading.enumerate() if t.name == "masteraid-analyze"]


def test_error_in_a_worker_meter_reaches_the_caller(monkeypatch):
    class Boom(Exception):
        pass

    def feed(self, block):
        raise Boom("spectrum meter failed")

    monkeypatch.setattr(analysis.spectrum.SpectrumMeter, "feed", feed)
    src = ArraySource(music_like(3.0, 48000), 48000)
    with pytest.raises(Boom, match="spectrum meter failed"):
        analysis.analyze(src, block_frames=4800)
    assert _workers() == []


def test_read_error_half_way_stops_the_worker(tmp_path):
    path = write(tmp_path / "x.wav", music_like(4.0, 48000), 48000, subtype="PCM_16")
    data = path.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: len(data) // 2])  # header promises more than is there
    with pytest.raises(AudioFileError, match="truncated"):
        analysis.analyze(cut, block_frames=4096)
    assert _workers() == []


def test_two_lanes_equal_one_lane():
    """The worker sees the same blocks in the same order: same numbers as feeding the meters directly."""
    x = music_like(5.0, 44100)
    m = analysis.analyze(ArraySource(x, 44100), block_frames=3000)
    spec = analysis.spectrum.SpectrumMeter(44100, 2)
    stereo = analysis.stereo.StereoMeter(44100, 2)
    for i in range(0, len(x), 3000):
        spec.feed(x[i : i + 3000])
        stereo.feed(x[i : i + 3000])
    np.testing.assert_array_equal(m.spectrum.band_levels_db, spec.result().band_levels_db)
    assert m.stereo.correlation == stereo.result().correlation


def test_threads_false_gives_the_same_measurements_on_the_calling_thread(monkeypatch):
    x = np.clip(music_like(4.0, 48000, seed=7, level_db=-9), -0.95, 0.95)
    a = analysis.analyze(ArraySource(x, 48000), block_frames=5000)
    started = []
    monkeypatch.setattr(analysis._Lane, "__init__", lambda *a, **k: started.append(1))
    b = analysis.analyze(ArraySource(x, 48000), block_frames=5000, threads=False)
    assert started == []  # no worker lane was made
    assert dumps(a) == dumps(b)
