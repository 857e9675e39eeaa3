"""The mastering chain in REAPER: the spec -> FX mapping (pure), parameter setting through the plug-ins'
own displays (in-process over the emulator, whose stock-plug-in mappings are deliberately non-linear),
and the "MasterAid - Mastering chain" action as REAPER runs it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy import signal

from masteraid.chain import ChainSpec, CompressorSpec, EqBand, LimiterSpec
from masteraid.chain.dsp import biquad_coefficients, eq_sos
from masteraid.errors import ReaperError
from masteraid.reaper._api import CheckedApi
from masteraid.reaper.chain import (ACTION_NAME, CHAIN_TRACK, PREVIEW_TRACK, REAEQ_BANDS, _add_fx, fx_plan,
                                    q_to_bandwidth_oct, shelf_bandwidth_oct)
from masteraid.reaper.fxparams import ParamTarget, parse_display, set_param
from tests.reaper_emulator import Emulator, Track, diff, raise_on, run_script, snapshot
from tests.reaper_emulator import fx as emufx
from tests.signals import music_like

from .conftest import SCRIPTS, ReaperPythonApi, run_action, state

CHAIN = SCRIPTS / "MasterAid - Mastering chain.py"
RATE = 48000


def _spec(*, drive=7.5, compressor=True, bands=None) -> ChainSpec:
    bands = bands if bands is not None else (
        EqBand("low_shelf", 95.0, 2.5, 0.7), EqBand("peaking", 320.0, -1.75, 1.2),
        EqBand("peaking", 2500.0, 1.25, 0.9), EqBand("high_shelf", 9000.0, 3.0, 0.707),
        EqBand("peaking", 5200.0, -2.0, 2.5))
    comp = CompressorSpec(threshold_db=-18.5, ratio=2.5, attack_ms=12.0, release_ms=180.0, knee_db=6.0,
                          makeup_db=2.25) if compressor else None
    return ChainSpec(target_lufs=-9.0, limiter=LimiterSpec(ceiling_dbtp=-1.0, lookahead_ms=5.0, release_ms=80.0,
                                                           drive_db=drive),
                     input_gain_db=-1.5, eq_bands=bands, compressor=comp)


# ---- the mapping (pure) ------------------------------------------------------------------------

@pytest.mark.parametrize("rate", [44100, 48000, 96000])
def test_bandwidth_from_q_gives_the_specs_peaking_biquad_in_the_cookbooks_bw_form(rate):
    for f in (40.0, 1000.0, 12000.0):
        for q in (0.5, 0.7071, 1.4, 4.0):
            bw = q_to_bandwidth_oct(q, f, rate)
            ours = biquad_coefficients(EqBand("peaking", f, 4.5, q), rate)
            cookbook = emufx.rbj_biquad("peak", f, rate, gain_db=4.5, bw_oct=bw)[0]
            np.testing.assert_allclose(cookbook, ours, rtol=0, atol=1e-12)
    # at low frequencies the digital bandwidth is the analog one: Q 1.4142 is one octave
    assert q_to_bandwidth_oct(math.sqrt(2), 100.0, 48000) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("kind,emu_kind", [("low_shelf", "lowshelf"), ("high_shelf", "highshelf")])
def test_shelf_bandwidth_gives_the_specs_shelf_as_a_slope(kind, emu_kind):
    for gain in (-4.0, 1.5, 6.0):
        for q in (0.6, 1 / math.sqrt(2), 0.8):
            bw = shelf_bandwidth_oct(q, gain)
            ours = biquad_coefficients(EqBand(kind, 150.0, gain, q), RATE)
            theirs = emufx.rbj_biquad(emu_kind, 150.0, RATE, gain_db=gain, slope=1 / bw ** 2)[0]
            np.testing.assert_allclose(theirs, ours, rtol=0, atol=1e-12)
    assert shelf_bandwidth_oct(1 / math.sqrt(2), 3.0) == pytest.approx(1.0, abs=1e-12)  # S = 1


def test_plan_puts_four_bands_per_reaeq_and_the_chain_in_order():
    spec = _spec()
    plan = fx_plan(spec, RATE)
    assert [s.label for s in plan.stages] == ["ReaEQ 1", "ReaEQ 2", "ReaComp", "ReaLimit"]
    eq1, eq2 = plan.stages[0], plan.stages[1]
    assert dict(eq1.config)["BANDTYPE0"] == "0" and dict(eq1.config)["BANDTYPE3"] == "1"  # low / high shelf
    assert dict(eq2.config) == {"BANDTYPE0": "8", "BANDENABLED0": "1"} and eq2.disable_from_band == 1
    assert [t.value for t in eq2.params[:2]] == [5200.0, -2.0]
    # makeup (2.25) and drive (7.5) both go into ReaLimit's threshold: ReaComp's Wet stops at +6 dB
    lim = {t.names[0]: t.value for t in plan.stages[3].params}
    assert lim == {"Threshold": -9.75, "Ceiling": -1.0, "Release": 80.0, "True peak": 1.0}
    comp = {t.names[0]: t.value for t in plan.stages[2].params}
    assert comp["Wet"] == 0.0 and comp["Dry"] == -math.inf and comp["Threshold"] == -18.5
    assert comp["Auto Make Up Gain"] == 0.0 and comp["RMS size"] == 0.0  # peak detection, like ours
    assert plan.take_gain_db == -1.5


def test_a_negative_drive_goes_before_the_limiter():
    with_comp = fx_plan(_spec(drive=-3.0), RATE)
    assert {t.names[0]: t.value for t in with_comp.stages[-1].params}["Threshold"] == 0.0
    assert {t.names[0]: t.value for t in with_comp.stages[-2].params}["Wet"] == pytest.approx(2.25 - 3.0)
    assert with_comp.take_gain_db == -1.5
    linear = fx_plan(_spec(drive=-3.0, compressor=False), RATE)  # no compressor: EQ is linear
    assert [s.label for s in linear.stages] == ["ReaEQ 1", "ReaEQ 2", "ReaLimit"]
    assert linear.take_gain_db == pytest.approx(-4.5)


def test_flat_bands_and_bands_over_nyquist_are_left_out():
    spec = _spec(bands=(EqBand("peaking", 1000.0, 0.0, 1.0), EqBand("high_shelf", 23000.0, 2.0, 0.7)))
    assert [s.label for s in fx_plan(spec, 44100).stages] == ["ReaComp", "ReaLimit"]
    assert [s.label for s in fx_plan(spec, 48000).stages] == ["ReaEQ 1", "ReaComp", "ReaLimit"]


@pytest.mark.parametrize("text,value", [("-6.0 dB", -6.0), ("-6", -6.0), ("1.2k", 1200.0), ("1.2 kHz", 1200.0),
                                        ("4.0:1", 4.0), ("-inf", -math.inf), ("On", 1.0), ("Off", 0.0),
                                        ("+3.25dB", 3.25), ("12 ms", 12.0), (" .5", 0.5),
                                        ("\u221e:1", math.inf), ("\u22123.0", -3.0), ("-\u221e dB", -math.inf)])
def test_display_texts_read_as_numbers(text, value):
    assert parse_display(text) == value


@pytest.mark.parametrize("text", ["", "abc", "dB", "k"])
def test_display_without_a_number_reads_as_none(text):
    assert parse_display(text) is None


# ---- setting values through the emulator's non-linear plug-in displays ---------------------------

@pytest.fixture
def track(scenario):
    s = scenario("empty")
    s.project.tracks.append(Track(name="chain"))
    emu = Emulator(s)
    rpr = CheckedApi(ReaperPythonApi(emu.module()))
    proj = rpr.EnumProjects(-1, "", 4096)[0]
    return emu, rpr, rpr.GetTrack(proj, 0)


def test_every_stage_lands_on_the_specs_values_in_the_plugins_own_mappings(track):
    emu, rpr, tr = track
    spec = _spec()
    plan = fx_plan(spec, RATE)
    for stage in plan.stages:
        _add_fx(rpr, tr, stage)
    fx = emu.project.tracks[0].fx
    assert [f.plugin for f in fx] == ["VST: ReaEQ (Cockos)"] * 2 + ["VST: ReaComp (Cockos)", "VST: ReaLimit (Cockos)"]
    bands = [b for b in spec.eq_bands if b.gain_db]
    for i, band in enumerate(bands):
        inst, b = fx[i // REAEQ_BANDS], i % REAEQ_BANDS
        assert inst.config[f"BANDTYPE{b}"] == {"low_shelf": "0", "high_shelf": "1", "peaking": "8"}[band.kind]
        assert emufx.reaeq_freq_hz(inst.params[3 * b]) == pytest.approx(band.frequency_hz, rel=0.005)
        assert emufx.reaeq_gain_db(inst.params[3 * b + 1]) == pytest.approx(band.gain_db, abs=0.06)
        bw = (q_to_bandwidth_oct(band.q, band.frequency_hz, RATE) if band.kind == "peaking"
              else shelf_bandwidth_oct(band.q, band.gain_db))
        assert emufx.reaeq_bw_oct(inst.params[3 * b + 2]) == pytest.approx(bw, rel=0.01, abs=0.005)
    assert [fx[1].config[f"BANDENABLED{b}"] for b in range(4)] == ["1", "0", "0", "0"]
    # the two ReaEQs' response is the spec's EQ within a tenth of a dB from 20 Hz to 20 kHz
    f = np.geomspace(20, 20000, 400)
    sos = np.concatenate([emufx.ReaEQ().sos(inst, RATE) for inst in fx[:2]])
    got = 20 * np.log10(np.abs(signal.sosfreqz(sos, f, fs=RATE)[1]))
    want = 20 * np.log10(np.abs(signal.sosfreqz(eq_sos(spec.eq_bands, RATE), f, fs=RATE)[1]))
    assert np.max(np.abs(got - want)) < 0.1
    assert emufx.reaeq_gain_db(fx[0].params[-1]) == pytest.approx(0.0, abs=0.06)
    comp, lim = fx[2], fx[3]
    c = spec.compressor
    assert 20 * math.log10(comp.params[0]) == pytest.approx(c.threshold_db, abs=0.06)
    assert 1 / (1 - 0.99 * comp.params[1]) == pytest.approx(c.ratio, abs=0.06)
    assert 500 * comp.params[2] ** 3 == pytest.approx(c.attack_ms, rel=0.02)
    assert 5000 * comp.params[3] ** 3 == pytest.approx(c.release_ms, rel=0.02)
    assert 24 * comp.params[5] == pytest.approx(c.knee_db, abs=0.06)
    assert 20 * math.log10(2 * comp.params[6]) == pytest.approx(0.0, abs=0.06)
    assert comp.params[7] == 0.0  # dry off
    assert emufx.ReaLimit.threshold_db(lim) == pytest.approx(-spec.limiter.drive_db - c.makeup_db, abs=0.06)
    assert emufx.ReaLimit.ceiling_db(lim) == pytest.approx(-1.0, abs=0.06)
    assert 1000 * lim.params[2] ** 2 == pytest.approx(80.0, rel=0.02)
    assert lim.params[3] >= 0.5  # true peak on


def test_without_the_formatter_the_search_sets_and_reads_back(track):
    emu, rpr, tr = track
    stage = fx_plan(_spec(), RATE).stages[-1]
    raise_on(emu.session, "TrackFX_FormatParamValueNormalized", call=None)
    with pytest.raises(ReaperError, match="TrackFX_FormatParamValueNormalized"):
        _add_fx(rpr, tr, stage)  # a failing call is loud, not taken for "no formatter"
    emu.session.faults.clear()

    class NoFormatter(ReaperPythonApi):  # a plug-in without Cockos' VST extensions: no text
        def __getattr__(self, name):
            if name == "TrackFX_FormatParamValueNormalized":
                return lambda *a: (0, *a[:-2], "", a[-1])
            return super().__getattr__(name)

    rpr2 = CheckedApi(NoFormatter(emu.module()))
    _add_fx(rpr2, tr, stage)
    lim = emu.project.tracks[0].fx[-1]
    assert emufx.ReaLimit.threshold_db(lim) == pytest.approx(-9.75, abs=0.06)
    assert emufx.ReaLimit.ceiling_db(lim) == pytest.approx(-1.0, abs=0.06)


def test_a_value_out_of_the_plugins_range_is_a_clear_error(track):
    emu, rpr, tr = track
    rpr.TrackFX_AddByName(tr, "ReaLimit (Cockos)", False, -1)
    with pytest.raises(ReaperError, match=r"ReaLimit's Threshold reaches -60 \.\. 12 dB; the chain needs -70 dB"):
        set_param(rpr, tr, 0, "ReaLimit", ParamTarget(("Threshold",), -70.0, "dB", abs_tol=0.06))
    with pytest.raises(ReaperError, match=r"ReaLimit has no parameter named 'Knee' \(it has: Threshold, Ceiling"):
        set_param(rpr, tr, 0, "ReaLimit", ParamTarget(("Knee",), 3.0, "dB", abs_tol=0.06))
    assert set_param(rpr, tr, 0, "ReaLimit", ParamTarget(("Knee",), 3.0, "dB", abs_tol=0.06, optional=True)) is None


def test_a_display_that_does_not_follow_the_value_is_refused(track, monkeypatch):
    emu, rpr, tr = track
    rpr.TrackFX_AddByName(tr, "ReaLimit (Cockos)", False, -1)
    inst = emu.project.tracks[0].fx[0]
    specs = inst.impl.params(inst)

    def gap(n):  # values between -4 and -2 dB read "-6.0": the display jumps over -3.3
        db = -24 + 24 * n
        return f"{-6.0 if -4 < db < -2 else db:.1f}"

    patched = [s if s.name != "Ceiling" else emufx.ParamSpec(s.name, s.ident, 0, 1, s.default_norm, gap) for s in specs]
    monkeypatch.setattr(type(inst.impl), "params", lambda self, i: patched)
    with pytest.raises(ReaperError, match=r"ReaLimit's Ceiling reads '-2\.0' after MasterAid set it to -3\.3 dB"):
        set_param(rpr, tr, 0, "ReaLimit", ParamTarget(("Ceiling",), -3.3, "dB", abs_tol=0.06))


# ---- the action, as REAPER runs it --------------------------------------------------------------

def _bounce(folder: Path) -> tuple[Path, Path]:
    raw = folder / "Mix - raw.wav"
    pre = folder / "Mix - pretreat.wav"
    x = music_like(6.0, RATE, 2, seed=11, level_db=-20.0)
    x[-int(0.5 * RATE):] *= np.linspace(1, 0, int(0.5 * RATE))[:, None]
    sf.write(raw, x, RATE, subtype="FLOAT")
    sf.write(pre, np.tanh(4 * x) / 3.2, RATE, subtype="FLOAT")  # louder and squashed
    doc = {"schema": "masteraid-bounce/1", "schema_version": 1, "created_utc": "2026-11-24T04:00:00+00:00",
           "renders": {"raw": {"file": raw.name}, "pretreat": {"file": pre.name}}}
    (folder / "bounce.json").write_text(json.dumps(doc), encoding="utf-8")
    return raw, pre


def _without(session, names=(CHAIN_TRACK, PREVIEW_TRACK)) -> dict:
    """Snapshot without the chain's two tracks, the undo history and the dirty flag."""
    s = session.copy()
    s.project.tracks = [t for t in s.project.tracks if t.name not in names]
    return state(s, drop=("undo_history", "dirty"))


