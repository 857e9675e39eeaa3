"""Ready-made emulated projects, stored as JSON in ``scenarios/`` with their audio described
(not stored): :func:`load_scenario` synthesizes the audio files into a work directory.

Scenario file format::

    {"audio": {"kick.wav": {"kind": "music", "seconds": 10, "seed": 1, "level_db": -24}, ...},
     "rate_hz": 48000,
     "session": <Session.to_dict()> with take files relative to the audio folder}

Scenarios: ``mix_10_tracks`` (ten tracks into the master, a pre-treat chain ReaEQ -> ReaComp ->
ReaLimit on the master), ``mix_bus`` (the same tracks in a "MIX BUS" folder carrying the chain,
master FX empty), ``empty`` (no tracks, no FX). Regenerate the JSON with
``python -m tests.reaper_emulator.scenarios``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import soundfile as sf

from .fx import FXInstance
from .project import Item, Project, Session, Take, Track

__all__ = ["SCENARIO_DIR", "load_scenario", "synthesize", "build_mix_10_tracks", "build_mix_bus", "build_empty",
           "scenario_names"]

SCENARIO_DIR = Path(__file__).with_name("scenarios")


def synthesize(spec: dict, rate: int) -> np.ndarray:
    """Audio for one spec: ``sine`` (freq_hz, peak_dbfs), ``noise`` (rms_dbfs, seed), ``music``
    (seed, level_db); all take ``seconds`` and ``channels`` (default 2)."""
    from tests.signals import music_like, sine, white_noise
    kind, sec, ch = spec["kind"], float(spec["seconds"]), int(spec.get("channels", 2))
    if kind == "sine":
        return sine(spec["freq_hz"], spec["peak_dbfs"], sec, rate, ch)
    if kind == "noise":
        return white_noise(spec["rms_dbfs"], sec, rate, ch, seed=int(spec.get("seed", 0)))
    if kind == "music":
        return music_like(sec, rate, ch, seed=int(spec.get("seed", 0)), level_db=float(spec.get("level_db", -20)))
    raise ValueError(f"unknown audio kind {kind!r}")


def scenario_names() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.json"))


def load_scenario(name_or_path: str | Path, workdir: str | Path) -> Session:
    """A Session from a scenario, its audio written to ``workdir/audio``, project folder
    ``workdir/project``, resource path ``workdir/resource``."""
    p = Path(name_or_path)
    if not p.suffix:
        p = SCENARIO_DIR / f"{name_or_path}.json"
    data = json.loads(p.read_text(encoding="utf-8"))
    wd = Path(workdir)
    audio_dir, proj_dir, res_dir = wd / "audio", wd / "project", wd / "resource"
    for d in (audio_dir, proj_dir, res_dir / "Scripts"):
        d.mkdir(parents=True, exist_ok=True)
    rate = int(data.get("rate_hz", 48000))
    for fname, spec in data.get("audio", {}).items():
        out = audio_dir / fname
        if not out.exists():
            sf.write(out, synthesize(spec, rate), rate, subtype="FLOAT")
    session = Session.from_dict(data["session"])
    for proj in session.projects:
        if not proj.folder:
            proj.folder = str(proj_dir)
        for t in proj.tracks:
            for it in t.items:
                for tk in it.takes:
                    if tk.file and not os.path.isabs(tk.file):
                        tk.file = str(audio_dir / tk.file)
    session.resource_path = str(res_dir)
    return session


# ---- builders ---------------------------------------------------------------------------------

_TRACKS = [  # name, audio spec, volume dB, pan
    ("Kick", {"kind": "music", "seed": 1, "level_db": -26}, -2.0, 0.0),
    ("Snare", {"kind": "music", "seed": 2, "level_db": -28}, -3.0, 0.05),
    ("Hats", {"kind": "noise", "seed": 3, "rms_dbfs": -38}, -6.0, 0.3),
    ("Bass", {"kind": "sine", "freq_hz": 55.0, "peak_dbfs": -14}, -4.0, 0.0),
    ("Gtr L", {"kind": "music", "seed": 5, "level_db": -30}, -5.0, -0.7),
    ("Gtr R", {"kind": "music", "seed": 6, "level_db": -30}, -5.0, 0.7),
    ("Keys", {"kind": "sine", "freq_hz": 440.0, "peak_dbfs": -24}, -6.0, -0.2),
    ("Pad", {"kind": "noise", "seed": 8, "rms_dbfs": -36}, -8.0, 0.2),
    ("Lead Vox", {"kind": "music", "seed": 9, "level_db": -24}, 0.0, 0.0),
    ("BV", {"kind": "sine", "freq_hz": 660.0, "peak_dbfs": -26}, -7.0, -0.1),
]


def _pretreat_chain() -> list[FXInstance]:
    eq = FXInstance.new("VST: ReaEQ (Cockos)")
    eq.params[1] = 10 ** (1.5 / 20) / 4        # low shelf +1.5 dB
    eq.params[3 * 3 + 1] = 10 ** (2.0 / 20) / 4  # high shelf +2 dB
    comp = FXInstance.new("VST: ReaComp (Cockos)")
    comp.params[0] = 10 ** (-18 / 20)          # threshold -18 dB
    comp.params[1] = (1 - 1 / 2.0) / 0.99      # 2:1
    lim = FXInstance.new("VST: ReaLimit (Cockos)")
    lim.impl.set_config(lim, "THRESHOLD", "-4.0")
    lim.impl.set_config(lim, "CEILING", "-1.0")
    return [eq, comp, lim]


def _tracks(seconds: float) -> tuple[list[Track], dict]:
    tracks, audio = [], {}
    for i, (name, spec, vol_db, pan) in enumerate(_TRACKS):
        fname = f"{i + 1:02d} {name}.wav"
        audio[fname] = dict(spec, seconds=seconds)
        tracks.append(Track(name=name, volume=10 ** (vol_db / 20), pan=pan,
                            items=[Item(position_s=0.0, length_s=seconds, takes=[Take(file=fname, name=fname)])]))
    return tracks, audio


def _scenario(session: Session, audio: dict, rate: int = 48000) -> dict:
    return {"audio": audio, "rate_hz": rate, "session": session.to_dict()}


def build_mix_10_tracks(seconds: float = 10.0) -> dict:
    tracks, audio = _tracks(seconds)
    p = Project(file_name="Mix.rpp", tracks=tracks)
    p.master.fx = _pretreat_chain()
    p.time_selection = (2.0, 6.0)
    return _scenario(Session(projects=[p]), audio)


def build_mix_bus(seconds: float = 10.0) -> dict:
    tracks, audio = _tracks(seconds)
    bus = Track(name="MIX BUS", folder_depth=1, fx=_pretreat_chain())
    tracks[-1].folder_depth = -1
    p = Project(file_name="Mix bus.rpp", tracks=[bus, *tracks])
    p.time_selection = (2.0, 6.0)
    return _scenario(Session(projects=[p]), audio)


def build_empty() -> dict:
    return _scenario(Session(projects=[Project(file_name="Empty.rpp")]), {})


def main() -> None:
    SCENARIO_DIR.mkdir(exist_ok=True)
    for name, build in (("mix_10_tracks", build_mix_10_tracks), ("mix_bus", build_mix_bus), ("empty", build_empty)):
        (SCENARIO_DIR / f"{name}.json").write_text(json.dumps(build(), indent=1, sort_keys=True), encoding="utf-8")


if __name__ == "__main__":
    main()
