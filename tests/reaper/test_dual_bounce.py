"""The "MasterAid - Dual bounce" action, run as REAPER runs it (fresh interpreter, reapy over the
emulator), on the emulator's ready-made projects."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from masteraid.analysis import analyze
from tests.reaper_emulator import Emulator, diff, fail_render, raise_on, snapshot
from tests.reaper_emulator.render import mix

from .conftest import DUAL_BOUNCE, run_action, state

TAIL_S = 1.0  # dual_bounce's default tail_ms
ACTION = "MasterAid: Dual bounce"


def _run(session, workdir, *, prepare=None):
    if prepare is not None:
        prepare(session)
    before = session.copy()
    result = run_action(session, DUAL_BOUNCE, Path(workdir) / "run")
    return before, result, Path(session.project.folder)


def _reference(session, *, bus_off):
    """The emulator's own master mix over the project + tail, with or without the bus chain."""
    s = session.copy()
    p = s.project
    for t in p.all_tracks():
        if t.guid == bus_off:
            t.fx_enabled = False
    y, _ = mix(Emulator(s), p, 0.0, p.length_s() + TAIL_S)
    return y


@pytest.fixture(scope="module")
def master_run(tmp_path_factory, scenario):
    return _run(scenario("mix_10_tracks"), tmp_path_factory.mktemp("master"))


@pytest.fixture(scope="module")
def bus_run(tmp_path_factory, scenario):
    return _run(scenario("mix_bus"), tmp_path_factory.mktemp("bus"))


def _read(path):
    info = sf.info(str(path))
    y, rate = sf.read(str(path), always_2d=True, dtype="float64")
    return y, rate, info.subtype


# ---------------------------------------------------------------------------------- master chain

def test_master_chain_renders_both_files_as_float_at_project_rate(master_run):
    before, r, folder = master_run
    assert r.error is None and r.returncode == 0, r.error or r.stderr
    assert sorted(os.listdir(folder)) == ["Mix - pretreat.wav", "Mix - raw.wav", "bounce.json"]
    for name in ("Mix - pretreat.wav", "Mix - raw.wav"):
        y, rate, subtype = _read(folder / name)
        assert (rate, y.shape[1], subtype) == (48000, 2, "FLOAT")
        assert len(y) == round((before.project.length_s() + TAIL_S) * 48000)


def test_raw_is_the_mix_without_master_fx_and_pretreat_is_with_them(master_run):
    before, r, folder = master_run
    raw, _, _ = _read(folder / "Mix - raw.wav")
    pre, _, _ = _read(folder / "Mix - pretreat.wav")
    want_raw = _reference(before, bus_off=before.project.master.guid)
    want_pre = _reference(before, bus_off=None)
    tol = 1e-6  # float32 storage
    assert np.max(np.abs(raw - want_raw)) < tol
    assert np.max(np.abs(pre - want_pre)) < tol
    assert np.max(np.abs(raw - pre)) > 0.05  # the chain really changed the pretreat
    # the chain (EQ boost, compressor, limiter) makes the pre-treat louder than the raw mix
    assert analyze(folder / "Mix - pretreat.wav").loudness.integrated_lufs > \
        analyze(folder / "Mix - raw.wav").loudness.integrated_lufs + 1.0


def test_project_is_left_as_found_with_one_named_undo_point(master_run):
    before, r, _ = master_run
    assert diff(state(before), state(r.session)) == []
    assert r.project.undo_history == [{"name": ACTION, "flags": -1}]
    assert r.open_undo_blocks == 0 and r.warnings == [] and r.pointer_faults == []
    # the bypass really happened (and was undone): master I_FXEN 0 was written, then 1
    master_fxen = [a[2] for a in r.calls_to("SetMediaTrackInfo_Value") if a[1] == "I_FXEN"]
    assert master_fxen == [0, 1.0]
    # RENDER_FORMAT is the last render setting written back, with the user's value
    sets = [a for a in r.calls_to("GetSetProjectInfo_String") if a[3]]
    assert sets[-1][1:3] == ["RENDER_FORMAT", before.project.render_strings["RENDER_FORMAT"]]
    # no render normalization, float WAV, no secondary format were in force during the renders
    assert ["RENDER_NORMALIZE", 0.0] in [a[1:3] for a in r.calls_to("GetSetProjectInfo") if a[3]]


def test_bounce_json_describes_both_renders(master_run):
    before, r, folder = master_run
    doc = json.loads((folder / "bounce.json").read_text(encoding="utf-8"))
    master = before.project.master
    assert doc["bus"]["is_master"] is True and doc["bus"]["track"] == "MASTER"
    assert [(f["name"], f["guid"]) for f in doc["bypassed_fx"]] == \
        [(fx.display_name(), fx.guid) for fx in master.fx]
    assert doc["reaper_version"] == before.app_version
    assert doc["renders"]["raw"]["file"] == "Mix - raw.wav"
    assert doc["renders"]["pretreat"]["file"] == "Mix - pretreat.wav"
    assert doc["settings"]["RENDER_NORMALIZE"] == 0 and doc["settings"]["RENDER_FORMAT"] == "ZXZhdyAAAA=="
    m = analyze(folder / "Mix - raw.wav")
    assert doc["renders"]["raw"]["integrated_lufs"] == pytest.approx(m.loudness.integrated_lufs)