@pytest.fixture(scope="module")
def built(tmp_path_factory, scenario):
    s = scenario("mix_10_tracks")
    s.project.tracks[2].selected = True
    s.project.tracks[0].items[0].selected = True
    s.project.cursor_s = 2.5
    raw, pre = _bounce(Path(s.project.folder))
    (Path(s.project.folder) / "Mix - raw - master.wav").write_bytes(b"not mine")  # a name already taken
    before = s.copy()
    r = run_action(s, CHAIN, tmp_path_factory.mktemp("chain") / "run")
    return before, r, raw, pre


def test_action_adds_the_chain_and_the_preview_and_writes_new_files(built):
    before, r, raw, pre = built
    assert r.error is None, r.error
    assert r.warnings == [] and r.pointer_faults == [] and r.open_undo_blocks == 0
    folder = raw.parent
    assert (folder / "Mix - raw - master.wav").read_bytes() == b"not mine"  # never overwritten
    master = folder / "Mix - raw - master (2).wav"
    spec = ChainSpec.from_json((folder / "Mix - raw - master (2).chain.json").read_text(encoding="utf-8"))
    new = {t.name: t for t in r.project.tracks if t.name in (CHAIN_TRACK, PREVIEW_TRACK)}
    assert len(r.project.tracks) == len(before.project.tracks) + 2 and set(new) == {CHAIN_TRACK, PREVIEW_TRACK}
    chain, preview = new[CHAIN_TRACK], new[PREVIEW_TRACK]
    assert chain.items[0].takes[0].file == str(raw.resolve()) and chain.items[0].position_s == 0.0
    assert preview.items[0].takes[0].file == str(master.resolve()) and preview.items[0].position_s == 0.0
    assert (chain.solo, chain.mute, preview.solo, preview.mute) == (1, False, 1, True)
    assert 20 * math.log10(chain.items[0].takes[0].volume) == pytest.approx(fx_plan(spec, RATE).take_gain_db, abs=1e-9)
    want = [s.plugin for s in fx_plan(spec, RATE).stages]
    assert [f.plugin for f in chain.fx] == ["VST: " + p for p in want] and want[-1] == "ReaLimit (Cockos)"
    lim = chain.fx[-1]
    gain = spec.limiter.drive_db + (spec.compressor.makeup_db if spec.compressor else 0.0)
    assert emufx.ReaLimit.threshold_db(lim) == pytest.approx(-max(gain, 0.0), abs=0.06)
    assert emufx.ReaLimit.ceiling_db(lim) == pytest.approx(spec.limiter.ceiling_dbtp, abs=0.06)
    # the preview is the master as rendered: on target, under the ceiling
    from masteraid.analysis import analyze
    m = analyze(master)
    assert m.loudness.integrated_lufs == pytest.approx(spec.target_lufs, abs=0.1)
    assert m.peaks.true_peak_dbtp <= spec.limiter.ceiling_dbtp + 1e-6
    assert r.project.undo_history == [{"name": ACTION_NAME, "flags": -1}]


