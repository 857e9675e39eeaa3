"""Faults on demand: chosen calls raise, renders fail or write nothing; a guard restores state."""

from __future__ import annotations

import os

import numpy as np
import pytest
import soundfile as sf

from tests.reaper_emulator import (Emulator, FXInstance, InjectedFault, Item, Project, Session, Take, Track, diff,
                                   fail_render, raise_on, run_script, snapshot)


def _session(tmp_path) -> Session:
    wav = tmp_path / "a.wav"
    sf.write(wav, np.full((4800, 2), 0.25), 48000, subtype="FLOAT")
    p = Project(folder=str(tmp_path), file_name="Song.rpp",
                tracks=[Track(name="A", items=[Item(0.0, 0.1, takes=[Take(file=str(wav))])])])
    p.master.fx.append(FXInstance.new("VST: ReaLimit (Cockos)"))
    p.render_strings["RENDER_FORMAT"] = "ZXZhdyAAAA=="
    return Session(projects=[p], resource_path=str(tmp_path / "res"))


def test_nth_call_raises_before_any_effect(tmp_path):
    s = _session(tmp_path)
    raise_on(s, "SetMediaTrackInfo_Value", call=2)
    rp = Emulator(s).module()
    tr = rp.RPR_GetTrack(0, 0)
    assert rp.RPR_SetMediaTrackInfo_Value(tr, "D_VOL", 0.5) == 1
    with pytest.raises(InjectedFault, match="SetMediaTrackInfo_Value"):
        rp.RPR_SetMediaTrackInfo_Value(tr, "D_VOL", 0.25)
    assert s.project.tracks[0].volume == 0.5
    assert rp.RPR_SetMediaTrackInfo_Value(tr, "D_VOL", 0.125) == 1  # only the 2nd call fails


def test_every_call_raises(tmp_path):
    s = _session(tmp_path)
    raise_on(s, "RPR_CountTracks", call=None, message="disk on fire")
    rp = Emulator(s).module()
    for _ in range(3):
        with pytest.raises(InjectedFault, match="disk on fire"):
            rp.RPR_CountTracks(0)


def test_fault_on_unknown_function_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not a function"):
        raise_on(_session(tmp_path), "TrackFX_DoesNotExist")
    with pytest.raises(ValueError, match="mode"):
        fail_render(_session(tmp_path), mode="explode")


@pytest.mark.parametrize("mode", ["fail", "nothing", "truncated", "raise"])
def test_render_faults(tmp_path, mode):
    s = _session(tmp_path)
    fail_render(s, mode=mode, render=1)
    emu = Emulator(s)
    rp = emu.module()
    target = rp.RPR_GetSetProjectInfo_String(0, "RENDER_TARGETS", "", False)[3]
    if mode == "raise":
        with pytest.raises(InjectedFault):
            rp.RPR_Main_OnCommand(42230, 0)
    else:
        rp.RPR_Main_OnCommand(42230, 0)
    if mode == "truncated":
        assert sf.info(target).frames == 2400
    else:
        assert not os.path.exists(target)
        assert s.project.render_stats == ""
    assert ("Render failed" in s.console) == (mode == "fail")
    rp.RPR_Main_OnCommand(42230, 0) if mode != "truncated" else os.remove(target)
    if mode != "truncated":
        assert sf.info(target).frames == 4800  # the second render is unaffected


GUARDED = r'''
from reaper_python import *
from tests.reaper_emulator.faults import InjectedFault
KEYS = ["RENDER_BOUNDSFLAG", "RENDER_SRATE"]
SKEYS = ["RENDER_FILE", "RENDER_PATTERN", "RENDER_FORMAT"]
master = RPR_GetMasterTrack(0)
saved = {k: RPR_GetSetProjectInfo(0, k, 0, False) for k in KEYS}
saved_s = {k: RPR_GetSetProjectInfo_String(0, k, "", False)[3] for k in SKEYS}
saved_fxen = RPR_GetMediaTrackInfo_Value(master, "I_FXEN")
saved_ts = RPR_GetSet_LoopTimeRange2(0, False, False, 0, 0, False)[3:5]
RPR_Undo_BeginBlock()
try:
    RPR_GetSet_LoopTimeRange2(0, True, False, 0.0, 0.05, False)
    RPR_GetSetProjectInfo(0, "RENDER_BOUNDSFLAG", 2, True)
    RPR_GetSetProjectInfo_String(0, "RENDER_PATTERN", "raw", True)
    RPR_SetMediaTrackInfo_Value(master, "I_FXEN", 0)
    RPR_Main_OnCommand(42230, 0)
finally:
    RPR_SetMediaTrackInfo_Value(master, "I_FXEN", saved_fxen)
    RPR_GetSet_LoopTimeRange2(0, True, False, saved_ts[0], saved_ts[1], False)
    for k, v in saved.items():
        RPR_GetSetProjectInfo(0, k, v, True)
    for k in ["RENDER_FILE", "RENDER_PATTERN", "RENDER_FORMAT"]:   # RENDER_FORMAT last (CFRP)
        RPR_GetSetProjectInfo_String(0, k, saved_s[k], True)
    RPR_Undo_EndBlock("MasterAid: guarded render", -1)
'''


@pytest.mark.parametrize("fault", ["render_raise", "setter_raise", None])
def test_a_guard_leaves_the_project_as_found(tmp_path, fault):
    s = _session(tmp_path)
    if fault == "render_raise":
        fail_render(s, mode="raise")
    elif fault == "setter_raise":
        raise_on(s, "SetMediaTrackInfo_Value", call=1)  # the first change fails
    r = run_script(s, code=GUARDED, workdir=tmp_path / "run")
    assert (r.error is None) == (fault is None), r.error
    changes = [c for c in diff(snapshot(s), r.snapshot())
               if not c.startswith(("projects[0].undo_history", "projects[0].dirty", "projects[0].render_stats"))]
    assert changes == []
    assert r.project.undo_history == [{"name": "MasterAid: guarded render", "flags": -1}]
    assert os.path.exists(tmp_path / "raw.wav") == (fault is None)


def test_an_unguarded_script_is_caught(tmp_path):
    s = _session(tmp_path)
    fail_render(s, mode="raise")
    code = GUARDED.replace("finally:", "except ZeroDivisionError:")  # the restore never runs
    r = run_script(s, code=code, workdir=tmp_path / "run")
    changes = diff(snapshot(s), r.snapshot())
    assert "InjectedFault" in r.error
    assert any(c.startswith("projects[0].master.fx_enabled") for c in changes)
    assert any(c.startswith("projects[0].render_strings.RENDER_PATTERN") for c in changes)
    assert any(c.startswith("projects[0].time_selection") for c in changes)
    assert r.open_undo_blocks == 1
