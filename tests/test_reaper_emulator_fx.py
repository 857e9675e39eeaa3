"""FX stand-ins: compressor and limiter DSP, stock plug-in parameters, AddByName rules, EQ API."""

from __future__ import annotations

import numpy as np
import pytest

from tests.reaper_emulator import Emulator, FXInstance, Project, Session, Track
from tests.reaper_emulator.fx import REGISTRY, compress, lookahead_limit

RATE = 48000


def _sine(freq, amp, n):
    t = np.arange(n) / RATE
    return np.repeat((amp * np.sin(2 * np.pi * freq * t))[:, None], 2, axis=1)


def test_compressor_static_curve():
    x = _sine(1000, 0.5, 2 * RATE)          # RMS = -9.03 dB
    y, gr = compress(x, RATE, threshold_db=-20.0, ratio=4.0, attack_ms=10.0, release_ms=100.0)
    expected_gr = (1 - 1 / 4) * (20 * np.log10(0.5 / np.sqrt(2)) + 20.0)
    assert np.mean(gr[RATE:]) == pytest.approx(expected_gr, abs=0.1)
    out_db = 20 * np.log10(np.max(np.abs(y[RATE:])) / 0.5)
    assert out_db == pytest.approx(-expected_gr, abs=0.2)


def test_compressor_below_threshold_is_transparent():
    x = _sine(1000, 0.01, RATE)
    y, gr = compress(x, RATE, threshold_db=-20.0, ratio=4.0, attack_ms=10.0, release_ms=100.0)
    np.testing.assert_allclose(y, x, atol=1e-12)
    assert np.max(gr) == 0.0