def test_action_changes_nothing_else_and_says_what_it_did(built):
    before, r, raw, _ = built
    assert diff(_without(before), _without(r.session)) == []
    assert r.project.cursor_s == 2.5 and r.project.tracks[0].items[0].selected and r.project.tracks[2].selected
    text = r.console
    assert text.startswith("MasterAid mastering chain for Mix - raw.wav (toward Mix - pretreat.wav):")
    assert "ReaLimit: Threshold " in text and "Ceiling -1.0 dB" in text and "True peak On" in text
    assert "ReaEQ 1: band 1 Freq " in text
    assert "Bypass the master FX chain while listening" in text  # the mix has a master pre-treat chain


def test_no_bounce_is_one_line_and_changes_nothing(tmp_path, scenario):
    s = scenario("mix_10_tracks")
    before = s.copy()
    r = run_action(s, CHAIN, tmp_path / "run")
    assert r.error is None
    assert r.console.strip().count("\n") == 0 and "run \"MasterAid - Dual bounce\" first" in r.console
    assert diff(snapshot(before), snapshot(r.session)) == []
    assert list(Path(s.project.folder).iterdir()) == []


@pytest.mark.parametrize("function,call", [("TrackFX_AddByName", 3), ("TrackFX_SetParamNormalized", 20),
                                           ("InsertMedia", 2), ("SetMediaItemTakeInfo_Value", 1)])
