"""``masteraid master`` end to end on the bundled example pair."""

import json
from pathlib import Path

import pytest
import soundfile as sf

from masteraid.chain import ChainSpec
from masteraid.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "masteraid" / "examples"
RAW, PRE = EXAMPLES / "example_raw.flac", EXAMPLES / "example_pretreat.flac"


@pytest.fixture(scope="module")
def mastered(tmp_path_factory):
    d = tmp_path_factory.mktemp("master")
    out, chain = d / "m.wav", d / "m.json"
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(["master", str(RAW), "--reference", str(PRE), "--out", str(out), "--chain", str(chain), "--json"])
    return code, json.loads(buf.getvalue()), out, chain


def test_master_json_and_files(mastered):
    code, doc, out, chain = mastered
    assert code == 0
    ref = doc["reference"]
    m = doc["master"]
    assert m["integrated_lufs"] == pytest.approx(ref["integrated_lufs"], abs=0.1)  # as loud as the pre-treat
    assert m["true_peak_dbtp"] <= -1.0
    assert m["plr_db"] == pytest.approx(m["true_peak_dbtp"] - m["integrated_lufs"], abs=1e-9)
    assert m["clipped_samples"] == 0
    info = sf.info(str(out))
    assert info.subtype == "PCM_24" and info.format == "WAV"
    assert info.samplerate == sf.info(str(RAW)).samplerate and info.frames == sf.info(str(RAW)).frames
    spec = ChainSpec.from_json(chain.read_text())
    assert spec == ChainSpec.from_json(doc["spec"])
    assert len(spec.eq_bands) <= 6 and spec.limiter.ceiling_dbtp == -1.0


def test_master_says_where_it_would_keep_the_pretreats_plr(mastered, tmp_path, capsys):
    # The example's pre-treat peaks at +0.7 dBTP: its loudness under -1 dBTP costs the master PLR. The
    # advice names the target that keeps the pre-treat's PLR; mastering there really does (within 0.3 dB),
    # and every service in the preview turns both masters down to the same level (all target -11 LUFS or
    # lower).
    _, doc, _, _ = mastered
    ref, m, adv = doc["reference"], doc["master"], doc["plr_advice"]
    assert ref["true_peak_dbtp"] > -1.0
    assert adv["plr_deficit_db"] == pytest.approx(ref["plr_db"] - m["plr_db"], abs=1e-9) and adv["plr_deficit_db"] >= 1.0
    assert adv["suggested_target_lufs"] == pytest.approx(m["true_peak_dbtp"] - ref["plr_db"], abs=0.1)
    assert adv["services"] == 8 and len(adv["same_playback_on"]) == 8
    assert f"--target-lufs {adv['suggested_target_lufs']:.1f}" in adv["text"]
    out, chain = tmp_path / "lower.wav", tmp_path / "lower.json"
    assert main(["master", str(RAW), "--reference", str(PRE), "--out", str(out), "--chain", str(chain),
                 "--target-lufs", str(adv["suggested_target_lufs"])]) == 0
    text = capsys.readouterr().out
    plr = next(line for line in text.splitlines() if line.startswith("PLR")).split()
    assert float(plr[1]) == pytest.approx(ref["plr_db"], abs=0.3)  # master column; the pre-treat's next
    assert "keeps the pre-treat's PLR" not in text  # nothing left to advise
    # no pre-treat: nothing to compare the PLR with
    from masteraid.chain.master import master_files, plr_advice

    run = master_files(RAW, None, tmp_path / "alone.wav", tmp_path / "alone.json")
    assert plr_advice(run) is None


def test_master_never_overwrites(mastered, capsys):
    _, _, out, chain = mastered
    before = out.read_bytes()
    assert main(["master", str(RAW), "--out", str(out), "--chain", str(out.with_name("x.json"))]) == 1
    assert "never overwrites" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert main(["master", str(RAW), "--out", str(out.with_name("y.wav")), "--chain", str(chain)]) == 1
    assert not out.with_name("y.wav").exists()


def test_master_text_defaults_and_overrides(tmp_path, capsys):
    raw = tmp_path / "song.flac"
    raw.write_bytes(RAW.read_bytes())
    (tmp_path / "song - master.wav").write_bytes(b"taken")
    assert main(["master", str(raw), "--target-lufs", "-16", "--ceiling-dbtp", "-2"]) == 0
    text = capsys.readouterr().out
    out = tmp_path / "song - master (2).wav"  # the default name was taken: a new one, never overwritten
    assert out.exists() and (tmp_path / "song - master.wav").read_bytes() == b"taken"
    assert (tmp_path / "song - master (2).chain.json").exists()
    assert "integrated loudness" in text and "true peak" in text and "PLR" in text
    spec = ChainSpec.from_json((tmp_path / "song - master (2).chain.json").read_text())
    assert spec.target_lufs == -16.0 and spec.limiter.ceiling_dbtp == -2.0
    # the master's loudness in hundredths (within 0.03 LU of the target: one decimal could show -16.1)
    assert "-16.00 LUFS, ceiling -2.0 dBTP" in text
    row = next(line for line in text.splitlines() if line.startswith("integrated loudness"))
    master_lufs = float(row.split()[2])
    assert row.split()[3] == "LUFS" and abs(master_lufs + 16.0) <= 0.03 and f"{master_lufs:.2f}" == row.split()[2]


