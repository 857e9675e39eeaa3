"""Reading every format a mixer might send, odd rates and lengths, and atomic no-clobber writes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from masteraid import audio
from masteraid.errors import OutputExistsError

from .signals import sine

RATE = 44100


def _tone(seconds=0.5, rate=RATE, channels=2):
    x = sine(997.0, -6.0, seconds, rate, channels)
    x[:, -1] *= 0.5  # channels differ, so a channel swap would show
    return x


# (format, subtype, suffix, max abs error of a round trip)
LOSSLESS = [
    ("WAV", "PCM_16", ".wav", 2.0**-15),
    ("WAV", "PCM_24", ".wav", 2.0**-23),
    ("WAV", "PCM_32", ".wav", 2.0**-31),
    ("WAV", "FLOAT", ".wav", 1e-7),
    ("WAV", "DOUBLE", ".wav", 1e-15),
    ("RF64", "PCM_24", ".wav", 2.0**-23),
    ("W64", "FLOAT", ".w64", 1e-7),
    ("AIFF", "PCM_24", ".aiff", 2.0**-23),
    ("FLAC", "PCM_16", ".flac", 2.0**-15),
    ("FLAC", "PCM_24", ".flac", 2.0**-23),
]


@pytest.mark.parametrize("fmt, subtype, suffix, tol", LOSSLESS, ids=[f"{a}-{b}" for a, b, _, _ in LOSSLESS])
def test_lossless_formats_round_trip(tmp_path, fmt, subtype, suffix, tol):
    x = _tone()
    p = tmp_path / f"mix{suffix}"
    sf.write(p, x, RATE, format=fmt, subtype=subtype)
    info = audio.probe(p)
    assert (info.format, info.subtype, info.sample_rate_hz, info.channels, info.frames) == (
        fmt, subtype, RATE, 2, x.shape[0])
    assert not info.lossy
    assert info.is_float == (subtype in ("FLOAT", "DOUBLE"))
    y, rate = audio.read(p)
    assert rate == RATE and y.shape == x.shape and y.dtype == np.float64
    # quantization is at most one step (rounding to the nearest step is half a step)
    assert np.max(np.abs(y - x)) <= tol


def _level_db(x):
    return 20 * np.log10(np.sqrt(np.mean(x**2)))


@pytest.mark.parametrize("fmt, subtype, suffix", [("OGG", "VORBIS", ".ogg"), ("MP3", "MPEG_LAYER_III", ".mp3")])
def test_lossy_formats_read_and_are_flagged(tmp_path, fmt, subtype, suffix):
    x = _tone(1.0)
    p = tmp_path / f"mix{suffix}"
    sf.write(p, x, RATE, format=fmt, subtype=subtype)
    info = audio.probe(p)
    assert info.lossy and info.bit_depth is None
    y, rate = audio.read(p)
    assert rate == RATE and y.shape[1] == 2
    assert abs(y.shape[0] - x.shape[0]) <= 0.1 * RATE  # codec padding/delay only
    # the 997 Hz tone survives the codec within 0.5 dB per channel
    for c in range(2):
        assert _level_db(y[:, c]) == pytest.approx(_level_db(x[:, c]), abs=0.5)


def test_mp3_made_by_ffmpeg_reads(tmp_path, ffmpeg):
    src = tmp_path / "src.wav"
    audio.write(src, _tone(1.0), RATE, subtype="PCM_16")
    mp3 = tmp_path / "ffmpeg.mp3"
    subprocess.run([ffmpeg, "-nostdin", "-loglevel", "error", "-i", str(src), "-b:a", "192k", str(mp3)], check=True)
    info = audio.probe(mp3)
    assert info.format == "MP3" and info.lossy
    y, rate = audio.read(mp3)
    assert rate == RATE and y.shape[1] == 2
    assert _level_db(y[:, 0]) == pytest.approx(_level_db(_tone(1.0)[:, 0]), abs=0.5)


@pytest.mark.parametrize("rate", [22050, 32000, 88200])
@pytest.mark.parametrize("frames", [1, 3, 4097, 44101])
def test_odd_rates_and_lengths(tmp_path, rate, frames):
    rng = np.random.default_rng(frames)
    x = rng.uniform(-0.5, 0.5, (frames, 2))
    p = tmp_path / "odd.wav"
    audio.write(p, x, rate, subtype="FLOAT")
    src = audio.FileSource(p)
    assert (src.info.sample_rate_hz, src.info.frames) == (rate, frames)
    blocks = list(src.blocks(1000))
    assert all(b.ndim == 2 and b.shape[1] == 2 for b in blocks)
    y = np.concatenate(blocks, axis=0)
    np.testing.assert_allclose(y, x, atol=1e-7)


@pytest.mark.parametrize("fmt, suffix", [("WAV", ".wav"), ("AIFF", ".aiff"), ("W64", ".w64"), ("RF64", ".wav")])
def test_odd_length_mono_24bit(tmp_path, fmt, suffix):
    # 24-bit mono with an odd frame count makes an odd-sized data chunk (a pad byte): not "truncated"
    x = np.full((44101, 1), 0.25)
    p = tmp_path / f"mono{suffix}"
    sf.write(p, x, RATE, format=fmt, subtype="PCM_24")
    y, _ = audio.read(p)
    assert y.shape == (44101, 1)


def test_ffmpeg_streamed_wav_with_placeholder_sizes_reads(tmp_path, ffmpeg):
    # ffmpeg writing to a pipe leaves 0xFFFFFFFF in the RIFF/data sizes: a valid file, not truncated
    src = tmp_path / "src.wav"
    audio.write(src, _tone(), RATE, subtype="PCM_16")
    out = tmp_path / "piped.wav"
    with open(out, "wb") as fh:
        subprocess.run([ffmpeg, "-nostdin", "-loglevel", "error", "-i", str(src), "-f", "wav", "pipe:1"],
                       stdout=fh, check=True)
    y, _ = audio.read(out)
    assert y.shape == _tone().shape


def test_block_size_does_not_change_the_samples(tmp_path):
    x = _tone(0.3)
    p = tmp_path / "b.flac"
    audio.write(p, x, RATE, subtype="PCM_24")
    a = np.concatenate(list(audio.FileSource(p).blocks(7)), axis=0)
    b = np.concatenate(list(audio.FileSource(p).blocks(65536)), axis=0)
    np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------------------------ writes


def _leftovers(folder: Path):
    return sorted(x.name for x in folder.iterdir() if x.name.startswith(".masteraid-"))


def test_writer_exception_leaves_nothing(tmp_path):
    target = tmp_path / "out.wav"
    with pytest.raises(RuntimeError, match="boom"):
        with audio.AudioWriter(target, RATE, 2) as w:
            w.write(_tone())
            raise RuntimeError("boom")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_write_never_overwrites(tmp_path):
    target = tmp_path / "mix.wav"
    audio.write(target, _tone(), RATE)
    before = target.read_bytes()
    with pytest.raises(OutputExistsError, match="never overwrites"):
        audio.write(target, _tone() * 0.1, RATE)
    with pytest.raises(OutputExistsError, match="never overwrites"):
        audio.write_text(target, "text")
    assert target.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_unique_path_picks_numbered_names(tmp_path):
    target = tmp_path / "x.wav"
    assert audio.unique_path(target) == target
    audio.write(target, _tone(), RATE)
    second = audio.unique_path(target)
    assert second.name == "x (2).wav"
    audio.write(second, _tone(), RATE)
    assert audio.unique_path(target).name == "x (3).wav"


def test_write_text_is_complete_and_atomic(tmp_path):
    p = audio.write_text(tmp_path / "r.txt", "héllo\n" * 1000)
    assert p.read_text(encoding="utf-8") == "héllo\n" * 1000
    assert _leftovers(tmp_path) == []


def test_writer_into_missing_folder_fails_clearly(tmp_path):
    from masteraid.errors import AudioFileError

    with pytest.raises(AudioFileError, match="output folder does not exist"):
        audio.write(tmp_path / "nope" / "x.wav", _tone(), RATE)


@pytest.mark.parametrize("fmt,subtype", [("WAV", "PCM_16"), ("WAV", "PCM_24"), ("WAV", "PCM_32"), ("WAV", "PCM_U8"),
                                         ("FLAC", "PCM_16"), ("FLAC", "PCM_24"), ("AIFF", "PCM_24"), ("W64", "PCM_24"),
                                         ("RF64", "PCM_16"), ("WAV", "FLOAT")])
def test_blocks_and_read_all_give_libsndfiles_floats(tmp_path, fmt, subtype):
    """Blocks (float64, any block size) and read_all (float32, one array) hold exactly what libsndfile
    decodes, for every PCM width and float."""
    x = np.clip(np.random.default_rng(3).standard_normal((20000, 2)) * 0.3, -1.0, 1.0)
    path = tmp_path / f"x.{fmt.lower()}"
    sf.write(path, x, 48000, format=fmt, subtype=subtype)
    src = audio.FileSource(path)
    ref64 = sf.read(path, dtype="float64", always_2d=True)[0]
    ref32 = sf.read(path, dtype="float32", always_2d=True)[0]
    np.testing.assert_array_equal(np.concatenate(list(src.blocks(7777))), ref64)
    np.testing.assert_array_equal(src.read_all(), ref32)
    assert src.read_all().dtype == np.float32


def test_write_flac_compression_level(tmp_path):
    """compression_level reaches libsndfile: FLAC at 1.0 is smaller than at 0.0, with the same samples."""
    x = np.clip(np.random.default_rng(5).standard_normal((48000, 2)) * 0.05, -1.0, 1.0)
    fast = audio.write(tmp_path / "fast.flac", x, 48000, subtype="PCM_16", compression_level=0.0)
    small = audio.write(tmp_path / "small.flac", x, 48000, subtype="PCM_16", compression_level=1.0)
    assert small.stat().st_size < fast.stat().st_size
    np.testing.assert_array_equal(sf.read(small)[0], sf.read(fast)[0])


def test_blocks_over_a_frame_range_and_read_range(tmp_path):
    x = np.random.default_rng(4).standard_normal((10000, 2)) * 0.1
    path = audio.write(tmp_path / "r.wav", x, 48000, subtype="FLOAT")
    src = audio.FileSource(path)
    ref = sf.read(path, dtype="float32", always_2d=True)[0]
    got = np.concatenate(list(src.blocks(777, start=1234, stop=8000, dtype="float32")))
    np.testing.assert_array_equal(got, ref[1234:8000])
    assert [b.shape[0] for b in src.blocks(3000, start=9000)] == [1000]  # stop defaults to the end
    np.testing.assert_array_equal(src.read_range(10, 20), ref[10:20])
    assert src.read_range(50, 50).shape == (0, 2)
