"""``masteraid compare`` and ``masteraid match`` through main([...])."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from masteraid.audio import write
from masteraid.cli import main

from .compare.processing import apply_ba, delay, shelf_ba
from .signals import music_like

RATE = 48000
EXAMPLES = Path(__file__).resolve().parents[1] / "masteraid" / "examples"


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    d = tmp_path_factory.mktemp("renders")
    raw = music_like(8.0, RATE, seed=21)
    b, a = shelf_ba(100, 3.0, RATE, "low")
    pre = delay(np.clip(apply_ba(raw, b, a) * 4.0, -0.99, 0.99), 200)
    return (write(d / "song - raw.wav", raw, RATE), write(d / "song - pretreat.wav", pre, RATE, subtype="FLOAT"))


def test_compare_json(pair, capsys):
    assert main(["compare", str(pair[0]), str(pair[1]), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["alignment"] == {**doc["alignment"], "latency_samples": 200, "polarity_inverted": False}
    assert doc["loudness"]["delta_lu"] > 8
    assert len(doc["tonal"]["bands_hz"]) == len(doc["tonal"]["change_db"]) == len(doc["tonal"]["confidence"]) == 28
    assert doc["dynamics"]["gain_reduction_db"]["p95"] > 0.5  # 12 dB into a hard clipper: the loudest frames lose level
    assert doc["distortion"]["clipped_samples_added"] > 0
    assert "side_to_mid_delta_db" in doc["stereo"]
    assert [e["name"] for e in doc["match"]["entries"]] == ["raw", "pretreat"]
    assert {p["platform"] for p in doc["streaming"]["pretreat"]} >= {"spotify_normal", "youtube", "tidal"}
    codes = {f["code"] for f in doc["findings"]}
    assert {"latency", "clipping_added", "loudness_change"} <= codes


def test_compare_text_and_report_never_overwrites(pair, tmp_path, capsys):
    assert main(["compare", str(pair[0]), str(pair[1]), "--report", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("MasterAid compare") and "Findings" in out
    assert main(["compare", str(pair[0]), str(pair[1]), "--report", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["song - raw - compare (2).html", "song - raw - compare (2).json", "song - raw - compare (2).txt",
                     "song - raw - compare.html", "song - raw - compare.json", "song - raw - compare.txt"]


def test_compare_bad_input(pair, tmp_path, capsys):
    other = write(tmp_path / "other.wav", np.random.default_rng(1).standard_normal((RATE * 8, 2)) * 0.1, RATE)
    assert main(["compare", str(pair[0]), str(other)]) == 1
    assert "do not line up" in capsys.readouterr().err
    assert main(["compare", str(pair[0]), str(tmp_path / "missing.wav")]) == 1
    assert main(["compare", str(pair[0]), str(pair[1]), "--report", str(tmp_path / "nope")]) == 1


def test_match_names_tell_same_named_renders_apart(pair, tmp_path, capsys):
    """Two versions called song.wav in two folders (and a FLAC of one beside it): each copy's name says
    which render it is (they were all 'song - matched ...', told apart only by '(2)')."""
    x, _ = sf.read(str(pair[0]))
    y, _ = sf.read(str(pair[1]))
    for folder in ("v1", "v2"):
        (tmp_path / folder).mkdir()
    a = write(tmp_path / "v1" / "song.wav", x, RATE)
    b = write(tmp_path / "v2" / "song.wav", y, RATE)
    c = write(tmp_path / "v2" / "song.flac", y, RATE)
    out = tmp_path / "ab"
    out.mkdir()
    assert main(["match", str(a), str(b), str(c), "--out", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    names = [Path(e["written"]).name for e in doc["entries"]]
    assert [n.split(" - matched ")[0] for n in names] == ["v1 - song.wav", "v2 - song.wav", "v2 - song.flac"]
    assert sorted(p.name for p in out.iterdir()) == sorted(names)


def test_match_writes_float_copies_and_prints_gains(pair, tmp_path, capsys):
    assert main(["match", str(pair[0]), str(pair[1]), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "dB" in out and "matched by integrated loudness" in out
    files = sorted(tmp_path.glob("*.wav"))
    assert len(files) == 2 and all(" - matched " in f.name for f in files)
    for f in files:
        assert sf.info(str(f)).subtype == "FLOAT"
    # the copies measure equally loud
    from masteraid.analysis import analyze

    a, b = (analyze(f).loudness.integrated_lufs for f in files)
    assert a == pytest.approx(b, abs=0.05)
    assert main(["match", str(pair[0]), str(pair[1]), "--out", str(tmp_path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema_version"] >= 1 and doc["kind"] == "match"  # as every JSON document
    assert len(list(tmp_path.glob("*.wav"))) == 4  # new names, nothing overwritten
    assert all(Path(e["written"]).exists() for e in doc["entries"])


def test_match_usage_errors(pair, tmp_path, capsys):
    assert main(["match", str(pair[0]), "--out", str(tmp_path)]) == 1
    assert "two or more" in capsys.readouterr().err
    assert main(["match", str(pair[0]), str(pair[1]), "--out", str(tmp_path / "nope")]) == 1
    assert main(["match", str(pair[0]), str(pair[1]), "--out", str(tmp_path), "--start", "5", "--end", "2"]) == 1
    capsys.readouterr()
    for flag, value in (("--start", "-1"), ("--end", "inf"), ("--start", "nan")):
        assert main(["match", str(pair[0]), str(pair[1]), "--out", str(tmp_path), flag, value]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"{flag} {value} s: give a time in seconds" in err
    assert not list(tmp_path.glob("*.wav"))


@pytest.mark.skipif(not (EXAMPLES / "example_raw.flac").exists(), reason="bundled example not built")
def test_bundled_example_recovers_its_documented_chain(capsys):
    # masteraid/examples/README.md: +3 dB high shelf at 8 kHz, +2 dB low shelf at 100 Hz, 4:1 compressor,
    # limiter + clipper at -0.1 dBFS, 64 samples of latency; about -8.7 vs -19.1 LUFS.
    assert main(["compare", str(EXAMPLES / "example_raw.flac"), str(EXAMPLES / "example_pretreat.flac"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["alignment"]["latency_samples"] == 64
    assert doc["loudness"]["delta_lu"] == pytest.approx(10.3, abs=0.5)
    bands = dict(zip(doc["tonal"]["bands_hz"], doc["tonal"]["change_db"]))
    assert bands[16000] == pytest.approx(3.0, abs=1.0) and bands[31.5] > 1.0  # both shelves seen
    assert abs(bands[1000]) < 1.0
    assert doc["dynamics"]["gain_reduction_db"]["mean"] > 2.0


def test_compare_label_names_the_second_render_everywhere(pair, tmp_path, capsys):
    """``--label master``: a raw compared with its master reads "the master" in every finding, the text
    report, the JSON and the page, never "pre-treat"; the numbers are the default run's."""
    assert main(["compare", str(pair[0]), str(pair[1]), "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main(["compare", str(pair[0]), str(pair[1]), "--label", "master", "--json", "--report", str(tmp_path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert plain["label"] == "pre-treat" and doc["label"] == "master"
    assert doc["loudness"] == plain["loudness"] and doc["alignment"] == plain["alignment"]
    assert [f["code"] for f in doc["findings"]] == [f["code"] for f in plain["findings"]]
    by_code = {f["code"]: f["message"] for f in doc["findings"]}
    assert by_code["latency"].startswith("The master is 200 samples")
    assert by_code["loudness_change"].startswith(f"The master is {plain['loudness']['delta_lu']:.1f} LU louder")
    assert "runs in the master)" in by_code["clipping_added"]
    assert "The master is" in by_code["louder_normalized_away"]
    assert not [m for m in by_code.values() if "pre-treat" in m]
    # the default run says pre-treat where this one says master, and only there
    for f in plain["findings"]:
        assert f["message"].replace("pre-treat", "master") == by_code[f["code"]]

    text = (tmp_path / "song - raw - compare.txt").read_text()
    page = (tmp_path / "song - raw - compare.html").read_text()
    assert "pre-treat" not in text and "pre-treat" not in page
    lines = text.splitlines()
    assert "  master    : song - pretreat.wav (48000 Hz, 2 ch, 8.00 s)" in lines
    header = next(s for s in lines if s.startswith("Loudness and dynamics"))
    row = next(s for s in lines if s.startswith("   integrated (LUFS)"))
    assert header.index("master") + len("master") == len(header) - len("   change")  # right-aligned over its column
    assert len(header) == len(row)
    assert "<h2>What the master did</h2>" in page and 'data-name="master"' in page


def test_compare_default_label_keeps_the_report_layout(pair, capsys):
    """The column heads end where their numbers end (pre-treat's stood one column to the right before)."""
    assert main(["compare", str(pair[0]), str(pair[1])]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = "Loudness and dynamics            raw   pre-treat   change"
    assert header in lines
    row = next(s for s in lines if s.startswith("   integrated (LUFS)"))
    assert len(row) == len(header)
    assert row[len(header) - 21 : len(header) - 9].strip() == row.split()[-2]  # the pre-treat column
    assert any(s.startswith("  pre-treat : song - pretreat.wav") for s in lines)


@pytest.mark.parametrize("label", ["", "   ", "two\nlines", "x" * 41])
def test_compare_bad_label_is_a_usage_error(pair, label, capsys):
    assert main(["compare", str(pair[0]), str(pair[1]), "--label", label]) == 2
    err = capsys.readouterr().err
    assert "--label" in err and "1 to 40 printable characters" in err and "Traceback" not in err
