"""find_bus and ProjectState in-process over the emulator's binding (fast; no subprocess)."""

from __future__ import annotations

import pytest

from masteraid.errors import ReaperError
from masteraid.reaper._api import CheckedApi
from masteraid.reaper.bus import find_bus
from masteraid.reaper.guard import ProjectState, undo_block
from tests.reaper_emulator import Emulator, FXInstance, Track, diff, snapshot

from .conftest import ReaperPythonApi


def _rpr(session):
    emu = Emulator(session)
    return emu, CheckedApi(ReaperPythonApi(emu.module()))


def test_auto_prefers_master_then_the_mix_bus_track(scenario):
    emu, rpr = _rpr(scenario("mix_10_tracks"))
    c = find_bus(rpr, None, "auto")
    assert c.is_master and [f.guid for f in c.active_fx] == [fx.guid for fx in emu.project.master.fx]
    emu, rpr = _rpr(scenario("mix_bus"))
    c = find_bus(rpr, None, "auto")
    assert c.name == "MIX BUS" and not c.is_master and "folder parent" in c.reason
    assert c.guid == emu.project.tracks[0].guid


def test_a_drum_bus_fed_by_some_tracks_only_is_not_the_stereo_bus(scenario):
    s = scenario("mix_10_tracks")
    p = s.project
    chain, p.master.fx = p.master.fx, []
    # "Drum Bus" is a folder parent of Kick and Snare only: the other tracks do not feed it
    p.tracks.insert(0, Track(name="Drum Bus", folder_depth=1, fx=chain))
    p.tracks[2].folder_depth = -1
    _, rpr = _rpr(s)
    with pytest.raises(ReaperError, match="no stereo-bus FX found"):
        find_bus(rpr, None, "auto")
    c = find_bus(rpr, None, "Drum Bus")  # named explicitly, it is used
    assert c.name == "Drum Bus" and len(c.active_fx) == 3


def test_two_bus_candidates_are_ambiguous(scenario):
    s = scenario("mix_bus")
    p = s.project
    # a second top-level "2BUS" receiving sends from every track, with its own FX
    from tests.reaper_emulator import Send
    extra = Track(name="2BUS", fx=[FXInstance.new("VST: ReaComp (Cockos)")])
    p.tracks.append(extra)
    for t in p.tracks[1:-1]:
        t.sends.append(Send(dest_guid=extra.guid))
    _, rpr = _rpr(s)
    with pytest.raises(ReaperError, match=r"several tracks look like the stereo bus \('MIX BUS', '2BUS'\)"):
        find_bus(rpr, None, "auto")


@pytest.mark.parametrize("bus,message", [("Kick", "has no enabled FX"), ("Nope", "no track is named 'Nope'"),
                                         ("{00000000-0000-0000-0000-00000000000F}", "no track has GUID"),
                                         ("", "bus must be")])
def test_explicit_bus_errors_say_what_to_do(scenario, bus, message):
    _, rpr = _rpr(scenario("mix_bus"))
    with pytest.raises(ReaperError, match=message):
        find_bus(rpr, None, bus)


def test_guard_restores_everything_after_an_error_half_way(scenario):
    emu, rpr = _rpr(scenario("mix_10_tracks"))
    before = snapshot(emu.session)
    master = rpr.GetMasterTrack(None)
    with pytest.raises(RuntimeError, match="half-way"):
        with ProjectState(rpr, None) as st:
            st.keep_project_value("RENDER_NORMALIZE")
            st.keep_project_string("RENDER_PATTERN")
            st.keep_project_string("RENDER_FORMAT")
            st.keep_track_value(master, "I_FXEN", "MASTER")
            st.keep_fx_enabled(master, "MASTER")
            st.keep_time_selection()
            st.keep_edit_cursor()
            rpr.GetSetProjectInfo(None, "RENDER_NORMALIZE", 193, True)
            rpr.GetSetProjectInfo_String(None, "RENDER_PATTERN", "x", True)
            rpr.GetSetProjectInfo_String(None, "RENDER_FORMAT", "ZXZhdxAAAA==", True)
            rpr.SetMediaTrackInfo_Value(master, "I_FXEN", 0)
            rpr.TrackFX_SetEnabled(master, 1, False)
            emu.project.master.fx.reverse()  # FX moved: found again by GUID, not by index
            rpr.GetSet_LoopTimeRange2(None, True, False, 0.5, 1.5, False)
            rpr.SetEditCurPos2(None, 3.0, False, False)
            raise RuntimeError("half-way")
    emu.project.master.fx.reverse()
    assert diff(before, snapshot(emu.session)) == []
    assert emu.project.master.fx[1].enabled
    names = [c[1][1] for c in emu.calls if c[0] == "GetSetProjectInfo_String" and c[1][3]]
    assert names[-1] == "RENDER_FORMAT"


def test_guard_reports_what_it_could_not_restore(scenario):
    emu, rpr = _rpr(scenario("mix_10_tracks"))
    from tests.reaper_emulator import raise_on
    with pytest.raises(ReaperError, match=r"boom.*and then: REAPER did not take back.*RENDER_DITHER"):
        with ProjectState(rpr, None) as st:
            st.keep_project_value("RENDER_DITHER")
            rpr.GetSetProjectInfo(None, "RENDER_DITHER", 1, True)
            raise_on(emu.session, "GetSetProjectInfo", call=None)  # every later call fails
            raise ReaperError("boom")


def test_undo_block_is_one_named_point_even_on_error(scenario):
    emu, rpr = _rpr(scenario("empty"))
    with pytest.raises(ValueError):
        with undo_block(rpr, None, "MasterAid: test"):
            raise ValueError
    assert emu.undo_depth == 0 and emu.project.undo_history == [{"name": "MasterAid: test", "flags": -1}]