def test_a_failure_half_way_removes_the_half_made_tracks(tmp_path, scenario, function, call):
    s = scenario("mix_10_tracks")
    s.project.cursor_s = 2.5
    _bounce(Path(s.project.folder))
    raise_on(s, function, call=call)
    before = s.copy()
    r = run_action(s, CHAIN, tmp_path / "run")
    assert r.error is None and r.open_undo_blocks == 0
    assert f"{function} failed" in r.console and r.console.strip().count("\n") == 0
    assert [t.name for t in r.project.tracks] == [t.name for t in before.project.tracks]
    assert diff(_without(before), _without(r.session)) == []


# ---- other builds of the stock plug-ins (public dumps of REAPER 7.79-7.82) ------------------------

def _reacomp_7x(inst):
    """ReaComp as REAPER 7.x lists it: 7.x names, detector settings, its own Wet before REAPER's."""
    db = lambda n: emufx._fmt_db(emufx._db(2 * n))  # noqa: E731 - raw 0..2 linear amplitude
    P = emufx.ParamSpec
    return [P("Threshold", "0", 0, 1, 0.5, db), P("Ratio", "1", 0, 1, 3 / 99, lambda n: f"{1 + 99 * n:.2f}"),
            P("Attack", "2", 0, 1, 0.006, lambda n: f"{500 * n:.1f}"),
            P("Release", "3", 0, 1, 0.02, lambda n: f"{5000 * n:.1f}"),
            P("Pre-comp", "4", 0, 1, 0.0, lambda n: f"{250 * n:.1f}"), P("resvd", "5", 0, 1, 0, lambda n: "0"),
            P("Lowpass", "6", 0, 1, 1.0, lambda n: f"{20000 * n:.0f}"),
            P("Hipass", "7", 0, 1, 0.0, lambda n: f"{20000 * n:.0f}"), P("SignIn", "8", 0, 1, 0, lambda n: "0"),
            P("AudIn", "9", 0, 1, 0, lambda n: "0"), P("Dry", "10", 0, 1, 0.0, db), P("Wet", "11", 0, 1, 0.5, db),
            P("Filter Preview", "12", 0, 1, 0, lambda n: "0"),
            P("RMS size", "13", 0, 1, 0.005, lambda n: f"{1000 * n:.1f}"),
            P("Knee", "14", 0, 1, 0.0, lambda n: f"{24 * n:.1f}"),
            P("Auto Make Up Gain", "15", 0, 1, 1.0, lambda n: "1" if n >= 0.5 else "0", 1.0),
            P("Auto Release", "16", 0, 1, 1.0, lambda n: "1" if n >= 0.5 else "0", 1.0)]


