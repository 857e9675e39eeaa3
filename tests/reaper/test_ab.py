"""The "MasterAid - Loudness-matched AB" action, run as REAPER runs it (fresh interpreter, reapy over the
emulator), over the ready-made 10-track mix with a dual bounce's files next to it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from masteraid.analysis import analyze
from masteraid.match import plan_match, streaming_preview
from masteraid.reaper.ab import ACTION_NAME, EXT_KEY, EXT_SECTION, track_label
from tests.reaper_emulator import diff, raise_on, run_script, snapshot
from tests.signals import music_like

from .conftest import SCRIPTS, run_action

AB = SCRIPTS / "MasterAid - Loudness-matched AB.py"
RATE = 48000


def _bounce(folder: Path, *, suffix: str = "", created: str = "2026-11-23T20:00:00+00:00",
            pre_db: float = -12.0) -> tuple[Path, Path]:
    """A dual bounce as :mod:`masteraid.reaper.bounce` leaves it: two WAVs and bounce.json (its shape)."""
    raw = folder / f"Mix - raw{suffix}.wav"
    pre = folder / f"Mix - pretreat{suffix}.wav"
    sf.write(raw, music_like(4.0, RATE, 2, seed=7, level_db=-20.0), RATE, subtype="FLOAT")
    y = np.tanh(3 * music_like(4.0, RATE, 2, seed=7, level_db=pre_db)) / 3  # squashed and louder
    sf.write(pre, y, RATE, subtype="FLOAT")
    doc = {"schema": "masteraid-bounce/1", "schema_version": 1, "created_utc": created,
           "renders": {"raw": {"file": raw.name}, "pretreat": {"file": pre.name}}}
    (folder / f"bounce{suffix}.json").write_text(json.dumps(doc), encoding="utf-8")
    return raw, pre


def _prepared(scenario):
    s = scenario("mix_10_tracks")
    s.project.tracks[2].selected = True          # InsertMedia moves selections: they must come back
    s.project.tracks[0].items[0].selected = True
    s.project.cursor_s = 1.25
    return s


def _ab_tracks(session):
    guids = json.loads(session.project.ext_state[EXT_SECTION][EXT_KEY])
    by_guid = {t.guid: t for t in session.project.tracks}
    return by_guid[guids["raw"]], by_guid[guids["pretreat"]]


def _without_ab(session) -> dict:
    """Snapshot with the A/B tracks, the ext state key, undo history and dirty flag taken out."""
    s = session.copy()
    guids = json.loads(s.project.ext_state.get(EXT_SECTION, {}).get(EXT_KEY, "{}"))
    s.project.tracks = [t for t in s.project.tracks if t.guid not in (guids.get("raw"), guids.get("pretreat"))]
    sec = s.project.ext_state.get(EXT_SECTION, {})
    sec.pop(EXT_KEY, None)
    if not sec:
        s.project.ext_state.pop(EXT_SECTION, None)
    d = snapshot(s)
    for p in d["projects"]:
        p.pop("undo_history")
        p.pop("dirty")
    return d


@pytest.fixture(scope="module")
def first(tmp_path_factory, scenario):
    s = _prepared(scenario)
    raw, pre = _bounce(Path(s.project.folder))
    # an older bounce written after it (newer file time): the newest by created_utc must be picked
    _bounce(Path(s.project.folder), suffix=" (2)", created="2026-11-23T19:00:00+00:00", pre_db=-30.0)
    before = s.copy()
    r = run_action(s, AB, tmp_path_factory.mktemp("ab") / "run")
    return before, r, raw, pre


def test_first_run_makes_two_matched_tracks_at_the_start(first):
    before, r, raw, pre = first
    assert r.error is None, r.error
    assert r.warnings == [] and r.pointer_faults == [] and r.open_undo_blocks == 0
    t_raw, t_pre = _ab_tracks(r.session)
    assert len(r.project.tracks) == len(before.project.tracks) + 2
    for t, path in ((t_raw, raw), (t_pre, pre)):
        assert len(t.items) == 1 and t.items[0].position_s == 0.0
        assert t.items[0].takes[0].file == str(path.resolve())
        assert t.solo == 1 and t.main_send
    assert (t_raw.mute, t_pre.mute) == (False, True)  # A (raw) plays first
    # equal loudness after D_VOL, from the analysis of the files (not from the action's numbers)
    lr, lp = analyze(raw).loudness.integrated_lufs, analyze(pre).loudness.integrated_lufs
    assert lp - lr > 3  # the pre-treat really is louder, so the match does something
    assert abs((lr + 20 * math.log10(t_raw.volume)) - (lp + 20 * math.log10(t_pre.volume))) < 0.1
    plan = plan_match(analyze(raw), analyze(pre), names=("raw", "pretreat"))
    gains = {e.name: e.gain_db for e in plan.entries}
    assert t_raw.name == track_label("raw", gains["raw"]) and t_pre.name == track_label("pretreat", gains["pretreat"])
    assert track_label("pretreat", -3.24) == "MasterAid A/B - pretreat (−3.2 dB)"
    assert r.project.undo_history == [{"name": ACTION_NAME, "flags": -1}]


def test_first_run_changes_nothing_else(first):
    before, r, _, _ = first
    assert diff(_without_ab(before), _without_ab(r.session)) == []
    assert r.project.cursor_s == 1.25 and r.project.tracks[0].items[0].selected


def test_console_has_gains_loudness_streaming_preview_and_findings(first):
    _, r, raw, pre = first
    text = r.console
    plan = plan_match(analyze(raw), analyze(pre), names=("raw", "pretreat"))
    for e in plan.entries:
        assert f"{e.gain_db:+5.1f} dB" in text and f"{e.level_lufs:6.1f} LUFS -> {e.matched_level_lufs:6.1f} LUFS" in text
    for a, b in zip(streaming_preview(analyze(raw)), streaming_preview(analyze(pre))):
        line = next(ln for ln in text.splitlines() if ln.strip().startswith(a.name + " "))
        assert f"raw {a.gain_db:+5.1f} dB -> {a.playback_lufs:6.1f} LUFS" in line
        assert f"pretreat {b.gain_db:+5.1f} dB -> {b.playback_lufs:6.1f} LUFS" in line
    assert "louder than the raw, but after loudness normalization it plays" in text
    assert "Bypass the master FX chain while A/B-ing" in text  # the mix has a master pre-treat chain
    assert "(2)" not in text.splitlines()[0]  # the newest bounce was used


def test_second_run_toggles_with_one_undo_point_each(first, tmp_path):
    _, r1, _, _ = first
    r2 = run_action(r1.session.copy(), AB, tmp_path / "run2")
    assert r2.error is None, r2.error
    assert r2.warnings == [] and r2.open_undo_blocks == 0
    t_raw, t_pre = _ab_tracks(r2.session)
    assert (t_raw.mute, t_pre.mute) == (True, False)
    assert len(r2.project.tracks) == len(r1.project.tracks)
    assert r2.console[len(r1.console):].startswith("MasterAid A/B: now playing pretreat (raw muted)")
    assert [u["name"] for u in r2.project.undo_history] == [ACTION_NAME] * 2
    assert diff(_without_ab(r1.session), _without_ab(r2.session)) == []
    r3 = run_action(r2.session.copy(), AB, tmp_path / "run3")
    t_raw, t_pre = _ab_tracks(r3.session)
    assert (t_raw.mute, t_pre.mute) == (False, True)


def test_no_bounce_is_one_line_and_changes_nothing(tmp_path, scenario):
    s = _prepared(scenario)
    before = snapshot(s)
    r = run_action(s, AB, tmp_path / "run")
    assert r.error is None, r.error
    assert r.console.count("\n") == 1 and r.console.startswith("MasterAid: no dual bounce found")
    assert 'run "MasterAid - Dual bounce" first' in r.console
    assert diff(before, r.snapshot()) == []  # not even an undo point


def _set_call(first, key: str, nth: int) -> int:
    """Number of the SetMediaTrackInfo_Value call that is the ``nth`` write of ``key`` in a clean run."""
    calls = first[1].calls_to("SetMediaTrackInfo_Value")
    hits = [i for i, a in enumerate(calls, start=1) if a[1] == key]
    return hits[nth - 1]


FAULTS = {
    "second-insert-raises": (lambda s, f: raise_on(s, "InsertMedia", call=2), "InsertMedia failed"),
    "ext-state-readback-raises": (lambda s, f: raise_on(s, "GetProjExtState", call=3), "GetProjExtState failed"),
    "pretreat-volume-raises": (lambda s, f: raise_on(s, "SetMediaTrackInfo_Value", call=_set_call(f, "D_VOL", 2)),
                               "SetMediaTrackInfo_Value failed"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_half_way_removes_the_half_made_tracks(tmp_path, scenario, first, fault):
    inject, message = FAULTS[fault]
    s = _prepared(scenario)
    _bounce(Path(s.project.folder))
    stale = json.dumps({"raw": "{00000000-0000-0000-0000-00000000000A}", "pretreat": "{00000000-0000-0000-0000-00000000000B}"})
    s.project.ext_state[EXT_SECTION] = {EXT_KEY: stale}  # an old A/B whose tracks were deleted
    before = s.copy()
    inject(s, first)
    r = run_action(s, AB, tmp_path / "run")
    assert r.error is None, r.error  # one console line, no traceback
    assert r.console.startswith("MasterAid: ") and message in r.console and r.console.count("\n") == 1
    assert r.call_counts.get("DeleteTrack", 0) >= 1  # a half-made track existed and was removed
    assert diff(_without_ab(before), _without_ab(r.session)) == []
    assert r.project.ext_state == {EXT_SECTION: {EXT_KEY: stale}}
    assert len(r.project.tracks) == len(before.project.tracks)
    assert r.project.undo_history == [{"name": ACTION_NAME, "flags": -1}] and r.open_undo_blocks == 0


def test_fault_while_toggling_puts_both_mutes_back(first, tmp_path):
    _, r1, _, _ = first
    s = r1.session.copy()
    raise_on(s, "SetMediaTrackInfo_Value", call=2)  # the second mute write of the toggle
    r = run_action(s, AB, tmp_path / "run")
    assert r.error is None, r.error
    assert "SetMediaTrackInfo_Value failed" in r.console[len(r1.console):]
    t_raw, t_pre = _ab_tracks(r.session)
    assert (t_raw.mute, t_pre.mute) == (False, True)
    assert diff(_without_ab(r1.session), _without_ab(r.session)) == [] and r.open_undo_blocks == 0


def test_explicit_files_need_no_bounce(tmp_path, scenario):
    s = _prepared(scenario)
    raw, pre = _bounce(tmp_path)  # elsewhere: not next to the project
    code = ("import masteraid.reaper.ab as ab\n"
            f"r = ab.setup_ab(raw={str(raw)!r}, pretreat={str(pre)!r})\n"
            "assert r.created and r.bounce_json is None\n")
    r = run_script(s, code=code, workdir=tmp_path / "run")
    assert r.error is None, r.error
    t_raw, t_pre = _ab_tracks(r.session)
    assert t_raw.items[0].takes[0].file == str(raw.resolve()) and t_pre.items[0].takes[0].file == str(pre.resolve())
    lr, lp = analyze(raw).loudness.integrated_lufs, analyze(pre).loudness.integrated_lufs
    assert abs((lr + 20 * math.log10(t_raw.volume)) - (lp + 20 * math.log10(t_pre.volume))) < 0.1