def test_master_bad_settings(tmp_path, capsys):
    assert main(["master", str(RAW), "--target-lufs", "3", "--out", str(tmp_path / "a.wav")]) == 1
    assert "--target-lufs" in capsys.readouterr().err
    assert main(["master", str(RAW), "--out", str(tmp_path / "a.mp3")]) == 1
    assert "must end in" in capsys.readouterr().err
    assert main(["master", str(tmp_path / "missing.wav")]) == 1
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("bad", [float("nan"), float("inf")], ids=["nan", "inf"])
@pytest.mark.parametrize("which", ["raw", "pre-treat"])
def test_master_refuses_nonfinite_samples(tmp_path, capsys, bad, which):
    """One NaN/Inf sample in a float render: a one-line error and nothing written (the filters would turn
    it into full-scale DC or a click in the master)."""
    import numpy as np

    x, rate = sf.read(str(RAW), dtype="float32")
    y = x.copy()
    (x if which == "raw" else y)[rate, 0] = bad
    raw, pre = tmp_path / "raw.wav", tmp_path / "pre.wav"
    sf.write(str(raw), x, rate, subtype="FLOAT")
    sf.write(str(pre), y * np.float32(1.5), rate, subtype="FLOAT")
    before = set(tmp_path.iterdir())
    assert main(["master", str(raw), "--reference", str(pre), "--out", str(tmp_path / "m.wav")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"the {which} has 1 NaN or infinite sample" in err
    assert set(tmp_path.iterdir()) == before


@pytest.mark.parametrize("level_db, target, reached", [(-60.0, -14.0, True), (-54.0, -3.0, False)])
def test_master_of_a_very_quiet_mix(tmp_path, capsys, level_db, target, reached):
    """A mix rendered with its fader far down reaches the target through input gain then drive (60 dB
    in all); past that, one warning line (the loudness search used to log a line per attempt)."""
    import numpy as np

    from tests.signals import music_like

    x = music_like(4.0, 44100, seed=3)
    x = x / np.abs(x).max() * 10 ** (level_db / 20)
    raw = tmp_path / "quiet.wav"
    sf.write(str(raw), x.astype(np.float32), 44100, subtype="FLOAT")
    out = tmp_path / "m.wav"
    assert main(["master", str(raw), "--out", str(out), "--target-lufs", str(target), "--json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["spec"]["input_gain_db"] == pytest.approx(24.0)
    if reached:
        assert doc["master"]["integrated_lufs"] == pytest.approx(target, abs=0.1)
        assert captured.err == ""
    else:
        assert doc["master"]["integrated_lufs"] < target - 1.0
        assert captured.err.count("\n") == 1 and "not the target" in captured.err
    assert doc["master"]["true_peak_dbtp"] <= -1.0


@pytest.mark.parametrize("target", [-23.0, -40.0])
def test_master_of_a_full_scale_square_reaches_a_low_target(tmp_path, capsys, target):
    """A full-scale 100 Hz square reads +1.6 LUFS: -23 needs -24.6 dB of gain, -40 needs -41.6, past the
    -24 dB the drive used to stop at (-22.5 LUFS, 'a mix too loud for the chain to turn down that far')."""
    import numpy as np

    t = np.arange(5 * 48000) / 48000
    x = 0.999999 * np.sign(np.sin(2 * np.pi * 100.0 * t))
    raw = tmp_path / "square.wav"
    sf.write(str(raw), np.column_stack([x, x]), 48000, subtype="PCM_24")
    out = tmp_path / "m.wav"
    assert main(["master", str(raw), "--out", str(out), "--target-lufs", str(target), "--json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["raw"]["integrated_lufs"] == pytest.approx(1.6, abs=0.2)
    assert doc["master"]["integrated_lufs"] == pytest.approx(target, abs=0.1)
    assert captured.err == ""


def test_master_of_a_mix_under_the_loudness_gate_says_so(tmp_path, capsys):
    """A sine at -100 dBFS reads about -103 LUFS, under BS.1770's -70 LUFS absolute gate: no integrated
    loudness to aim from. It is neither silent nor short, which was all the warning used to offer."""
    import numpy as np

    t = np.arange(5 * 48000) / 48000
    x = 1e-5 * np.sin(2 * np.pi * 1000.0 * t)
    raw = tmp_path / "faint.wav"
    sf.write(str(raw), np.column_stack([x, x]), 48000, subtype="PCM_24")
    assert main(["master", str(raw), "--out", str(tmp_path / "m.wav")]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "under BS.1770's -70 LUFS gate" in err