def test_reacomp_of_reaper_7_gets_peak_detection_and_no_automatic_gains(track, monkeypatch):
    emu, rpr, tr = track
    monkeypatch.setattr(emufx.ReaComp, "params", lambda self, inst: _reacomp_7x(inst))
    stage = next(s for s in fx_plan(_spec(drive=-4.0), RATE).stages if s.label == "ReaComp")
    shown, notes = _add_fx(rpr, tr, stage)
    p = emu.project.tracks[0].fx[0].params
    assert 20 * math.log10(2 * p[0]) == pytest.approx(-18.5, abs=0.06) and 1 + 99 * p[1] == pytest.approx(2.5, abs=0.01)
    assert 500 * p[2] == pytest.approx(12.0, rel=0.02) and 5000 * p[3] == pytest.approx(180.0, rel=0.02)
    assert p[13] == 0.0 and (p[15], p[16]) == (0.0, 0.0)  # RMS size 0 = peak; auto make-up / release off
    assert p[10] == 0.0  # dry off
    # its own Wet (index 11, not REAPER's appended Wet) takes the negative gain: makeup 2.25 - 4
    assert 20 * math.log10(2 * p[11]) == pytest.approx(-1.75, abs=0.06)
    assert emu.project.tracks[0].fx[0].wet == 1.0 and notes == []
    assert ("ReaComp", "", "RMS size", "0.0", "ms") in shown


