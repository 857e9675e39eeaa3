"""The audit report (text and JSON document) and the ``masteraid audit`` command."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from masteraid import audit
from masteraid.audio import write
from masteraid.cli import main
from masteraid.report.audit import audit_document, render_audit_text
from masteraid.serialize import dumps

from .signals import music_like, sine
from .test_audit import clean

# ------------------------------------------------------------------ report on hand-built values


def test_text_report_has_verdict_findings_and_sections():
    m = clean(peaks={"true_peak_dbtp": 0.4})
    text = render_audit_text(m, audit.check(m))
    assert text.startswith("MasterAid audit: mix.wav\n") and text.endswith("\n")
    assert "Verdict  not ready: 1 error to look at" in text
    assert "ERROR   true_peak_over" in text
    for section in ("Loudness", "Peaks", "Dynamics", "Stereo", "Spectrum", "Start and end"):
        assert f"\n{section}" in text
    assert "-19.0 LUFS" in text and "+0.4 dBTP" in text
    assert max(len(line) for line in text.splitlines()) <= 100


def test_text_report_ready_and_silent():
    m = clean()
    assert "Verdict  ready for mastering" in render_audit_text(m, audit.check(m))
    ninf = -math.inf
    s = clean(loudness={"integrated_lufs": ninf, "max_momentary_lufs": ninf, "max_short_term_lufs": ninf,
                        "loudness_range_lu": math.nan},
              peaks={"sample_peak_dbfs": ninf, "true_peak_dbtp": ninf, "channel_true_peak_dbtp": (ninf, ninf)},
              dynamics={"plr_db": math.nan, "psr_db": math.nan})
    text = render_audit_text(s, audit.check(s))
    assert "-inf LUFS" in text and "n/a" in text and "nan" not in text.replace("n/a", "")


def test_json_document_shape_and_nulls():
    ninf = -math.inf
    m = clean(loudness={"integrated_lufs": ninf, "loudness_range_lu": math.nan})
    doc = json.loads(dumps(audit_document(m, audit.check(m))))
    assert doc["schema_version"] >= 1
    assert set(doc) >= {"file", "loudness", "peaks", "dynamics", "stereo", "spectrum", "edges", "findings"}
    assert doc["file"] == {"path": "/tmp/mix.wav", "sample_rate_hz": 48000, "channels": 2, "frames": 8640000,
                           "duration_s": 180.0, "format": "WAV", "subtype": "PCM_24", "bit_depth": 24,
                           "lossy": False}
    assert doc["loudness"]["integrated_lufs"] is None and doc["loudness"]["loudness_range_lu"] is None
    assert "momentary_lufs" not in doc["loudness"] and doc["loudness"]["series_included"] is False
    assert doc["findings"] == [{"severity": "error", "code": "silent", "message": doc["findings"][0]["message"],
                                "value": None, "unit": "LUFS"}]
    assert doc["summary"]["ready_for_mastering"] is False


def test_json_document_series_on_request():
    m = clean()
    doc = json.loads(dumps(audit_document(m, audit.check(m), include_series=True)))
    assert doc["loudness"]["momentary_lufs"] == [-20.0] * 10


# ------------------------------------------------------------------ the command, on real files

RATE = 48000


def _audit_json(capsys, path, *extra):
    code = main(["audit", str(path), "--json", *extra])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def _codes(doc):
    return [f["code"] for f in doc["findings"]]


def test_cli_json_of_a_sine(tmp_path, capsys):
    # EBU/BS.1770: a stereo 1 kHz sine at -23 dBFS peak reads -23.0 LUFS
    p = tmp_path / "sine.wav"
    write(p, sine(1000.0, -23.0, 5.0, RATE), RATE, subtype="FLOAT")
    code, doc, _ = _audit_json(capsys, p)
    assert code == 0
    assert doc["schema_version"] >= 1
    assert doc["file"]["path"] == str(p) and doc["file"]["sample_rate_hz"] == RATE
    assert doc["file"]["channels"] == 2 and doc["file"]["frames"] == 5 * RATE
    assert doc["file"]["duration_s"] == pytest.approx(5.0) and doc["file"]["format"] == "WAV"
    assert doc["file"]["subtype"] == "FLOAT"
    assert doc["loudness"]["integrated_lufs"] == pytest.approx(-23.0, abs=0.1)
    assert doc["peaks"]["sample_peak_dbfs"] == pytest.approx(-23.0, abs=0.01)
    assert doc["peaks"]["true_peak_dbtp"] == pytest.approx(-23.0, abs=0.1)
    assert doc["peaks"]["clipped_samples"] == 0
    assert doc["dynamics"]["crest_factor_db"] == pytest.approx(3.01, abs=0.05)
    assert doc["stereo"]["correlation"] == pytest.approx(1.0, abs=1e-6)
    assert "momentary_lufs" not in doc["loudness"] and "short_term_lufs" not in doc["loudness"]
    assert len(doc["spectrum"]["bands_hz"]) == len(doc["spectrum"]["band_levels_db"])
    assert {"leading_silence_s", "tail_cut"} <= set(doc["edges"])
    for f in doc["findings"]:
        assert set(f) == {"severity", "code", "message", "value", "unit"}


def test_cli_silence_is_null_and_one_finding(tmp_path, capsys):
    p = tmp_path / "silence.wav"
    write(p, np.zeros((3 * RATE, 2)), RATE)
    code, doc, _ = _audit_json(capsys, p)
    assert code == 0  # measured; findings only change the exit code with --strict
    assert doc["loudness"]["integrated_lufs"] is None
    assert doc["peaks"]["true_peak_dbtp"] is None and doc["peaks"]["sample_peak_dbfs"] is None
    assert _codes(doc) == ["silent"]
    assert main(["audit", str(p), "--strict"]) == 3
    capsys.readouterr()


def test_cli_strict_exit_codes(tmp_path, capsys):
    good = tmp_path / "good.wav"
    write(good, music_like(8.0, RATE, level_db=-24.0), RATE, subtype="FLOAT")
    code, doc, _ = _audit_json(capsys, good, "--strict")
    assert code == 0, _codes(doc)
    assert not any(f["severity"] == "error" for f in doc["findings"])
    loud = tmp_path / "clipped.wav"
    x = np.clip(music_like(8.0, RATE, level_db=-6.0), -1.0, 1.0)
    write(loud, x, RATE, subtype="PCM_24")
    code, doc, _ = _audit_json(capsys, loud, "--strict")
    assert code == 3
    assert "clipping" in _codes(doc) and "true_peak_over" in _codes(doc)
    assert main(["audit", str(loud)]) == 0  # without --strict the same file exits 0
    capsys.readouterr()


def test_cli_text_output_and_report_never_overwrites(tmp_path, capsys):
    p = tmp_path / "My Song.wav"
    write(p, music_like(6.0, RATE, level_db=-22.0), RATE)
    reports = tmp_path / "reports"
    reports.mkdir()
    assert main(["audit", str(p), "--report", str(reports)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("MasterAid audit: My Song.wav") and "Verdict" in out
    first = reports / "My Song - audit.txt"
    assert first.read_text(encoding="utf-8") == out
    first.write_text("edited by the engineer", encoding="utf-8")
    assert main(["audit", str(p), "--report", str(reports), "--json"]) == 0
    out, err = capsys.readouterr()
    json.loads(out)  # stdout stays pure JSON; the report note goes to stderr
    assert "My Song - audit (2).txt" in err
    assert first.read_text(encoding="utf-8") == "edited by the engineer"
    assert (reports / "My Song - audit (2).txt").read_text(encoding="utf-8").startswith("MasterAid audit")


def test_cli_short_file_loudness_undefined(tmp_path, capsys):
    p = tmp_path / "blip.wav"
    write(p, sine(1000.0, -12.0, 0.25, RATE), RATE)
    code, doc, _ = _audit_json(capsys, p)
    assert code == 0
    assert doc["loudness"]["integrated_lufs"] is None
    assert "loudness_undefined" in _codes(doc)


def test_cli_nan_samples(tmp_path, capsys):
    x = music_like(4.0, RATE, level_db=-22.0)
    x[1000:1010, 0] = np.nan
    x[5000, 1] = np.inf
    p = tmp_path / "blown.wav"
    write(p, x, RATE, subtype="FLOAT")
    code, doc, _ = _audit_json(capsys, p)
    assert code == 0
    assert doc["peaks"]["nonfinite_samples"] == 11
    f = [f for f in doc["findings"] if f["code"] == "nonfinite_samples"]
    assert f and f[0]["severity"] == "error" and f[0]["value"] == 11


def test_cli_format_findings(tmp_path, capsys):
    mp3 = tmp_path / "mix.mp3"
    import soundfile as sf

    sf.write(mp3, music_like(3.0, 44100, level_db=-22.0), 44100, format="MP3", subtype="MPEG_LAYER_III")
    code, doc, _ = _audit_json(capsys, mp3)
    assert code == 0 and "lossy_source" in _codes(doc)
    odd = tmp_path / "mix32k.wav"
    write(odd, music_like(3.0, 32000, level_db=-22.0), 32000)
    code, doc, _ = _audit_json(capsys, odd)
    assert "unusual_sample_rate" in _codes(doc)


def test_command_includes_series_only_when_asked(tmp_path, capsys):
    import argparse

    from masteraid.commands.audit import audit_command

    p = tmp_path / "s.wav"
    write(p, sine(1000.0, -23.0, 4.0, RATE), RATE)
    args = argparse.Namespace(file=str(p), json=True, report=None, strict=False, series=True)
    assert audit_command(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["loudness"]["series_included"] is True
    # momentary: one value every 0.1 s from 0.4 s to 4.0 s
    assert len(doc["loudness"]["momentary_lufs"]) == pytest.approx(37, abs=1)
    assert all(v == pytest.approx(-23.0, abs=0.1) for v in doc["loudness"]["momentary_lufs"])


def test_text_report_stays_narrow_with_eight_channels():
    ch8 = tuple(-12.3 - i for i in range(8))
    m = clean(info={"channels": 8}, peaks={"channel_true_peak_dbtp": ch8, "channel_sample_peak_dbfs": ch8,
                                           "dc_offset_dbfs": ch8})
    text = render_audit_text(m, audit.check(m))
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "8 -19.3" in text
