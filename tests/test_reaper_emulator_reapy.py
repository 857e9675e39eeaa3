"""reapy 0.10.0, unmodified, over the emulator in a fresh interpreter (as REAPER runs a ReaScript)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import soundfile as sf

from tests.reaper_emulator import FXInstance, Item, Project, Session, Take, Track, diff, run_script

SCRIPT = r'''
import json, sys
from reaper_python import *
import reapy

out = {}
out["inside"] = reapy.is_inside_reaper()
p = reapy.Project()
out["n_tracks"] = p.n_tracks
out["names"] = [t.name for t in p.tracks]
out["master_fx"] = [fx.name for fx in p.master_track.fxs]
bus, kick = p.tracks[0], p.tracks[1]
out["kick_parent"] = kick.parent_track.name
out["kick_depth"] = kick.depth
out["guid_is_ptr"] = kick.GUID.startswith("(GUID*)0x")
kick.name = "Kick In"
out["renamed"] = p.tracks[1].name
kick.set_info_value("D_VOL", 0.5)
out["vol"] = kick.get_info_value("D_VOL")

eq = p.master_track.fxs["VST: ReaEQ (Cockos)"]
try:   # reapy 0.10.0 strips name[:find(": ")+2]: without a prefix it drops the first letter
    p.master_track.fxs["ReaEQ (Cockos)"]
    out["unprefixed_lookup"] = "found"
except KeyError:
    out["unprefixed_lookup"] = "KeyError"
out["eq_index"] = eq.index
out["eq_n_params"] = eq.n_params
out["eq_param0"] = [eq.params[0].name, eq.params[0].formatted, list(eq.params[0].range)]
out["eq_format_0_232"] = eq.params[0].format_value(0.232)
eq.params["Gain-Low Shelf"] = 0.5
out["eq_gain_text"] = eq.params[1].formatted
eq.params[1] = 0.25   # back to 0 dB: with every band at 0 dB the EQ is an identity
eq.disable()
out["eq_enabled"] = eq.is_enabled
eq.enable()
eq.make_offline()
out["eq_online"] = eq.is_online
eq.make_online()
try:
    eq.params[1].normalized = 0.3
    out["normalized_setter"] = "ok"
except AttributeError as exc:   # reapy 0.10.0 bug (API-NOTES section 1)
    out["normalized_setter"] = "AttributeError"

comp = kick.add_fx("ReaComp")
out["comp_name"] = comp.name
comp.params["Thresh"] = 0.5
out["thresh_text"] = comp.params["Thresh"].formatted
out["kick_n_fxs"] = kick.n_fxs
try:
    kick.fxs["NoSuchPlugin"]
    out["missing_fx"] = "found"
except KeyError:
    out["missing_fx"] = "KeyError"
comp.delete()
out["kick_n_fxs_after"] = kick.n_fxs

t = p.add_track(3, "New")
out["n_tracks_after"] = p.n_tracks
p.set_info_string("RENDER_PATTERN", "reapy-render")
out["pattern"] = p.get_info_string("RENDER_PATTERN")
out["srate"] = p.get_info_value("PROJECT_SRATE")
p.set_ext_state("MasterAid", "last", "x=1")
out["ext"] = p.get_ext_state("MasterAid", "last")
reapy.set_ext_state("MasterAid", "g", "1")
out["has_ext"] = reapy.has_ext_state("MasterAid", "g")
reapy.delete_ext_state("MasterAid", "g")
out["has_ext_after"] = reapy.has_ext_state("MasterAid", "g")
with reapy.undo_block("MasterAid: test"):
    t.set_info_value("B_MUTE", 1)
reapy.print("hello from reapy")
out["time_selection"] = [p.time_selection.start, p.time_selection.end]
p.perform_action(42230)
out["cursor"] = p.cursor_position

def later(x):
    reapy.show_console_message("deferred " + str(x) + "\n")
reapy.defer(later, 7)
reapy.at_exit(reapy.show_console_message, "bye\n")
with open(sys.argv[0] + ".json", "w") as fh:
    json.dump(out, fh)
'''


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reapy")
    x = np.zeros((4800, 2))
    x[100] = 0.5
    wav = tmp / "kick.wav"
    sf.write(wav, x, 48000, subtype="FLOAT")
    bus = Track(name="BUS", folder_depth=1)
    kick = Track(name="Kick", folder_depth=-1, items=[Item(0.0, 0.1, takes=[Take(file=str(wav))])])
    p = Project(folder=str(tmp), file_name="Song.rpp", tracks=[bus, kick, Track(name="Other")])
    p.master.fx.append(FXInstance.new("VST: ReaEQ (Cockos)"))
    p.time_selection = (1.0, 2.5)
    p.render_strings["RENDER_FORMAT"] = "ZXZhdyAAAA=="
    s = Session(projects=[p], resource_path=str(tmp / "res"))
    before = s.copy()
    result = run_script(s, code=SCRIPT, workdir=tmp / "run")
    out_file = tmp / "run" / "script.py.json"
    out = json.loads(out_file.read_text()) if out_file.exists() else {}
    return before, result, out, tmp


def test_script_ran_cleanly(run):
    _, r, out, _ = run
    assert r.returncode == 0 and r.error is None, r.error or r.stderr
    assert r.warnings == [] and r.pointer_faults == [] and r.open_undo_blocks == 0
    assert out["inside"] is True


def test_project_and_track_layer(run):
    _, r, out, _ = run
    assert out["n_tracks"] == 3 and out["names"] == ["BUS", "Kick", "Other"]
    assert out["kick_parent"] == "BUS" and out["kick_depth"] == 1 and out["guid_is_ptr"]
    assert out["renamed"] == "Kick In" and out["vol"] == 0.5
    assert out["n_tracks_after"] == 4
    assert [t.name for t in r.project.tracks] == ["BUS", "Kick In", "Other", "New"]
    assert r.project.tracks[3].mute is True
    assert r.project.undo_history == [{"name": "MasterAid: test", "flags": 0}]


def test_fx_and_param_layer(run):
    _, r, out, _ = run
    assert out["master_fx"] == ["VST: ReaEQ (Cockos)"] and out["eq_index"] == 0
    assert out["unprefixed_lookup"] == "KeyError"  # real reapy 0.10.0 behaviour, see the script
    assert out["eq_n_params"] == 5 * 3 + 1 + 2  # bands, Global Gain, Bypass, Wet
    assert out["eq_param0"] == ["Freq-Low Shelf", "100.0", [0.0, 1.0]]
    assert out["eq_format_0_232"] == "200.0"
    assert out["eq_gain_text"] == "6.0"  # 4 * 0.5 = 2.0 linear
    assert out["eq_enabled"] is False and out["eq_online"] is False
    assert r.project.master.fx[0].enabled and not r.project.master.fx[0].offline
    assert out["normalized_setter"] == "AttributeError"
    assert out["comp_name"] == "VST: ReaComp (Cockos)" and out["thresh_text"] == "-6.0"
    assert out["kick_n_fxs"] == 1 and out["missing_fx"] == "KeyError" and out["kick_n_fxs_after"] == 0


def test_state_console_defer_and_render(run):
    before, r, out, tmp = run
    assert out["pattern"] == "reapy-render" and out["srate"] == 48000.0
    assert out["ext"] == "x=1" and out["has_ext"] is True and out["has_ext_after"] is False
    assert r.project.ext_state == {"MasterAid": {"last": "x=1"}}
    assert out["time_selection"] == [1.0, 2.5]
    # reapy.show_console_message goes through print(), which adds its own newline
    assert r.console == "hello from reapy\ndeferred 7\n\nbye\n\n"
    target = os.path.join(str(tmp), "reapy-render.wav")
    y, rate = sf.read(target, always_2d=True)
    assert rate == 48000 and y.shape == (4800, 2) and y[100, 0] == pytest.approx(0.5 * 0.5, abs=1e-7)
    changed = diff(before.to_dict(), r.session.to_dict())
    assert any("render_stats" in c for c in changed)


def test_script_error_keeps_state_and_reports(tmp_path):
    s = Session(projects=[Project(tracks=[Track(name="A")])], resource_path=str(tmp_path))
    r = run_script(s, code="from reaper_python import *\n"
                           "RPR_GetSetMediaTrackInfo_String(RPR_GetTrack(0, 0), 'P_NAME', 'B', True)\n"
                           "RPR_Undo_BeginBlock()\n"
                           "RPR_defer('RPR_ShowConsoleMsg(\"never\")')\n"
                           "raise ValueError('boom')\n", workdir=tmp_path / "run")
    assert "ValueError: boom" in r.error
    assert r.project.tracks[0].name == "B" and r.console == ""
    assert r.open_undo_blocks == 1 and "1 undo block(s) left open" in r.warnings


def test_stale_pointer_through_reapy_is_recorded(tmp_path):
    # reapy's additional_api replaces rpr_packp with one that skips ValidatePtr, so a deleted
    # track's pointer reaches the API (real REAPER would read freed memory): the emulator records it.
    s = Session(projects=[Project(tracks=[Track(name="A"), Track(name="B")])], resource_path=str(tmp_path))
    r = run_script(s, code="import reapy\n"
                           "t = reapy.Project().tracks[1]\n"
                           "t.delete()\n"
                           "t.get_info_value('D_VOL')\n", workdir=tmp_path / "run")
    assert r.error is None, r.error
    assert len(r.pointer_faults) == 1 and r.pointer_faults[0].startswith("invalid MediaTrack* 0x")
    assert [t.name for t in r.project.tracks] == ["A"]


def test_defer_runs_cycle_by_cycle_and_is_capped(tmp_path):
    s = Session(resource_path=str(tmp_path))
    code = ("from reaper_python import *\n"
            "def tick():\n"
            "    RPR_ShowConsoleMsg('t')\n"
            "    RPR_defer('tick()')\n"
            "RPR_defer('tick()')\n"
            "RPR_atexit('RPR_ShowConsoleMsg(\"|end\")')\n")
    r = run_script(s, code=code, workdir=tmp_path / "run", max_defer_cycles=5)
    assert r.error is None, r.error
    assert r.console == "ttttt|end"
    assert any("deferred code still pending after 5 cycles" in w for w in r.warnings)
