"""The MP3 decoder's own lines (libmpg123 prints one per bad frame of a damaged file, straight to the
process's descriptor 2) are held back from the command line's standard error: a failing command shows
its one line alone, one that goes on ends with a single note. Real damaged MP3s, decoded by the real
libsndfile, in child processes (the filter works on the process's descriptors)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from masteraid._decoder_noise import is_decoder_line

from .signals import sine

RATE = 44100
#: The command line, as the installed ``masteraid`` script runs it.
_CLI = (sys.executable, "-c", "import sys; from masteraid.cli import run; sys.exit(run())")
#: Decode a file in a bare child process and print how many frames came out.
_DECODE = "import sys, soundfile as sf; print(len(sf.read(sys.argv[1])[0]))"


@pytest.mark.parametrize("line", [
    b"[src/libmpg123/layer3.c:INT123_do_layer3():1804] error: dequantization failed!",
    b"[src/libmpg123/layer3.c:III_get_side_info():247] error: Blocktype == 0 and window-switching == 1 not allowed.",
    b"[layer3.c:INT123_do_layer3():1749] error: bad frame - unable to get valid sideinfo",
    b"Note: Illegal Audio-MPEG-Header 0xff049064 at offset 20942.",
    b"Note: Trying to resync...",
    b"Warning: Xing stream size off by more than 1%, fuzzy seeking may be even more fuzzy than by design!",
])
def test_libmpg123_lines_are_recognised(line):
    assert is_decoder_line(line)


@pytest.mark.parametrize("line", [
    b"masteraid: error: bad.mp3: the file is damaged or cut short: the header says 220500 frames (5.0 s), only 220079 "
    b"could be decoded (5.0 s)",
    b"Traceback (most recent call last):",
    b"\rmeasuring                 42.0%",
    b"masteraid.chain.render: true peak -0.98 dBTP over the ceiling",
    b"",
])
def test_other_lines_are_not(line):
    assert not is_decoder_line(line)


def test_filter_keeps_other_writes_to_descriptor_2_and_counts_the_decoders():
    """C code writing to descriptor 2 (as libmpg123 does) next to Python's own stderr: only the decoder's
    lines go; a last line without a newline still comes out."""
    code = (
        "import os, sys\n"
        "from masteraid._decoder_noise import filtered_stderr\n"
        "with filtered_stderr() as noise:\n"
        "    os.write(2, b'[src/libmpg123/layer3.c:INT123_do_layer3():1804] error: dequantization failed!\\n')\n"
        "    os.write(2, b'another library: kept\\nNote: Trying to resync...\\n')\n"
        "    print('from python', file=sys.stderr)\n"
        "    os.write(2, b'no newline at the end')\n"
        "print(noise.count)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "2"
    assert sorted(r.stderr.splitlines()) == ["another library: kept", "from python", "no newline at the end"]


def test_without_a_descriptor_2_nothing_changes():
    code = (
        "import io, sys\n"
        "from masteraid._decoder_noise import filtered_stderr\n"
        "sys.stderr = io.StringIO()\n"
        "with filtered_stderr() as noise:\n"
        "    pass\n"
        "print(noise)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "None", r.stderr


def _damaged_mp3(tmp_path, name: str, start: int, span: int) -> tuple:
    """A 5 s stereo MP3 written by libsndfile, every 7th byte of ``[start, start + span)`` inverted; the frame
    count and the decoder's lines of a plain decode in a child process."""
    clean = tmp_path / "clean.mp3"
    if not clean.exists():
        sf.write(clean, sine(440.0, -6.0, 5.0, RATE), RATE, format="MP3")
    data = bytearray(clean.read_bytes())
    for i in range(start, min(start + span, len(data)), 7):
        data[i] ^= 0xFF
    path = tmp_path / name
    path.write_bytes(bytes(data))
    r = subprocess.run([sys.executable, "-c", _DECODE, str(path)], capture_output=True, text=True, timeout=60)
    noise = [ln for ln in r.stderr.splitlines() if is_decoder_line(ln.encode())]
    return path, r, noise


def test_a_failing_command_on_a_damaged_mp3_prints_its_one_line_alone(tmp_path):
    path, plain, noise = _damaged_mp3(tmp_path, "bad.mp3", 2000, 60000)
    assert noise, "the damaged file should make the decoder complain (else this test proves nothing)"
    r = subprocess.run([*_CLI, "audit", str(path)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("masteraid: error: bad.mp3: the file is damaged or cut short: "), r.stderr
    # damage in the middle is not called a truncation (the file's bytes are all there)
    assert "truncated" not in lines[0] and lines[0].endswith("— ask for a new copy, or render it again"), lines[0]


def test_a_command_that_goes_on_ends_with_one_note(tmp_path):
    """Damage the decoder patches over (every frame still comes out): the audit runs, and one note
    replaces the decoder's lines."""
    n = int(round(5.0 * RATE))
    for start in range(2000, 22000, 500):  # find damage that makes it complain without losing frames
        path, plain, noise = _damaged_mp3(tmp_path, f"bad{start}.mp3", start, 400)
        if noise and plain.returncode == 0 and int(plain.stdout) >= n:
            break
    else:
        pytest.fail("no damage the decoder patches over was found")
    r = subprocess.run([*_CLI, "audit", str(path), "--json"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("masteraid: note: the MP3 decoder found damaged data in the input ")
    assert f"({len(noise)} message" in lines[0]
    assert np.isfinite(__import__("json").loads(r.stdout)["loudness"]["integrated_lufs"])
