"""Writes the system refuses half-way, and a command stopped half-way: one line, non-zero exit, and
nothing left behind (no temporary file, no half-written file, no half of a set of outputs).

The refused writes are real ones: the CLI runs in a child process whose file-size limit
(``RLIMIT_FSIZE``, with ``SIGXFSZ`` ignored) makes the kernel refuse any write past it, as a full disk
would, through libsndfile as well as Python's own writes.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf

from masteraid.cli import main

from .signals import sine

resource = pytest.importorskip("resource")  # POSIX

RATE = 48000
#: The command line, as the installed ``masteraid`` script runs it.
_CLI = (sys.executable, "-c", "import sys; from masteraid.cli import run; sys.exit(run())")


def _run_limited(argv, limit_bytes: int, timeout: float = 120.0) -> subprocess.CompletedProcess:
    """``masteraid argv`` in a child process that may not write past ``limit_bytes`` into any file."""

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run([*_CLI, *argv], capture_output=True, text=True,
                          preexec_fn=limit, timeout=timeout)


def _stereo(seconds: float, level_db: float = -12.0) -> np.ndarray:
    x = sine(440.0, level_db, seconds, RATE, channels=1)[:, 0]
    return np.column_stack([x, 0.8 * x])


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_match_whose_second_copy_is_refused_leaves_no_copy(tmp_path):
    """The first matched copy (0.5 s, 192 kB as float) fits under the limit, the second (4 s) does not:
    before, a traceback (libsndfile's 'System error.') and the first copy left alone in the folder."""
    short, long_ = tmp_path / "short.wav", tmp_path / "long.wav"
    sf.write(short, _stereo(0.5), RATE, subtype="PCM_16")
    sf.write(long_, _stereo(4.0, -18.0), RATE, subtype="PCM_16")
    out = tmp_path / "ab"
    out.mkdir()
    r = _run_limited(["match", str(short), str(long_), "--out", str(out)], 512 * 1024)
    assert r.returncode == 1
    line = _one_line(r.stderr)
    assert "long - matched" in line and "could not be written" in line and "nothing was left there" in line
    assert list(out.iterdir()) == []


def test_master_whose_scratch_data_is_refused_names_the_folder(tmp_path):
    """The render's cache (beside the output) cannot grow: before, 'No space left on device (printing the
    results)', which pointed at the wrong thing."""
    raw = tmp_path / "raw.wav"
    sf.write(raw, _stereo(6.0), RATE, subtype="PCM_16")
    out = tmp_path / "out"
    out.mkdir()
    r = _run_limited(["master", str(raw), "--out", str(out / "m.wav")], 256 * 1024)
    assert r.returncode == 1
    line = _one_line(r.stderr)
    assert f"{out}: no room for MasterAid's scratch data" in line and "printing the results" not in line
    assert list(out.iterdir()) == []


def test_compare_report_is_both_files_or_neither(tmp_path, capsys, monkeypatch):
    """The JSON fails after the text was written: before, the text stayed alone in the report folder."""
    import masteraid.commands._common as common

    raw, pre = tmp_path / "raw.wav", tmp_path / "pre.wav"
    x = _stereo(3.0)
    sf.write(raw, x, RATE, subtype="PCM_24")
    sf.write(pre, np.tanh(2.0 * x) / 1.2, RATE, subtype="PCM_24")
    reports = tmp_path / "reports"
    reports.mkdir()
    real = common.write_report

    def json_refused(folder, filename, text):
        if filename.endswith(".json"):
            raise OSError(28, "No space left on device", str(folder / filename))
        return real(folder, filename, text)

    monkeypatch.setattr(common, "write_report", json_refused)
    assert main(["compare", str(raw), str(pre), "--report", str(reports)]) == 1
    line = _one_line(capsys.readouterr().err)
    assert "No space left on device" in line and "compare.json" in line
    assert list(reports.iterdir()) == []


def test_match_refuses_nan_and_inf_instead_of_copying_them(tmp_path, capsys):
    """Before: exit 0 and a float copy holding the 12 NaN/Inf samples (peak inf) for the listening test."""
    good, bad = tmp_path / "good.wav", tmp_path / "bad.wav"
    x = _stereo(2.0).astype(np.float32)
    sf.write(good, x, RATE, subtype="FLOAT")
    y = x.copy()
    y[1000:1005, 0] = np.nan
    y[5000, 1] = np.inf
    sf.write(bad, y, RATE, subtype="FLOAT")
    out = tmp_path / "ab"
    out.mkdir()
    assert main(["match", str(good), str(bad), "--out", str(out)]) == 1
    line = _one_line(capsys.readouterr().err)
    assert "bad.wav: the render has 6 NaN or infinite samples" in line
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("signame, code", [("SIGTERM", 143), ("SIGHUP", 129)])
def test_master_stopped_by_a_signal_cleans_up(tmp_path, signame, code):
    """``kill`` (or a closed terminal) while the master renders: before, the process died at once
    and left its ``.masteraid-cache-*`` folder and ``.masteraid-*.wav`` in the output folder."""
    raw = tmp_path / "raw.wav"
    rng = np.random.default_rng(1)
    sf.write(raw, (0.1 * rng.standard_normal((RATE * 240, 2))).astype(np.float32), RATE, subtype="FLOAT")
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen([*_CLI, "master", str(raw), "--out", str(out / "m.wav")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60.0
        while not any(p.name.startswith(".masteraid-cache-") for p in out.iterdir()):  # the render has begun
            assert proc.poll() is None and time.monotonic() < deadline, "the render never started"
            time.sleep(0.01)
        proc.send_signal(getattr(signal, signame))
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code
    assert _one_line(err) == f"masteraid: stopped ({signame})"
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("where", ["folder_made", "before_the_passes"])
def test_a_stop_right_after_the_scratch_folder_is_made_leaves_nothing(tmp_path, monkeypatch, where):
    """A stop handled the moment the ``.masteraid-cache-*`` folder exists: inside the call that makes it,
    or between the scratch files and the render's passes. Before, both left the folder behind (the CI
    run of the signal test above once hit the window)."""
    import os

    from masteraid.chain import render as render_mod
    from masteraid.chain.design import design_chain
    from masteraid.analysis import analyze

    raw = tmp_path / "raw.wav"
    sf.write(raw, sine(1000.0, -12.0, 2.0, RATE), RATE, subtype="PCM_24")
    spec = design_chain(analyze(raw))
    out = tmp_path / "out"
    out.mkdir()
    if where == "folder_made":
        real_mkdir = os.mkdir

        def mkdir_then_stop(path, *args, **kwargs):
            real_mkdir(path, *args, **kwargs)
            if ".masteraid-cache-" in os.fspath(path):
                raise KeyboardInterrupt

        monkeypatch.setattr(os, "mkdir", mkdir_then_stop)
    else:
        def stop(*args, **kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr(render_mod, "_Summary", stop)
    with pytest.raises(KeyboardInterrupt):
        render_mod.render_chain(raw, spec, out / "m.wav")
    assert list(out.iterdir()) == []


def test_stop_signal_handlers_are_restored_after_the_command(tmp_path):
    before = signal.getsignal(signal.SIGTERM)
    wav = tmp_path / "mix.wav"
    sf.write(wav, _stereo(1.0), RATE)
    assert main(["audit", str(wav)]) == 0
    assert signal.getsignal(signal.SIGTERM) is before
