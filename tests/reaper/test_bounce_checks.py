"""dual_bounce's run-time checks of UNCONFIRMED REAPER behaviour, in-process over the emulator
(``masteraid.reaper.bounce.api`` pointed at the emulator's binding), where a REAPER that disagrees
is simulated by a thin wrapper."""

from __future__ import annotations

import os

import pytest

import masteraid.reaper.bounce as bounce_mod
from masteraid.errors import ReaperError
from masteraid.reaper._api import CheckedApi
from tests.reaper_emulator import Emulator, FXInstance, diff, snapshot

from .conftest import ReaperPythonApi


class _Disagreeing(ReaperPythonApi):
    """The emulator's binding, except the functions in ``override``."""

    def __init__(self, module, override):
        super().__init__(module)
        self._override = override

    def __getattr__(self, name):
        real = super().__getattr__(name)
        if name in self._override:
            return lambda *a: self._override[name](real, *a)
        return real


def _bounce(monkeypatch, session, override=None, **kwargs):
    emu = Emulator(session)
    rpr = CheckedApi(_Disagreeing(emu.module(), override or {}))
    monkeypatch.setattr(bounce_mod, "api", lambda: rpr)
    before = snapshot(session)
    with pytest.raises(ReaperError) as info:
        bounce_mod.dual_bounce(**kwargs)
    return emu, before, str(info.value)


def _unchanged(emu, before):
    after = snapshot(emu.session)
    for s in (before, after):
        for p in s["projects"]:
            for k in ("render_stats", "undo_history", "dirty"):
                p.pop(k)
    assert diff(before, after) == []
    assert os.listdir(emu.project.folder) == []


def test_render_targets_other_than_the_chosen_file_stop_before_rendering(monkeypatch, scenario):
    def targets(real, proj, key, value, is_set):
        r = real(proj, key, value, is_set)
        return (r[0], r[1], r[2], r[3].replace(".wav", ".WAV.wav"), r[4]) if key == "RENDER_TARGETS" else r
    emu, before, msg = _bounce(monkeypatch, scenario("mix_10_tracks"), {"GetSetProjectInfo_String": targets})
    assert "REAPER would write" in msg and "Mix - pretreat.WAV.wav, expected" in msg
    assert emu.render_count == 0
    _unchanged(emu, before)


def test_a_bypass_that_does_not_read_back_stops_the_raw_render(monkeypatch, scenario):
    def ignore_fxen(real, tr, key, value):
        return 1 if key == "I_FXEN" and value == 0 else real(tr, key, value)
    emu, before, msg = _bounce(monkeypatch, scenario("mix_10_tracks"), {"SetMediaTrackInfo_Value": ignore_fxen})
    assert "did not bypass the FX chain of MASTER" in msg
    assert emu.render_count == 1  # the pre-treat render, removed again
    _unchanged(emu, before)


def test_a_render_format_reaper_does_not_take_is_refused(monkeypatch, scenario):
    def keep_24bit(real, proj, key, value, is_set):
        if key == "RENDER_FORMAT" and is_set:
            value = "ZXZhdxgAAA=="
        return real(proj, key, value, is_set)
    emu, before, msg = _bounce(monkeypatch, scenario("mix_10_tracks"), {"GetSetProjectInfo_String": keep_24bit})
    assert "did not accept the WAV format" in msg and emu.render_count == 0
    _unchanged(emu, before)


def test_renders_that_measure_identically_are_an_error(monkeypatch, scenario):
    s = scenario("mix_10_tracks")
    s.project.master.fx = [FXInstance.new("JS: MasterAid Test/Gain")]  # 0 dB: transparent
    emu, before, msg = _bounce(monkeypatch, s)
    assert "measure identically" in msg and "JS: MasterAid Test/Gain" in msg
    assert emu.render_count == 2
    _unchanged(emu, before)


@pytest.mark.parametrize("kwargs,message", [({"bounds": "regions"}, "bounds must be"),
                                            ({"tail_ms": -1}, "tail_ms must be"),
                                            ({"out_dir": "/nonexistent/x"}, "does not exist")])
def test_bad_arguments_are_refused_before_any_change(monkeypatch, scenario, kwargs, message):
    emu, before, msg = _bounce(monkeypatch, scenario("mix_10_tracks"), **kwargs)
    assert message in msg and emu.render_count == 0
    assert diff(before, snapshot(emu.session)) == []


def test_time_selection_bounds_without_tail_into_out_dir(monkeypatch, scenario, tmp_path):
    s = scenario("mix_10_tracks")
    s.project.time_selection = (1.0, 3.5)
    emu = Emulator(s)
    monkeypatch.setattr(bounce_mod, "api", lambda: CheckedApi(ReaperPythonApi(emu.module())))
    before = snapshot(s)
    stages = []
    r = bounce_mod.dual_bounce(bounds="time_selection", tail_ms=0, out_dir=tmp_path,
                               progress=lambda stage, f: stages.append(stage))
    assert sorted(os.listdir(tmp_path)) == ["Mix - pretreat.wav", "Mix - raw.wav", "bounce.json"]
    assert os.listdir(s.project.folder) == []
    for a in (r.raw, r.pretreat):
        assert a.measurements.info.frames == round(2.5 * 48000)
    assert r.settings["RENDER_BOUNDSFLAG"] == 2 and r.settings["RENDER_TAILFLAG"] == 0
    assert stages[0] == "render pretreat" and stages[-1] == "done"
    after = snapshot(emu.session)
    for snap in (before, after):
        snap["projects"][0].pop("render_stats")
        snap["projects"][0].pop("undo_history")
        snap["projects"][0].pop("dirty")
    assert diff(before, after) == []


def test_unsaved_project_needs_saving_or_an_out_dir(monkeypatch, scenario):
    s = scenario("mix_10_tracks")
    s.project.file_name = ""
    emu, before, msg = _bounce(monkeypatch, s)
    assert "the project is not saved: save it first" in msg and emu.render_count == 0
    assert diff(before, snapshot(emu.session)) == []