def _realimit_779(monkeypatch, release_display, accepts_truepeak):
    """REAPER 7.79's ReaLimit: three parameters, ``TRUEPEAK`` maybe taken as a named config."""
    P = emufx.ParamSpec
    monkeypatch.setattr(emufx.ReaLimit, "params", lambda self, inst: [
        P("Threshold", "0", 0, 1, 60 / 72, lambda n: f"{-60 + 72 * n:.1f}"),
        P("Ceiling", "1", 0, 1, 1.0, lambda n: f"{-24 + 24 * n:.1f}"),
        P("Release", "2", 0, 1, 0.355, release_display)])
    monkeypatch.setattr(emufx.ReaLimit, "get_config", lambda self, inst, key, rate: inst.config.get(key))

    def set_config(self, inst, key, value):
        if key == "TRUEPEAK" and accepts_truepeak:
            inst.config[key] = value
            return True
        return False

    monkeypatch.setattr(emufx.ReaLimit, "set_config", set_config)


@pytest.mark.parametrize("accepts_truepeak", [True, False])
def test_realimit_without_a_true_peak_switch_uses_the_named_config_or_says_so(track, monkeypatch, accepts_truepeak):
    emu, rpr, tr = track
    # its release runs backwards (0 -> inf, 1 -> 6 ms)
    _realimit_779(monkeypatch, lambda n: "inf" if n == 0 else f"{6 / n:.1f}", accepts_truepeak)
    stage = fx_plan(_spec(), RATE).stages[-1]
    shown, notes = _add_fx(rpr, tr, stage)
    inst = emu.project.tracks[0].fx[0]
    assert 6 / inst.params[2] == pytest.approx(80.0, rel=0.02)
    if accepts_truepeak:
        assert inst.config["TRUEPEAK"] == "1" and notes == [] and ("ReaLimit", "", "True peak", "on", "") in shown
    else:
        assert "TRUEPEAK" not in inst.config and len(notes) == 1 and "no true-peak mode" in notes[0]