def test_console_summary_has_loudness_peak_and_verdict_of_each(master_run):
    _, r, folder = master_run
    for name in ("Mix - pretreat.wav", "Mix - raw.wav"):
        m = analyze(folder / name)
        line = next(ln for ln in r.console.splitlines() if name in ln)
        assert f"{m.loudness.integrated_lufs:.1f} LUFS" in line
        assert f"{m.peaks.true_peak_dbtp:.1f} dBTP" in line
        assert "warning" in line or "ready" in line or "error" in line
    assert "MasterAid dual bounce — bus: MASTER" in r.console


# ------------------------------------------------------------------------------------- mix bus

def test_mix_bus_track_fx_are_the_ones_bypassed(bus_run):
    before, r, folder = bus_run
    assert r.error is None, r.error
    bus = before.project.tracks[0]
    doc = json.loads((folder / "bounce.json").read_text(encoding="utf-8"))
    assert doc["bus"]["track"] == "MIX BUS" and doc["bus"]["guid"] == bus.guid and not doc["bus"]["is_master"]
    assert [f["guid"] for f in doc["bypassed_fx"]] == [fx.guid for fx in bus.fx]
    raw, _, _ = _read(folder / "Mix bus - raw.wav")
    assert np.max(np.abs(raw - _reference(before, bus_off=bus.guid))) < 1e-6
    pre, _, _ = _read(folder / "Mix bus - pretreat.wav")
    assert np.max(np.abs(pre - _reference(before, bus_off=None))) < 1e-6
    assert diff(state(before), state(r.session)) == []
    assert r.project.undo_history == [{"name": ACTION, "flags": -1}]
    fxen = [a[1:3] for a in r.calls_to("SetMediaTrackInfo_Value")]
    assert all(k == "I_FXEN" for k, _ in fxen) and [v for _, v in fxen] == [0, 1.0]


# ------------------------------------------------------------------------------- nothing to do

def _master_fx_disabled(session):
    for fx in session.project.master.fx:
        fx.enabled = False


@pytest.mark.parametrize("name,prepare", [("empty", None), ("mix_10_tracks", _master_fx_disabled)],
                         ids=["empty-project", "master-fx-all-disabled"])
def test_no_bus_fx_is_a_clear_message_and_changes_nothing(tmp_path, scenario, name, prepare):
    before, r, folder = _run(scenario(name), tmp_path, prepare=prepare)
    assert r.error is None  # no traceback: one console line
    assert r.console.startswith("MasterAid: no stereo-bus FX found") and r.console.count("\n") == 1
    assert "put the pre-treat on the master FX chain" in r.console
    assert os.listdir(folder) == []
    assert diff(snapshot(before), r.snapshot()) == []  # not even an undo point
    assert not [a for a in r.calls_to("GetSetProjectInfo") if a[3]]


# -------------------------------------------------------------------------------------- faults

def _second_set_call(master_run):
    """Number of the GetSetProjectInfo call that is the second *set* in a clean run."""
    calls = master_run[1].calls_to("GetSetProjectInfo")
    sets = [i for i, a in enumerate(calls, start=1) if a[3]]
    return sets[1]


FAULTS = {
    "render-fails": (lambda s, mr: fail_render(s, mode="fail", render=1), "render produced no file"),
    "second-render-writes-nothing": (lambda s, mr: fail_render(s, mode="nothing", render=2),
                                     "render produced no file"),
    "second-render-truncated": (lambda s, mr: fail_render(s, mode="truncated", render=2), "render cut short"),
    "render-action-raises": (lambda s, mr: fail_render(s, mode="raise", render=1),
                             "REAPER API call Main_OnCommandEx failed"),
    "second-setting-write-raises": (lambda s, mr: raise_on(s, "GetSetProjectInfo", call=_second_set_call(mr)),
                                    "REAPER API call GetSetProjectInfo failed"),
    "bypass-raises": (lambda s, mr: raise_on(s, "SetMediaTrackInfo_Value", call=1),
                      "REAPER API call SetMediaTrackInfo_Value failed"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_half_way_restores_project_and_leaves_no_file(tmp_path, scenario, master_run, fault):
    inject, message = FAULTS[fault]
    before, r, folder = _run(scenario("mix_10_tracks"), tmp_path, prepare=lambda s: inject(s, master_run))
    assert r.error is None, r.error  # shown as one console line, no traceback
    line = next(ln for ln in r.console.splitlines() if ln.startswith("MasterAid: "))
    assert message in line
    assert os.listdir(folder) == []  # no partial render, no bounce.json
    assert diff(state(before), state(r.session)) == []
    assert r.project.undo_history == [{"name": ACTION, "flags": -1}] and r.open_undo_blocks == 0
    assert r.project.master.fx_enabled and all(fx.enabled for fx in r.project.master.fx)


# ------------------------------------------------------------------------------- never overwrite

def test_existing_raw_is_not_overwritten(tmp_path, scenario):
    sentinel = np.full((480, 2), 0.25)

    def prepare(session):
        sf.write(os.path.join(session.project.folder, "Mix - raw.wav"), sentinel, 48000, subtype="FLOAT")
    before, r, folder = _run(scenario("mix_10_tracks"), tmp_path, prepare=prepare)
    assert r.error is None, r.error
    assert sorted(os.listdir(folder)) == ["Mix - pretreat (2).wav", "Mix - raw (2).wav", "Mix - raw.wav",
                                          "bounce (2).json"]
    kept, _, _ = _read(folder / "Mix - raw.wav")
    assert np.array_equal(kept, sentinel)
    doc = json.loads((folder / "bounce (2).json").read_text(encoding="utf-8"))
    assert doc["renders"]["raw"]["file"] == "Mix - raw (2).wav"
    assert diff(state(before), state(r.session)) == []
