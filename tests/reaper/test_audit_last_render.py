"""The "MasterAid - Audit last render" action over emulated projects (fresh interpreter, reapy)."""

from __future__ import annotations

import os

import soundfile as sf

from masteraid.analysis import analyze
from masteraid.audit import check
from masteraid.report.audit import render_audit_text
from tests.reaper_emulator import diff, snapshot
from tests.signals import music_like

from .conftest import AUDIT_LAST, run_action


def test_audits_the_file_the_render_settings_point_at(tmp_path, scenario):
    s = scenario("mix_10_tracks")
    target = os.path.join(s.project.folder, "Mix.wav")  # default pattern: $project
    sf.write(target, music_like(4.0, 48000, 2, seed=3, level_db=-20), 48000, subtype="PCM_24")
    before = snapshot(s)
    r = run_action(s, AUDIT_LAST, tmp_path / "run")
    assert r.error is None, r.error
    m = analyze(target)
    assert r.console == f"MasterAid audit of {target}\n" + render_audit_text(m, check(m)).rstrip("\n") + "\n"
    assert diff(before, r.snapshot()) == []  # read-only: no undo point, nothing changed


def test_nothing_rendered_yet_is_one_clear_line(tmp_path, scenario):
    s = scenario("mix_10_tracks")
    before = snapshot(s)
    r = run_action(s, AUDIT_LAST, tmp_path / "run")
    assert r.error is None, r.error
    assert r.console.startswith("MasterAid: nothing to audit: the render settings point at ")
    assert "render the mix first" in r.console and r.console.count("\n") == 1
    assert diff(before, r.snapshot()) == []
