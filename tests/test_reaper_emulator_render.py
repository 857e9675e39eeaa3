"""Render correctness of the emulator: analytic expectations for gain, EQ, bypass, latency, routing."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
import soundfile as sf

from tests.reaper_emulator import Emulator, FXInstance, Item, Project, Send, Session, Take, Track
from tests.reaper_emulator.fx import reaeq_freq_hz

RATE = 48000
FLOAT_WAV = "ZXZhdyAAAA=="   # base64(b"evaw\x20\0\0"): 32-bit float
PCM16_WAV = "ZXZhdxAAAA=="
PCM24_WAV = "ZXZhdxgAAA=="


def _write(path, x, rate=RATE):
    sf.write(path, x, rate, subtype="FLOAT")
    return str(path)


def _sine(freq, amp, n, ch=2, rate=RATE):
    t = np.arange(n) / rate
    return np.repeat((amp * np.sin(2 * np.pi * freq * t))[:, None], ch, axis=1)


def _project(tmp_path, x, *, fx=(), master_fx=(), rate=RATE):
    src = _write(tmp_path / "src.wav", x, rate)
    tr = Track(name="T", items=[Item(position_s=0.0, length_s=len(x) / rate, takes=[Take(file=src)])], fx=list(fx))
    p = Project(folder=str(tmp_path), file_name="Song.rpp", tracks=[tr])
    p.master.fx = list(master_fx)
    p.render_strings["RENDER_FORMAT"] = FLOAT_WAV
    p.render_strings["RENDER_FILE"] = str(tmp_path / "out")
    s = Session(projects=[p], resource_path=str(tmp_path))
    return Emulator(s)


def _render(emu):
    rp = emu.module()
    target = rp.RPR_GetSetProjectInfo_String(0, "RENDER_TARGETS", "", False)[3]
    rp.RPR_Main_OnCommand(42230, 0)
    assert os.path.exists(target), (emu.session.console, emu.warnings)
    y, rate = sf.read(target, always_2d=True)
    return y, rate, target


def test_unity_render_reproduces_the_item(tmp_path):
    x = np.random.default_rng(0).uniform(-0.5, 0.5, (4800, 2))
    y, rate, _ = _render(_project(tmp_path, x))
    assert rate == RATE and y.shape == x.shape
    np.testing.assert_allclose(y, x, atol=1e-7)  # float32 storage


def test_gain_fx_scales_exactly(tmp_path):
    x = _sine(100, 0.25, 4800)
    y, _, _ = _render(_project(tmp_path, x, fx=[FXInstance.new("JS: MasterAid Test/Gain", **{"Gain (dB)": 6.0})]))
    np.testing.assert_allclose(y, x * 10 ** (6 / 20), atol=1e-7)


def _rbj_peak(f0, gain_db, q, rate):
    A = 10 ** (gain_db / 40)
    w0 = 2 * math.pi * f0 / rate
    alpha = math.sin(w0) / (2 * q)
    b = np.array([1 + alpha * A, -2 * math.cos(w0), 1 - alpha * A])
    a = np.array([1 + alpha / A, -2 * math.cos(w0), 1 - alpha / A])
    return b / a[0], a / a[0]


def test_peak_eq_matches_cookbook_and_boosts_centre(tmp_path):
    from scipy.signal import lfilter
    x = _sine(1000, 0.1, RATE)
    eq = FXInstance.new("JS: MasterAid Test/EQ", Type=1.0, **{"Freq (Hz)": 1000.0, "Gain (dB)": 6.0, "Q": 1.0})
    y, _, _ = _render(_project(tmp_path, x, master_fx=[eq]))
    b, a = _rbj_peak(1000.0, 6.0, 1.0, RATE)
    np.testing.assert_allclose(y, lfilter(b, a, x, axis=0), atol=2e-7)
    steady = y[RATE // 2:]
    assert 20 * np.log10(np.max(np.abs(steady)) / 0.1) == pytest.approx(6.0, abs=0.01)


@pytest.mark.parametrize("how", ["fx_disabled", "fx_offline", "chain_off", "bypass_param"])
def test_bypass_really_bypasses(tmp_path, how):
    x = _sine(200, 0.2, 4800)
    emu = _project(tmp_path, x, master_fx=[FXInstance.new("JS: MasterAid Test/Gain", **{"Gain (dB)": -12.0})])
    rp = emu.module()
    m = rp.RPR_GetMasterTrack(0)
    if how == "fx_disabled":
        rp.RPR_TrackFX_SetEnabled(m, 0, False)
    elif how == "fx_offline":
        rp.RPR_TrackFX_SetOffline(m, 0, True)
    elif how == "chain_off":
        rp.RPR_SetMediaTrackInfo_Value(m, "I_FXEN", 0)
    else:
        rp.RPR_TrackFX_SetParam(m, 0, rp.RPR_TrackFX_GetParamFromIdent(m, 0, ":bypass"), 1.0)
        assert rp.RPR_TrackFX_GetEnabled(m, 0) == 0
    y, _, _ = _render(emu)
    np.testing.assert_allclose(y, x, atol=1e-7)


@pytest.mark.parametrize("pdc", [False, True])
def test_lookahead_latency_shows_up_as_latency(tmp_path, pdc):
    x = np.random.default_rng(1).uniform(-0.1, 0.1, (4800, 2))  # far below the ceiling: no limiting
    lim = FXInstance.new("JS: MasterAid Test/Limiter", **{"Lookahead (ms)": 5.0, "Ceiling (dB)": 0.0})
    emu = _project(tmp_path, x, master_fx=[lim])
    emu.session.emulator["pdc_compensation"] = pdc
    rp = emu.module()
    assert rp.RPR_TrackFX_GetNamedConfigParm(rp.RPR_GetMasterTrack(0), 0, "pdc", "", 64)[4] == "240"
    y, _, _ = _render(emu)
    if pdc:
        np.testing.assert_allclose(y[:-240], x[:-240], atol=1e-7)
    else:
        np.testing.assert_allclose(y[:240], 0.0, atol=0)
        np.testing.assert_allclose(y[240:], x[:-240], atol=1e-7)
        xc = np.correlate(y[:, 0], x[:, 0], mode="full")
        assert int(np.argmax(xc)) - (len(x) - 1) == 240


def test_limiter_holds_its_ceiling(tmp_path):
    x = np.random.default_rng(2).uniform(-1, 1, (RATE, 2))
    lim = FXInstance.new("JS: MasterAid Test/Limiter", **{"Input gain (dB)": 6.0, "Ceiling (dB)": -1.0})
    y, _, _ = _render(_project(tmp_path, x, master_fx=[lim]))
    assert np.max(np.abs(y)) <= 10 ** (-1 / 20) + 1e-6
    assert np.max(np.abs(y)) >= 10 ** (-1 / 20) - 1e-3


def test_volume_and_balance_pan(tmp_path):
    x = _sine(300, 0.4, 4800)
    emu = _project(tmp_path, x)
    rp = emu.module()
    tr = rp.RPR_GetTrack(0, 0)
    rp.RPR_SetMediaTrackInfo_Value(tr, "D_VOL", 0.5)
    rp.RPR_SetMediaTrackInfo_Value(tr, "D_PAN", -0.5)
    y, _, _ = _render(emu)
    np.testing.assert_allclose(y[:, 0], 0.5 * x[:, 0], atol=1e-7)
    np.testing.assert_allclose(y[:, 1], 0.25 * x[:, 1], atol=1e-7)


def test_mute_and_solo(tmp_path):
    a, b = _sine(300, 0.2, 4800), _sine(500, 0.3, 4800)
    emu = _project(tmp_path, a)
    fb = _write(tmp_path / "b.wav", b)
    emu.project.tracks.append(Track(name="B", items=[Item(0.0, 0.1, takes=[Take(file=fb)])]))
    rp = emu.module()
    ta, tb = rp.RPR_GetTrack(0, 0), rp.RPR_GetTrack(0, 1)
    rp.RPR_SetMediaTrackInfo_Value(tb, "I_SOLO", 1)
    y, _, t = _render(emu)
    np.testing.assert_allclose(y, b, atol=1e-7)
    os.remove(t)
    rp.RPR_SetMediaTrackInfo_Value(tb, "I_SOLO", 0)
    rp.RPR_SetMediaTrackInfo_Value(ta, "B_MUTE", 1)
    y, _, t = _render(emu)
    np.testing.assert_allclose(y, b, atol=1e-7)
    os.remove(t)
    rp.RPR_SetMediaTrackInfo_Value(ta, "B_MUTE", 0)
    y, _, _ = _render(emu)
    np.testing.assert_allclose(y, a + b, atol=1e-7)


def test_item_position_offset_and_length(tmp_path):
    ramp = np.repeat(np.linspace(-0.5, 0.5, RATE)[:, None], 2, axis=1)
    emu = _project(tmp_path, ramp)
    it = emu.project.tracks[0].items[0]
    it.position_s, it.length_s, it.take.start_offset_s = 0.5, 0.2, 0.1
    emu.project.render["RENDER_BOUNDSFLAG"] = 0.0
    emu.project.render["RENDER_STARTPOS"], emu.project.render["RENDER_ENDPOS"] = 0.0, 1.0
    y, _, _ = _render(emu)
    assert len(y) == RATE
    np.testing.assert_allclose(y[: RATE // 2], 0.0, atol=0)
    np.testing.assert_allclose(y[RATE // 2: RATE // 2 + 9600], ramp[4800: 4800 + 9600], atol=1e-7)
    np.testing.assert_allclose(y[RATE // 2 + 9600:], 0.0, atol=0)


def test_folder_and_send_routing(tmp_path):
    x = _sine(250, 0.2, 4800)
    emu = _project(tmp_path, x)
    child = emu.project.tracks[0]
    bus = Track(name="BUS", folder_depth=1, fx=[FXInstance.new("JS: MasterAid Test/Gain", **{"Gain (dB)": -6.0})])
    child.folder_depth = -1
    ret = Track(name="RET", fx=[FXInstance.new("JS: MasterAid Test/Gain", **{"Gain (dB)": 12.0})])
    child.sends.append(Send(dest_guid=ret.guid, volume=0.5))
    emu.project.tracks = [bus, child, ret]
    y, _, _ = _render(emu)
    expected = x * 10 ** (-6 / 20) + x * 0.5 * 10 ** (12 / 20)
    np.testing.assert_allclose(y, expected, atol=1e-6)


@pytest.mark.parametrize("fmt,subtype", [(PCM16_WAV, "PCM_16"), (PCM24_WAV, "PCM_24"), (FLOAT_WAV, "FLOAT"),
                                         ("evaw", "PCM_24")])
def test_wav_formats(tmp_path, fmt, subtype):
    x = _sine(440, 0.5, 4800)
    emu = _project(tmp_path, x)
    emu.project.render_strings["RENDER_FORMAT"] = fmt
    y, _, target = _render(emu)
    assert sf.info(target).subtype == subtype
    tol = {"PCM_16": 2 ** -15, "PCM_24": 2 ** -23, "FLOAT": 1e-7}[subtype]
    np.testing.assert_allclose(y, x, atol=tol)


def test_render_rate_bounds_tail_and_stats(tmp_path):
    x = _sine(1000, 10 ** (-6 / 20), 2 * RATE)
    emu = _project(tmp_path, x)
    p = emu.project
    p.time_selection = (0.5, 1.5)
    p.render.update({"RENDER_BOUNDSFLAG": 2.0, "RENDER_SRATE": 44100.0, "RENDER_TAILFLAG": 4.0, "RENDER_TAILMS": 250.0})
    y, rate, target = _render(emu)
    assert rate == 44100 and len(y) == round(1.25 * 44100)
    stats = emu.module().RPR_GetSetProjectInfo_String(0, "RENDER_STATS", "", False)[3]
    fields = dict(f.split(":", 1) for f in stats.strip(";").split(";"))
    assert fields["FILE"] == target
    assert float(fields["PEAK"]) == pytest.approx(-6.0, abs=0.05)


def test_dry_run_writes_nothing_and_fills_stats(tmp_path):
    x = _sine(1000, 10 ** (-23 / 20), 5 * RATE)
    emu = _project(tmp_path, x)
    rp = emu.module()
    target = rp.RPR_GetSetProjectInfo_String(0, "RENDER_TARGETS", "", False)[3]
    stats = rp.RPR_GetSetProjectInfo_String(0, "RENDER_STATS", "42440", False)[3]
    assert not os.path.exists(target)
    fields = dict(f.split(":", 1) for f in stats.strip(";").split(";"))
    assert "FILE" not in fields
    assert float(fields["LUFSI"]) == pytest.approx(-23.0, abs=0.1)  # stereo 1 kHz sine, BS.1770


def test_existing_target_is_not_overwritten(tmp_path):
    x = _sine(440, 0.5, 4800)
    emu = _project(tmp_path, x)
    rp = emu.module()
    target = rp.RPR_GetSetProjectInfo_String(0, "RENDER_TARGETS", "", False)[3]
    os.makedirs(os.path.dirname(target))
    with open(target, "wb") as fh:
        fh.write(b"user file")
    rp.RPR_Main_OnCommand(41824, 0)
    with open(target, "rb") as fh:
        assert fh.read() == b"user file"
    assert "exists" in emu.session.console


def test_unsupported_setting_fails_loudly(tmp_path):
    emu = _project(tmp_path, _sine(440, 0.5, 4800))
    emu.project.render["RENDER_SETTINGS"] = 2.0  # stems
    rp = emu.module()
    target = rp.RPR_GetSetProjectInfo_String(0, "RENDER_TARGETS", "", False)[3]
    rp.RPR_Main_OnCommand(42230, 0)
    assert not os.path.exists(target) and "RENDER_SETTINGS 2 not emulated" in emu.session.console


def test_insert_media_at_cursor_on_new_track(tmp_path):
    x = _sine(440, 0.5, 4800)
    emu = _project(tmp_path, x)
    f = _write(tmp_path / "ins.wav", x)
    rp = emu.module()
    rp.RPR_SetEditCurPos(2.0, False, False)
    assert rp.RPR_InsertMedia(f, 1) == 1
    assert rp.RPR_CountTracks(0) == 2
    it = rp.RPR_GetTrackMediaItem(rp.RPR_GetTrack(0, 1), 0)
    assert rp.RPR_GetMediaItemInfo_Value(it, "D_POSITION") == 2.0
    assert rp.RPR_GetMediaItemInfo_Value(it, "D_LENGTH") == pytest.approx(0.1)
    assert rp.RPR_InsertMedia(str(tmp_path / "missing.wav"), 1) == 0


def test_reaeq_mapping_is_nonlinear_and_searchable(tmp_path):
    x = _sine(1000, 0.1, RATE)
    emu = _project(tmp_path, x, master_fx=[FXInstance.new("VST: ReaEQ (Cockos)")])
    rp = emu.module()
    m = rp.RPR_GetMasterTrack(0)
    fmt = lambda p, v: rp.RPR_TrackFX_FormatParamValueNormalized(m, 0, p, v, "", 64)[5]
    assert [fmt(3, v) for v in (0.116, 0.232, 0.441, 0.655, 0.818)] == ["80.0", "200.0", "800.0", "3000.0", "8000.0"]
    assert fmt(4, 0.25) == "0.0" and fmt(4, 0.0) == "-inf"
    assert rp.RPR_TrackFX_GetParam(m, 0, 3, 0, 0)[4:] == (0.0, 1.0)
    # find 1 kHz and +6 dB for band 2 by bisection on the display text, as MasterAid must
    def solve(p, target):
        lo, hi = 0.0, 1.0
        for _ in range(50):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if float(fmt(p, mid)) < target else (lo, mid)
        return hi  # the smallest value whose text reads >= target
    rp.RPR_TrackFX_SetParamNormalized(m, 0, 3, solve(3, 1000.0))
    rp.RPR_TrackFX_SetParamNormalized(m, 0, 4, solve(4, 6.0))
    # the display has 0.1 Hz / 0.1 dB resolution, so bisection on text lands within half a step
    assert reaeq_freq_hz(rp.RPR_TrackFX_GetParamNormalized(m, 0, 3)) == pytest.approx(1000.0, abs=0.05 + 1e-9)
    assert rp.RPR_TrackFX_GetFormattedParamValue(m, 0, 4, "", 64)[4] == "6.0"
    y, _, _ = _render(emu)
    assert 20 * np.log10(np.max(np.abs(y[RATE // 2:])) / 0.1) == pytest.approx(6.0, abs=0.06)


def test_add_rendered_file_to_project(tmp_path):
    x = _sine(440, 0.5, 4800)
    emu = _project(tmp_path, x)
    emu.project.render["RENDER_ADDTOPROJ"] = 1.0
    _, _, target = _render(emu)
    assert len(emu.project.tracks) == 2
    new = emu.project.tracks[1]
    assert new.items[0].take.file == target and new.items[0].length_s == pytest.approx(0.1)


def test_monitoring_fx_are_not_rendered(tmp_path):
    x = _sine(440, 0.3, 4800)
    emu = _project(tmp_path, x)
    rp = emu.module()
    m = rp.RPR_GetMasterTrack(0)
    idx = rp.RPR_TrackFX_AddByName(m, "JS: MasterAid Test/Gain", True, -1)
    assert idx == 0x1000000
    rp.RPR_TrackFX_SetParam(m, idx, 0, -12.0)
    y, _, _ = _render(emu)
    np.testing.assert_allclose(y, x, atol=1e-7)


def test_solo_inside_a_folder_keeps_the_folder_chain(tmp_path):
    a, b = _sine(300, 0.2, 4800), _sine(500, 0.3, 4800)
    emu = _project(tmp_path, a)
    child_a = emu.project.tracks[0]
    fb = _write(tmp_path / "b.wav", b)
    child_b = Track(name="B", folder_depth=-1, items=[Item(0.0, 0.1, takes=[Take(file=fb)])])
    bus = Track(name="BUS", folder_depth=1, fx=[FXInstance.new("JS: MasterAid Test/Gain", **{"Gain (dB)": -6.0})])
    other = Track(name="Other", items=[Item(0.0, 0.1, takes=[Take(file=fb)])])
    emu.project.tracks = [bus, child_a, child_b, other]
    child_b.solo = 1
    y, _, _ = _render(emu)
    np.testing.assert_allclose(y, b * 10 ** (-6 / 20), atol=1e-7)


def test_item_at_another_rate_is_resampled(tmp_path):
    x = _sine(1000, 0.5, 44100, rate=44100)   # 1 s at 44.1 kHz in a 48 kHz project
    emu = _project(tmp_path, x, rate=44100)
    y, rate, _ = _render(emu)
    assert rate == 48000 and len(y) == 48000
    ref = _sine(1000, 0.5, 48000)
    np.testing.assert_allclose(y[2000:-2000], ref[2000:-2000], atol=2e-3)  # away from the filter edges
