"""Bad input, through the library (a specific exception) and through the CLI (exit 1, one line).

Every case here is a file a mixer could really hand over: a wrong path, a folder, a text file
renamed .wav, a half-copied render, an empty render, a multichannel stem bundle.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import soundfile as sf

from masteraid import audio
from masteraid.cli import main
from masteraid.errors import AudioFileError, InvalidAudioError, MasterAidError

from .signals import sine, white_noise

RATE = 44100


def _wav_bytes(tmp_path, fmt="WAV", subtype="PCM_16", suffix=".wav", seconds=1.0):
    p = tmp_path / f"full{suffix}"
    sf.write(p, sine(440.0, -6.0, seconds, RATE), RATE, format=fmt, subtype=subtype)
    data = p.read_bytes()
    p.unlink()
    return data


def missing(tmp_path):
    return tmp_path / "no such render.wav"


def folder(tmp_path):
    d = tmp_path / "renders.wav"
    d.mkdir()
    return d


def text_as_wav(tmp_path):
    p = tmp_path / "notes.wav"
    p.write_text("this is a text file, not a render\n" * 20)
    return p


def riff_then_garbage(tmp_path):
    # a valid-looking RIFF/WAVE header, then random bytes instead of fmt/data chunks
    p = tmp_path / "corrupt.wav"
    body = np.random.default_rng(1).bytes(4000)
    p.write_bytes(b"RIFF" + (len(body) + 4).to_bytes(4, "little") + b"WAVE" + body)
    return p


def flac_header_then_garbage(tmp_path):
    data = _wav_bytes(tmp_path, "FLAC", "PCM_16", ".flac")
    p = tmp_path / "corrupt.flac"
    p.write_bytes(data[:200] + np.random.default_rng(2).bytes(len(data) - 200))
    return p


def truncated_wav(tmp_path):
    data = _wav_bytes(tmp_path)
    p = tmp_path / "half copied.wav"
    p.write_bytes(data[: len(data) // 2])
    return p


def truncated_aiff(tmp_path):
    data = _wav_bytes(tmp_path, "AIFF", "PCM_24", ".aiff")
    p = tmp_path / "half copied.aiff"
    p.write_bytes(data[: len(data) // 2])
    return p


def truncated_rf64(tmp_path):
    data = _wav_bytes(tmp_path, "RF64", "PCM_24", ".wav")
    p = tmp_path / "half copied rf64.wav"
    p.write_bytes(data[: len(data) // 2])
    return p


def truncated_flac(tmp_path):
    data = _wav_bytes(tmp_path, "FLAC", "PCM_16", ".flac", seconds=2.0)
    p = tmp_path / "half copied.flac"
    p.write_bytes(data[: len(data) // 2])
    return p


def _ogg_bytes(tmp_path, subtype="VORBIS", suffix=".ogg", seconds=3.0):
    """An Ogg file libsndfile wrote (noise, so that it holds many pages; 48 kHz, which Opus needs)."""
    p = tmp_path / f"full{suffix}"
    sf.write(p, white_noise(-20.0, seconds, 48000), 48000, format="OGG", subtype=subtype)
    data = p.read_bytes()
    p.unlink()
    return data


def truncated_vorbis(tmp_path):
    """An interrupted copy of an Ogg Vorbis file: libsndfile opens it as a shorter, whole-looking file."""
    data = _ogg_bytes(tmp_path)
    p = tmp_path / "half copied.ogg"
    p.write_bytes(data[: len(data) * 6 // 10])
    return p


def truncated_opus(tmp_path):
    data = _ogg_bytes(tmp_path, "OPUS", ".opus")
    p = tmp_path / "half copied.opus"
    p.write_bytes(data[: len(data) * 6 // 10])
    return p


def vorbis_cut_between_pages(tmp_path):
    """Cut exactly before its last page: every page there is whole, none says end of stream."""
    data = _ogg_bytes(tmp_path)
    p = tmp_path / "cut between pages.ogg"
    p.write_bytes(data[: data.rindex(b"OggS")])
    return p


def zero_frames(tmp_path):
    p = tmp_path / "empty.wav"
    sf.write(p, np.zeros((0, 2)), RATE)
    return p


def nine_channels(tmp_path):
    p = tmp_path / "stems.wav"
    sf.write(p, np.zeros((1000, 9)) + 0.1, RATE)
    return p


def low_rate(tmp_path):
    p = tmp_path / "phone.wav"
    sf.write(p, sine(440.0, -6.0, 0.5, 4000), 4000)
    return p


def damaged_rate(tmp_path):
    """A 0.1 s WAV whose header claims 2 GHz (reading it as such sized filters in gigabytes)."""
    import struct

    p = tmp_path / "damaged header.wav"
    sf.write(p, sine(440.0, -6.0, 0.1, RATE), RATE, subtype="PCM_16")
    data = bytearray(p.read_bytes())
    at = data.index(b"fmt ") + 8
    struct.pack_into("<II", data, at + 4, 2_000_000_000, 0xFFFFFFFF)  # rate, byte rate (too big to hold)
    p.write_bytes(bytes(data))
    return p


# (maker, exception raised when opening, message pattern) — the header is enough to refuse these
AT_OPEN = [
    (missing, AudioFileError, r"no such file — check the path"),
    (folder, AudioFileError, r"is a folder, not an audio file"),
    (text_as_wav, AudioFileError, r"notes\.wav: not an audio file .*export WAV, AIFF or FLAC"),
    (riff_then_garbage, AudioFileError, r"corrupt\.wav: not an audio file"),
    (truncated_wav, AudioFileError, r"half copied\.wav: the file is truncated"),
    (truncated_aiff, AudioFileError, r"half copied\.aiff: the file is truncated"),
    (truncated_rf64, AudioFileError, r"half copied rf64\.wav: the file is truncated"),
    (truncated_vorbis, AudioFileError, r"half copied\.ogg: the file is truncated: its Ogg stream stops before its end"),
    (truncated_opus, AudioFileError, r"half copied\.opus: the file is truncated: its Ogg stream stops before its end"),
    (vorbis_cut_between_pages, AudioFileError, r"cut between pages\.ogg: the file is truncated"),
    (zero_frames, InvalidAudioError, r"empty\.wav: the file has no audio \(0 frames\)"),
    (nine_channels, InvalidAudioError, r"stems\.wav: 9 channels; MasterAid measures up to 8"),
    (low_rate, InvalidAudioError, r"sample rate 4000 Hz is too low"),
    (damaged_rate, InvalidAudioError, r"damaged header\.wav: sample rate 2000000000 Hz is above the 768000 Hz"),
]


@pytest.mark.parametrize("make, exc, pattern", AT_OPEN, ids=[m.__name__ for m, _, _ in AT_OPEN])
def test_library_refuses_at_open(tmp_path, make, exc, pattern):
    path = make(tmp_path)
    with pytest.raises(exc, match=pattern):
        audio.FileSource(path)
    with pytest.raises(exc, match=pattern):
        audio.read(path)


# FLAC's header (STREAMINFO) is intact in these, so the damage is found only when decoding reaches it
AT_READ = [
    (truncated_flac, r"half copied\.flac: the file is corrupt or truncated between \d+\.\d and \d+\.\d s \(of 2\.0 s\)"),
    (flac_header_then_garbage, r"corrupt\.flac: the file is corrupt or truncated between 0\.0 and \d+\.\d s"),
]


@pytest.mark.parametrize("make, pattern", AT_READ, ids=[m.__name__ for m, _ in AT_READ])
def test_library_refuses_while_reading(tmp_path, make, pattern):
    src = audio.FileSource(make(tmp_path))
    with pytest.raises(AudioFileError, match=pattern):
        for _ in src.blocks(4096):
            pass


@pytest.mark.parametrize("how", ["blocks", "read_all"])
def test_an_mp3_cut_in_half_says_how_much_is_there(tmp_path, how):
    """libsndfile's MP3 header (Xing) keeps the frame count: the read comes up short, said in frames and
    seconds. A lossy decoder comes up short the same way on damage in the middle, so it does not say
    "truncated"."""
    p = tmp_path / "whole.mp3"
    sf.write(p, white_noise(-20.0, 10.0, RATE), RATE, format="MP3")
    data = p.read_bytes()
    p = tmp_path / "cut.mp3"
    p.write_bytes(data[: len(data) // 2])
    src = audio.FileSource(p)
    assert src.info.frames == 10 * RATE
    with pytest.raises(AudioFileError) as info:
        if how == "blocks":
            list(src.blocks(RATE))
        else:
            src.read_all()
    m = re.fullmatch(r"cut\.mp3: the file is damaged or cut short: the header says 441000 frames \(10\.0 s\), only (\d+) "
                     r"could be decoded \((\d+\.\d) s\) — ask for a new copy, or render it again", str(info.value))
    assert m, str(info.value)
    assert 4.0 <= int(m.group(1)) / RATE <= 6.0 and abs(float(m.group(2)) - int(m.group(1)) / RATE) < 0.051


@pytest.mark.parametrize("how", ["blocks", "read_all"])
def test_a_cut_flac_says_where_to_the_second(tmp_path, how):
    """Cut at half its bytes (the block read spans the whole file): the error narrows it to one second,
    around the middle of the 10 s."""
    data = _wav_bytes(tmp_path, "FLAC", "PCM_16", ".flac", seconds=10.0)
    p = tmp_path / "cut.flac"
    p.write_bytes(data[: len(data) // 2])
    src = audio.FileSource(p)
    with pytest.raises(AudioFileError) as info:
        if how == "blocks":
            list(src.blocks(src.info.frames))
        else:
            src.read_all()
    m = re.search(r"between (\d+\.\d) and (\d+\.\d) s \(of 10\.0 s\)", str(info.value))
    assert m, str(info.value)
    a, b = float(m.group(1)), float(m.group(2))
    assert 0 < b - a <= 1.0 and 3.0 <= a <= 6.0, (a, b)


def test_errors_are_one_line_masteraid_errors(tmp_path):
    for i, (make, _, _) in enumerate(AT_OPEN):
        d = tmp_path / str(i)
        d.mkdir()
        with pytest.raises(MasterAidError) as info:
            audio.FileSource(make(d))
        assert "\n" not in str(info.value) and len(str(info.value)) < 300


def test_array_source_refuses_bad_shapes():
    with pytest.raises(InvalidAudioError, match=r"shape \(2, 3, 4\)"):
        audio.ArraySource(np.zeros((2, 3, 4)), RATE)
    with pytest.raises(InvalidAudioError, match="0 frames"):
        audio.ArraySource(np.zeros((0, 2)), RATE)
    with pytest.raises(InvalidAudioError, match="9 channels"):
        audio.ArraySource(np.zeros((10, 9)), RATE)


def test_open_source_refuses_other_types():
    with pytest.raises(TypeError, match="expected a file path or a Source"):
        audio.open_source(42)


# ------------------------------------------------------------------------------------------ CLI


def _one_line_error(capsys, pattern):
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("masteraid: error: ")
    assert "Traceback" not in err
    assert re.search(pattern, lines[0]), lines[0]
    assert out == ""


@pytest.mark.parametrize("make, exc, pattern", AT_OPEN, ids=[m.__name__ for m, _, _ in AT_OPEN])
@pytest.mark.parametrize("flags", [[], ["--json"]], ids=["text", "json"])
def test_cli_audit_bad_input_exits_1_with_one_line(tmp_path, capsys, make, exc, pattern, flags):
    path = make(tmp_path)
    assert main(["audit", str(path), *flags]) == 1
    _one_line_error(capsys, pattern)


@pytest.mark.parametrize("make, pattern", AT_READ, ids=[m.__name__ for m, _ in AT_READ])
def test_cli_audit_damaged_flac_exits_1(tmp_path, capsys, make, pattern):
    assert main(["audit", str(make(tmp_path)), "--json"]) == 1
    _one_line_error(capsys, pattern)


def test_cli_missing_report_folder_is_checked_first(tmp_path, capsys):
    # the report folder is checked before the file is even opened (nothing is measured in vain)
    assert main(["audit", str(missing(tmp_path)), "--report", str(tmp_path / "no folder")]) == 1
    _one_line_error(capsys, r"no folder: report folder does not exist")


def test_cli_usage_errors_exit_2(capsys):
    assert main(["audit"]) == 2
    assert main(["audit", "x.wav", "--no-such-flag"]) == 2
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "usage:" in err


def _refuse_writes_in(monkeypatch, folder):
    """As a folder without write permission behaves (root ignores the mode bits, so they cannot be used)."""
    import tempfile

    real = tempfile.TemporaryFile

    def temporary_file(*args, dir=None, **kwargs):
        if dir is not None and str(dir) == str(folder):
            raise PermissionError(13, "Permission denied", str(folder))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(audio.tempfile, "TemporaryFile", temporary_file)


@pytest.mark.parametrize("command", ["audit", "compare", "match", "master", "master_chain", "demo"])
def test_cli_unwritable_output_folder_is_checked_first(tmp_path, capsys, monkeypatch, command):
    """Every command that writes checks its folders before any work: one line, exit 1, nothing written
    (a master whose chain spec cannot be written is not left behind either)."""
    wav = tmp_path / "mix.wav"
    sf.write(wav, sine(440.0, -12.0, 3.0, RATE), RATE, subtype="PCM_24")
    locked = tmp_path / "locked"
    locked.mkdir()
    _refuse_writes_in(monkeypatch, locked)
    argv = {
        "audit": ["audit", str(wav), "--report", str(locked)],
        "compare": ["compare", str(wav), str(wav), "--report", str(locked)],
        "match": ["match", str(wav), str(wav), "--out", str(locked)],
        "master": ["master", str(wav), "--out", str(locked / "m.wav")],
        "master_chain": ["master", str(wav), "--out", str(tmp_path / "m.wav"), "--chain", str(locked / "m.json")],
        "demo": ["demo", "--out", str(locked)],
    }[command]
    before = sorted(tmp_path.rglob("*"))
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "locked: cannot write in this" in err and "Permission denied" in err
    assert sorted(tmp_path.rglob("*")) == before


def test_master_whose_chain_spec_fails_leaves_no_master(tmp_path, capsys, monkeypatch):
    """The disk fills up between the master and its spec: the error is one line, and this run's master
    is removed with the spec (no result half done)."""
    import masteraid.chain.master as master_mod

    wav = tmp_path / "mix.wav"
    sf.write(wav, sine(440.0, -12.0, 3.0, RATE), RATE, subtype="PCM_24")

    def full_disk(path, text):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(master_mod, "write_text", full_disk)
    assert main(["master", str(wav), "--out", str(tmp_path / "m.wav")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "m.chain.json" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mix.wav"]


def test_cli_closed_stdout_is_one_line(capsys, monkeypatch, tmp_path):
    wav = tmp_path / "mix.wav"
    sf.write(wav, sine(440.0, -12.0, 1.0, RATE), RATE)
    monkeypatch.setattr("sys.stdout", None)
    assert main(["audit", str(wav)]) == 1
    assert capsys.readouterr().err.count("\n") == 1


def test_a_file_the_mp3_decoder_rejects_is_not_called_missing(tmp_path):
    p = tmp_path / "fake.mp3"
    p.write_bytes(b"ID3" + bytes(range(256)) * 8)
    with pytest.raises(AudioFileError, match=r"fake\.mp3: not an audio file MasterAid can read") as info:
        audio.FileSource(p)
    assert "does not exist" not in str(info.value)


@pytest.mark.parametrize("value, pattern", [("", r"an empty output folder name"), ("mix.wav", r"mix\.wav: is not a folder")])
def test_cli_output_folder_that_is_a_file_or_empty(tmp_path, capsys, monkeypatch, value, pattern):
    wav = tmp_path / "mix.wav"
    sf.write(wav, sine(440.0, -12.0, 1.0, RATE), RATE)
    monkeypatch.chdir(tmp_path)
    before = wav.read_bytes()
    assert main(["match", str(wav), str(wav), "--out", value]) == 1
    _one_line_error(capsys, pattern)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mix.wav"] and wav.read_bytes() == before


def test_cli_failing_stdout_is_one_line_naming_it(tmp_path, capsys, monkeypatch):
    """A full disk under stdout (``> /dev/full``): an OSError without a file name."""
    import masteraid.commands.audit as audit_cmd

    wav = tmp_path / "mix.wav"
    sf.write(wav, sine(440.0, -12.0, 1.0, RATE), RATE)

    def full(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(audit_cmd, "print_json", full)
    assert main(["audit", str(wav), "--json"]) == 1
    _one_line_error(capsys, r"No space left on device \(printing the results\)")


def test_master_refuses_a_float_render_far_over_full_scale(tmp_path, capsys):
    """Samples around 1e30 (a plug-in blew up): refused like NaN, not mastered (its squares overflow)."""
    x = sine(440.0, -12.0, 2.0, RATE) * 1e30
    wav = tmp_path / "blown.wav"
    sf.write(wav, x.astype(np.float32), RATE, subtype="FLOAT")
    assert main(["master", str(wav), "--out", str(tmp_path / "m.wav")]) == 1
    _one_line_error(capsys, r"blown\.wav: the raw peaks at \+588 dBFS, over 40 dB above full scale")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blown.wav"]


def test_master_names_a_blown_up_pretreat(tmp_path, capsys):
    """Ten samples at 1e30 in the pre-treat: the master names them (the compare used to fail first,
    calling the pair 'not the same mix'), and writes nothing."""
    x = sine(440.0, -12.0, 3.0, RATE) * (1 + 0.5 * sine(3.0, 0.0, 3.0, RATE))  # a varying level to line up
    y = (x * 2.0).astype(np.float32)
    y[RATE : RATE + 10] *= np.float32(1e30)
    raw, pre = tmp_path / "raw.wav", tmp_path / "pre.wav"
    sf.write(raw, x.astype(np.float32), RATE, subtype="FLOAT")
    sf.write(pre, y, RATE, subtype="FLOAT")
    assert main(["master", str(raw), "--reference", str(pre), "--out", str(tmp_path / "m.wav")]) == 1
    _one_line_error(capsys, r"pre\.wav: the pre-treat peaks at \+5[89]\d dBFS, over 40 dB above full scale")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pre.wav", "raw.wav"]


# ------------------------------------------------------------------------------------ Ogg's end


@pytest.mark.parametrize("subtype, suffix", [("VORBIS", ".ogg"), ("OPUS", ".opus")])
def test_a_whole_ogg_file_ends_its_stream_and_opens(tmp_path, subtype, suffix):
    data = _ogg_bytes(tmp_path, subtype, suffix)
    assert audio._ogg_end(data) == "eos"
    p = tmp_path / f"whole{suffix}"
    p.write_bytes(data)
    assert audio.FileSource(p).info.frames == 3 * 48000


def test_every_cut_near_an_ogg_files_end_is_seen(tmp_path):
    """Cut anywhere in the last pages (inside a header, its lacing values or a body): never read as a
    stream that ended; cut between pages, whole pages without the end-of-stream flag."""
    data = _ogg_bytes(tmp_path)
    last = data.rindex(b"OggS")
    cuts = [len(data) - k for k in range(1, 600)] + [last + k for k in range(1, 40)] + [last - k for k in range(1, 40)]
    assert {audio._ogg_end(data[:c]) for c in cuts} == {"cut"}
    assert audio._ogg_end(data[:last]) == "open"


def test_ogg_end_without_pages_claims_nothing():
    assert audio._ogg_end(b"") is None
    assert audio._ogg_end(b"no pages here, OggS\x01 not version 0" * 10) is None