@pytest.mark.parametrize("lookahead", [0, 1, 2, 17, 240])
def test_lookahead_limiter_ceiling_and_latency(lookahead):
    x = np.random.default_rng(3).uniform(-2, 2, (RATE // 4, 2))
    y = lookahead_limit(x, 0.5, lookahead)
    assert np.max(np.abs(y)) <= 0.5 + 1e-9
    quiet = x * 0.1   # never above the ceiling: a pure delay
    np.testing.assert_allclose(lookahead_limit(quiet, 0.5, lookahead)[lookahead:], quiet[: len(quiet) - lookahead],
                               atol=1e-15)


def _emu_with(plugin):
    tr = Track(name="T", fx=[FXInstance.new(plugin)])
    return Emulator(Session(projects=[Project(tracks=[tr])]))


def test_reacomp_params_and_gain_reduction_meter():
    emu = _emu_with("VST: ReaComp (Cockos)")
    rp = emu.module()
    tr = rp.RPR_GetTrack(0, 0)
    names = [rp.RPR_TrackFX_GetParamName(tr, 0, i, "", 64)[4] for i in range(rp.RPR_TrackFX_GetNumParams(tr, 0))]
    assert names == ["Thresh", "Ratio", "Attack", "Release", "Pre-comp", "Knee", "Wet", "Dry", "Bypass", "Wet"]
    fmt = lambda p, v: rp.RPR_TrackFX_FormatParamValueNormalized(tr, 0, p, v, "", 64)[5]
    assert fmt(0, 0.5) == "-6.0" and fmt(0, 0.25) == "-12.0" and fmt(1, 0.0) == "1.0:1"
    inst = emu.project.tracks[0].fx[0]
    rp.RPR_TrackFX_SetParamNormalized(tr, 0, 0, 0.25)      # threshold -12 dB, default ratio 4:1
    inst.impl.process(inst, np.full((RATE, 2), 0.9), RATE)  # a settled DC level of -0.92 dB
    gr = float(rp.RPR_TrackFX_GetNamedConfigParm(tr, 0, "GainReduction_dB", "", 64)[4])
    assert gr == pytest.approx(0.75 * (20 * np.log10(0.9) + 20 * np.log10(4)), abs=0.01)


def test_realimit_named_config_and_latency():
    emu = _emu_with("VST: ReaLimit (Cockos)")
    rp = emu.module()
    tr = rp.RPR_GetTrack(0, 0)
    assert rp.RPR_TrackFX_SetNamedConfigParm(tr, 0, "CEILING", "-1.5") == 1
    assert rp.RPR_TrackFX_SetNamedConfigParm(tr, 0, "THRESHOLD", "-6") == 1
    assert rp.RPR_TrackFX_SetNamedConfigParm(tr, 0, "CEILING", "3") == 0  # out of range
    assert rp.RPR_TrackFX_GetNamedConfigParm(tr, 0, "CEILING", "", 64)[4] == "-1.5"
    assert rp.RPR_TrackFX_GetFormattedParamValue(tr, 0, 0, "", 64)[4] == "-6.0"
    assert rp.RPR_TrackFX_GetNamedConfigParm(tr, 0, "pdc", "", 64)[4] == "72"
    inst = emu.project.tracks[0].fx[0]
    y = inst.impl.process(inst, np.random.default_rng(4).uniform(-1, 1, (RATE // 4, 2)), RATE)
    assert np.max(np.abs(y)) <= 10 ** (-1.5 / 20) + 1e-9


def test_add_by_name_rules():
    emu = Emulator(Session(projects=[Project(tracks=[Track()])]))
    rp = emu.module()
    tr = rp.RPR_GetTrack(0, 0)
    assert rp.RPR_TrackFX_AddByName(tr, "ReaEQ", False, 0) == -1          # query only
    assert rp.RPR_TrackFX_AddByName(tr, "VST: ReaEQ (Cockos)", False, 1) == 0  # add if missing
    assert rp.RPR_TrackFX_AddByName(tr, "reaeq", False, 1) == 0            # found, not added
    assert rp.RPR_TrackFX_AddByName(tr, "ReaEQ (Cockos)", False, -1) == 1  # always add
    assert rp.RPR_TrackFX_AddByName(tr, "ReaComp", False, -1000) == 0      # insert first
    assert rp.RPR_TrackFX_AddByName(tr, "VST3: ReaEQ", False, -1) == -1    # no VST3 build here
    assert rp.RPR_TrackFX_AddByName(tr, "ReaEQQ", False, -1) == -1         # no substring magic
    assert rp.RPR_TrackFX_AddByName(tr, "JS: MasterAid Test/Gain", True, -1) == 0x1000000
    assert rp.RPR_TrackFX_GetCount(tr) == 3 and rp.RPR_TrackFX_GetRecCount(tr) == 1
    assert rp.RPR_TrackFX_GetFXName(tr, 0x1000000, "", 64)[3] == "JS: MasterAid Test/Gain"
    rp.RPR_TrackFX_SetNamedConfigParm(tr, 1, "renamed_name", "Tone")
    assert rp.RPR_TrackFX_GetFXName(tr, 1, "", 64)[3] == "Tone"
    assert rp.RPR_TrackFX_GetNamedConfigParm(tr, 1, "fx_name", "", 64)[4] == "VST: ReaEQ (Cockos)"


def test_js_params_report_their_own_units():
    emu = _emu_with("JS: MasterAid Test/Gain")
    rp = emu.module()
    tr = rp.RPR_GetTrack(0, 0)
    assert rp.RPR_TrackFX_GetParam(tr, 0, 0, 0, 0) == (0.0, tr, 0, 0, -24.0, 24.0)
    assert rp.RPR_TrackFX_SetParam(tr, 0, 0, 6.0) == 1
    assert rp.RPR_TrackFX_GetParamNormalized(tr, 0, 0) == pytest.approx(0.625)
    assert rp.RPR_TrackFX_GetFormattedParamValue(tr, 0, 0, "", 64)[4] == "6.0 dB"


def test_reaeq_band_types_and_official_eq_api():
    emu = _emu_with("VST: ReaEQ (Cockos)")
    rp = emu.module()
    tr = rp.RPR_GetTrack(0, 0)
    assert rp.RPR_TrackFX_GetEQ(tr, False) == 0
    assert rp.RPR_TrackFX_GetNamedConfigParm(tr, 0, "BANDTYPE1", "", 64)[4] == "8"
    assert rp.RPR_TrackFX_SetNamedConfigParm(tr, 0, "BANDTYPE1", "6") == 1
    assert rp.RPR_TrackFX_GetParamName(tr, 0, 3, "", 64)[4] == "Freq-Notch 2"   # names follow the type
    assert rp.RPR_TrackFX_SetNamedConfigParm(tr, 0, "BANDTYPE1", "2") == 0      # code 2 UNCONFIRMED: refused
    # official enum: 1 = low shelf, 4 = high shelf; paramtype 1 = gain
    assert rp.RPR_TrackFX_SetEQParam(tr, 0, 4, 0, 1, 3.0, False) == 1
    assert rp.RPR_TrackFX_GetFormattedParamValue(tr, 0, 10, "", 64)[4] == "3.0"
    ok, *_, bt, bi, pt, norm = rp.RPR_TrackFX_GetEQParam(tr, 0, 10, 0, 0, 0, 0.0)
    assert (ok, bt, bi, pt) == (1, 4, 0, 1) and norm == pytest.approx(10 ** (3 / 20) / 4)
    assert rp.RPR_TrackFX_SetEQBandEnabled(tr, 0, 1, 0, False) == 1
    assert rp.RPR_TrackFX_GetNamedConfigParm(tr, 0, "BANDENABLED0", "", 64)[4] == "0"


def test_registry_names():
    assert {"VST: ReaEQ (Cockos)", "VST: ReaComp (Cockos)", "VST: ReaLimit (Cockos)", "JS: MasterAid Test/Gain",
            "JS: MasterAid Test/EQ", "JS: MasterAid Test/Compressor", "JS: MasterAid Test/Limiter",
            "JS: MasterAid Test/Clipper"} <= set(REGISTRY)


def test_copy_and_move_fx_between_tracks():
    a = Track(name="A", fx=[FXInstance.new("VST: ReaComp (Cockos)"), FXInstance.new("VST: ReaEQ (Cockos)")])
    emu = Emulator(Session(projects=[Project(tracks=[a, Track(name="B")])]))
    rp = emu.module()
    ta, tb = rp.RPR_GetTrack(0, 0), rp.RPR_GetTrack(0, 1)
    rp.RPR_TrackFX_SetParamNormalized(ta, 0, 0, 0.5)
    rp.RPR_TrackFX_CopyToTrack(ta, 0, tb, 0, False)
    assert rp.RPR_TrackFX_GetCount(ta) == 2 and rp.RPR_TrackFX_GetCount(tb) == 1
    assert rp.RPR_TrackFX_GetParamNormalized(tb, 0, 0) == 0.5
    assert emu.project.tracks[1].fx[0].guid != emu.project.tracks[0].fx[0].guid
    rp.RPR_TrackFX_CopyToTrack(ta, 1, tb, 99, True)   # move to the end
    assert rp.RPR_TrackFX_GetCount(ta) == 1
    assert rp.RPR_TrackFX_GetFXName(tb, 1, "", 64)[3] == "VST: ReaEQ (Cockos)"


def test_fx_guid_pointer_and_string():
    emu = _emu_with("VST: ReaEQ (Cockos)")
    rp = emu.module()
    tr = rp.RPR_GetTrack(0, 0)
    g = rp.RPR_TrackFX_GetFXGUID(tr, 0)
    assert g.startswith("(GUID*)0x") and not g.endswith("0x0000000000000000")
    assert rp.RPR_guidToString(g, "")[1] == emu.project.tracks[0].fx[0].guid
    rp.RPR_TrackFX_Delete(tr, 0)
    assert rp.RPR_guidToString(g, "")[1] == "{00000000-0000-0000-0000-000000000000}"  # dead pointer -> NULL
