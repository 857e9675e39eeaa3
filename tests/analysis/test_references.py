"""MasterAid's meters against independent implementations on the same samples.

* pyebur128 (libebur128, C): integrated loudness within 0.01 LU, at the file's own rate.
* ffmpeg's ``ebur128`` filter (``peak=true``, values read from its ``metadata=1`` output, printed
  with 3 decimals): integrated within 0.01 LU, LRA within 0.1 LU, true peak within 0.05 dB.
  ffmpeg 5.x runs this filter at 48 kHz only (it inserts a resampler for other rates, and measures
  true peak by resampling that to 192 kHz), so the signals are band-limited to 16 kHz, where that
  resampler is transparent: the comparison then measures the meters, not the resampler.
* pyloudnorm: integrated within 0.05 LU (it reads about 0.035 LU low).
"""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
import soundfile as sf
from scipy import signal

from masteraid.analysis import LoudnessMeter, PeaksMeter
from tests.signals import music_like, pink_noise

RATES = (44100, 48000, 96000)


def band_limited(x: np.ndarray, rate: int, cutoff_hz: float = 16000.0) -> np.ndarray:
    sos = signal.butter(10, cutoff_hz, fs=rate, output="sos")
    return signal.sosfiltfilt(sos, x, axis=0)


def make(kind: str, rate: int, channels: int) -> np.ndarray:
    if kind == "music":
        x = music_like(12.0, rate, channels, seed=11, level_db=-18)
    else:
        x = pink_noise(-24, 8.0, rate, channels, seed=7)
    x = band_limited(x, rate)
    return x.astype(np.float32).astype(np.float64)  # exactly what the float WAV holds


def ours(x: np.ndarray, rate: int):
    lm, pm = LoudnessMeter(rate, x.shape[1]), PeaksMeter(rate, x.shape[1])
    for i in range(0, x.shape[0], 65536):
        lm.feed(x[i : i + 65536])
        pm.feed(x[i : i + 65536])
    return lm.result(), pm.result()


def ffmpeg_ebur128(ffmpeg: str, path, tmp_path) -> dict:
    meta = tmp_path / "meta.txt"
    subprocess.run(
        [ffmpeg, "-nostats", "-hide_banner", "-i", str(path), "-filter_complex",
         f"ebur128=peak=true:metadata=1,ametadata=mode=print:file={meta.name}", "-f", "null", "-"],
        check=True, capture_output=True, cwd=tmp_path,
    )  # fmt: skip
    last = {}
    for line in meta.read_text().splitlines():
        if line.startswith("lavfi.r128."):
            key, _, val = line[len("lavfi.r128.") :].partition("=")
            last[key] = float(val)
    return last


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("channels", (1, 2))
@pytest.mark.parametrize("kind", ("music", "pink"))
def test_against_ffmpeg_and_pyebur128_and_pyloudnorm(kind, channels, rate, ffmpeg, tmp_path):
    import pyebur128
    import pyloudnorm

    x = make(kind, rate, channels)
    path = tmp_path / "x.wav"
    sf.write(path, x, rate, subtype="FLOAT")
    loud, peaks = ours(x, rate)

    # libebur128
    st = pyebur128.R128State(channels, rate, pyebur128.MeasurementMode.MODE_I)
    st.add_frames(np.ascontiguousarray(x).ravel(), x.shape[0])
    assert loud.integrated_lufs == pytest.approx(pyebur128.get_loudness_global(st), abs=0.01)

    # ffmpeg ebur128
    ff = ffmpeg_ebur128(ffmpeg, path, tmp_path)
    assert loud.integrated_lufs == pytest.approx(ff["I"], abs=0.01)
    assert loud.loudness_range_lu == pytest.approx(ff["LRA"], abs=0.1)
    ff_tp = [20 * np.log10(ff[f"true_peaks_ch{c}"]) for c in range(channels)]
    np.testing.assert_allclose(peaks.channel_true_peak_dbtp, ff_tp, atol=0.05)

    # pyloudnorm (reads ~0.035 LU low)
    pln = pyloudnorm.Meter(rate).integrated_loudness(x if channels > 1 else x[:, 0])
    assert loud.integrated_lufs == pytest.approx(pln, abs=0.05)
