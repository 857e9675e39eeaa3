"""Shared helpers for the REAPER layer's tests: run the real action scripts over emulated projects."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from tests.reaper_emulator import run_script, snapshot
from tests.reaper_emulator.scenarios import build_empty, build_mix_10_tracks, build_mix_bus, load_scenario

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "reaper_scripts"
DUAL_BOUNCE = SCRIPTS / "MasterAid - Dual bounce.py"
AUDIT_LAST = SCRIPTS / "MasterAid - Audit last render.py"

#: What a render legitimately changes although the action restores everything it touched:
#: RENDER_STATS (REAPER's read-only statistics of the most recent render), the undo history
#: (checked separately: one named undo point) and the dirty flag that an undo point sets.
RENDER_OUTPUTS = ("render_stats", "undo_history", "dirty")


def run_action(session, script: Path, workdir: Path):
    """Run the real action script file, unchanged, over ``session`` in a fresh interpreter."""
    return run_script(session, script=script, workdir=workdir)


def state(session, *, drop=RENDER_OUTPUTS) -> dict:
    """The full emulator snapshot minus ``drop`` keys of each project."""
    s = snapshot(session)
    for p in s["projects"]:
        for k in drop:
            p.pop(k, None)
    return s


#: Seconds of audio per track in the scenarios (the emulator's default is 10; 5 keeps the suite fast
#: and still leaves the audit's 3 s loudness-range window room).
SECONDS = 5.0
_BUILDERS = {"mix_10_tracks": lambda: build_mix_10_tracks(SECONDS), "mix_bus": lambda: build_mix_bus(SECONDS),
             "empty": build_empty}


@pytest.fixture(scope="session")
def scenario(tmp_path_factory):
    """``scenario(name)``: a fresh copy of an emulator scenario (audio synthesized once per test
    session and shared read-only) whose project folder is a new empty directory."""
    base = tmp_path_factory.mktemp("scenarios")
    cache: dict = {}
    counter = itertools.count(1)

    def get(name: str):
        if name not in cache:
            path = base / f"{name}.json"
            path.write_text(json.dumps(_BUILDERS[name]()), encoding="utf-8")
            cache[name] = load_scenario(path, base / name)
        s = cache[name].copy()
        folder = base / f"project{next(counter)}"
        folder.mkdir()
        s.project.folder = str(folder)
        return s
    return get


class ReaperPythonApi:
    """reapy.reascript_api's shape (names without RPR_) over an emulator's reaper_python module."""

    def __init__(self, module):
        self._m = module

    def __getattr__(self, name):
        return getattr(self._m, "RPR_" + name)
