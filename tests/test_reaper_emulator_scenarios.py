"""The scenarios through the subprocess runner: a dual bounce (raw / pre-treat) of the mix-bus project."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from tests.reaper_emulator import Emulator, diff, snapshot
from tests.reaper_emulator.fixtures import reaper_mix_bus, reaper_run  # noqa: F401 (pytest fixtures)
from tests.reaper_emulator.render import mix

DUAL_BOUNCE = r'''
from reaper_python import *
bus = RPR_GetTrack(0, 0)
assert_name = RPR_GetSetMediaTrackInfo_String(bus, "P_NAME", "", False)[3]
RPR_Undo_BeginBlock()
fxen = RPR_GetMediaTrackInfo_Value(bus, "I_FXEN")
pattern = RPR_GetSetProjectInfo_String(0, "RENDER_PATTERN", "", False)[3]
fmt = RPR_GetSetProjectInfo_String(0, "RENDER_FORMAT", "", False)[3]
try:
    RPR_GetSetProjectInfo_String(0, "RENDER_FORMAT", "ZXZhdyAAAA==", True)
    RPR_SetMediaTrackInfo_Value(bus, "I_FXEN", 0)
    RPR_GetSetProjectInfo_String(0, "RENDER_PATTERN", "$project - raw", True)
    RPR_Main_OnCommand(42230, 0)
    RPR_SetMediaTrackInfo_Value(bus, "I_FXEN", fxen)
    RPR_GetSetProjectInfo_String(0, "RENDER_PATTERN", "$project - pretreat", True)
    RPR_Main_OnCommand(42230, 0)
    RPR_ShowConsoleMsg(RPR_GetSetProjectInfo_String(0, "RENDER_STATS", "", False)[3] + "\n")
finally:
    RPR_SetMediaTrackInfo_Value(bus, "I_FXEN", fxen)
    RPR_GetSetProjectInfo_String(0, "RENDER_PATTERN", pattern, True)
    RPR_GetSetProjectInfo_String(0, "RENDER_FORMAT", fmt, True)
    RPR_Undo_EndBlock("MasterAid: Dual bounce", -1)
'''


def test_dual_bounce_of_the_mix_bus_scenario(reaper_mix_bus, reaper_run):
    session = reaper_mix_bus
    r = reaper_run(session, code=DUAL_BOUNCE).check()
    assert r.warnings == [] and r.pointer_faults == []
    folder = session.project.folder
    raw, rate = sf.read(f"{folder}/Mix bus - raw.wav", always_2d=True)
    pre, _ = sf.read(f"{folder}/Mix bus - pretreat.wav", always_2d=True)
    assert rate == 48000 and raw.shape == pre.shape == (10 * 48000, 2)
    # raw = the same mix computed in-process with the bus chain off
    emu = Emulator(session.copy())
    emu.project.tracks[0].fx_enabled = False
    expected, _ = mix(emu, emu.project, 0.0, 10.0)
    np.testing.assert_allclose(raw, expected, atol=1e-6)
    # pre-treat: ReaLimit ceiling -1 dBFS holds, and the chain changed the audio
    assert np.max(np.abs(pre)) <= 10 ** (-1 / 20) + 1e-6
    assert np.max(np.abs(pre - raw)) > 0.01
    assert "FILE:" in r.console and "pretreat" in r.console
    changes = [c for c in diff(snapshot(session), r.snapshot()) if not c.startswith(
        ("projects[0].undo_history", "projects[0].dirty", "projects[0].render_stats"))]
    assert changes == []
    assert r.project.undo_history[-1]["name"] == "MasterAid: Dual bounce"