def test_a_limiter_release_out_of_range_is_set_to_its_end_and_said(track, monkeypatch):
    emu, rpr, tr = track
    _realimit_779(monkeypatch, lambda n: f"{6 + 34 * n:.1f}", True)  # its release stops at 40 ms
    shown, notes = _add_fx(rpr, tr, fx_plan(_spec(), RATE).stages[-1])
    assert emu.project.tracks[0].fx[0].params[2] == 1.0
    assert "ReaLimit's Release reaches only 40.0 ms, not the chain's 80 ms" in notes


def test_an_ab_after_the_chain_says_the_chain_track_plays_along(built, tmp_path):
    _, r, _, _ = built
    assert "Also soloed and playing" not in r.console  # nothing was soloed before the chain
    ab = run_action(r.session.copy(), SCRIPTS / "MasterAid - Loudness-matched AB.py", tmp_path / "ab")
    assert ab.error is None, ab.error
    text = ab.console[len(r.console):]
    # the chain track is soloed and playing; its preview is muted, so it is not named
    assert f"Also soloed and playing: {CHAIN_TRACK}. Mute or unsolo them" in text and PREVIEW_TRACK not in text


def test_a_raw_file_alone_is_mastered_toward_the_default_target(tmp_path, scenario):
    s = scenario("mix_10_tracks")
    raw, _ = _bounce(tmp_path)  # elsewhere: not next to the project, and no pre-treat given
    code = ("import masteraid.reaper.chain as ch\n"
            f"b = ch.build_chain(raw={str(raw)!r})\n"
            "assert b.pretreat is None and b.bounce_json is None and b.run.comparison is None\n"
            "print(ch.chain_summary(b))\n")
    r = run_script(s, code=code, workdir=tmp_path / "run")
    assert r.error is None, r.error
    assert "(no pre-treat: toward -14.0 LUFS):" in r.stdout
    master = tmp_path / "Mix - raw - master.wav"
    spec = ChainSpec.from_json((tmp_path / "Mix - raw - master.chain.json").read_text(encoding="utf-8"))
    assert spec.target_lufs == -14.0
    from masteraid.analysis import analyze
    assert analyze(master).loudness.integrated_lufs == pytest.approx(-14.0, abs=0.1)
    assert {t.name for t in r.project.tracks} >= {CHAIN_TRACK, PREVIEW_TRACK}


def test_the_console_says_where_the_master_would_keep_the_pretreats_plr(built, tmp_path, scenario):
    # built's pre-treat (a tanh) peaks under the ceiling: its loudness costs the master no PLR, no advice
    assert "keeps the pre-treat's PLR" not in built[1].console
    # the bundled example's pre-treat peaks at +0.7 dBTP: under -1 dBTP the master loses 1.8 dB of PLR
    examples = Path(__file__).resolve().parents[2] / "masteraid" / "examples"
    raw, pre = tmp_path / "raw.flac", tmp_path / "pre.flac"
    raw.write_bytes((examples / "example_raw.flac").read_bytes())
    pre.write_bytes((examples / "example_pretreat.flac").read_bytes())
    code = ("import masteraid.reaper.chain as ch\n"
            "from masteraid.chain.master import plr_advice\n"
            f"b = ch.build_chain(raw={str(raw)!r}, pretreat={str(pre)!r})\n"
            "a = plr_advice(b.run)\n"
            "print(ch.chain_summary(b))\n"
            "print('suggested', a.suggested_target_lufs)\n")
    r = run_script(scenario("mix_10_tracks"), code=code, workdir=tmp_path / "run")
    assert r.error is None, r.error
    suggested = float(r.stdout.split("suggested ")[1])
    text = " ".join(r.stdout.split())  # the advice is wrapped over console lines
    assert f"(--target-lufs {suggested:.1f}) the master keeps the pre-treat's PLR" in text
