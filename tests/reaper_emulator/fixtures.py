"""pytest fixtures for tests that drive MasterAid's REAPER layer through the emulator.

Use them with ``from tests.reaper_emulator.fixtures import *  # noqa: F401,F403`` in a test module
(fixtures imported into a module are collected by pytest).

* ``reaper_empty`` / ``reaper_mix`` / ``reaper_mix_bus`` — a :class:`~.project.Session` loaded from
  the scenario of that name, audio synthesized into ``tmp_path``;
* ``reaper_run`` — ``reaper_run(session, code=... | script=...)`` runs a ReaScript in a fresh
  interpreter (reapy works) and returns a :class:`~.runner.RunResult`;
* ``reaper_emu`` — an in-process :class:`~.emulator.Emulator` over an empty session, for fast
  unit tests of code that takes a ``reaper_python``-like module.
"""

from __future__ import annotations

import pytest

from .emulator import Emulator
from .project import Session
from .runner import run_script
from .scenarios import load_scenario

__all__ = ["reaper_empty", "reaper_mix", "reaper_mix_bus", "reaper_run", "reaper_emu"]


@pytest.fixture
def reaper_empty(tmp_path) -> Session:
    return load_scenario("empty", tmp_path)


@pytest.fixture
def reaper_mix(tmp_path) -> Session:
    return load_scenario("mix_10_tracks", tmp_path)


@pytest.fixture
def reaper_mix_bus(tmp_path) -> Session:
    return load_scenario("mix_bus", tmp_path)


@pytest.fixture
def reaper_run(tmp_path):
    counter = {"n": 0}

    def run(session: Session, **kwargs):
        counter["n"] += 1
        kwargs.setdefault("workdir", tmp_path / f"run{counter['n']}")
        return run_script(session, **kwargs)
    return run


@pytest.fixture
def reaper_emu(tmp_path) -> Emulator:
    s = Session()
    s.resource_path = str(tmp_path / "resource")
    s.project.folder = str(tmp_path / "project")
    return Emulator(s)
