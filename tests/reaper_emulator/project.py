"""The emulated REAPER session: an in-memory project model, JSON save/load and snapshots.

Everything REAPER keeps for a project that MasterAid reads or writes lives in plain dataclasses
here: tracks (with FX chains, items and sends), the master track, time selection, edit cursor,
project folder/name, project ext state, undo history, render settings and the dirty flag. The
:class:`Session` adds what REAPER keeps outside a project: global ext state, the console, the
resource path, registered scripts.

``to_json``/``from_json`` round-trip a session exactly (scenario files). :func:`snapshot` returns a
plain, comparable dict of *everything* that a MasterAid action could change, and :func:`diff`
lists the paths that differ between two snapshots.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import fx as fxmod

__all__ = [
    "Send", "Take", "Item", "Track", "Project", "Session",
    "DEFAULT_RENDER_SETTINGS", "DEFAULT_RENDER_STRINGS", "snapshot", "diff", "new_guid",
]

SCHEMA = "masteraid-reaper-emulator/1"


def new_guid() -> str:
    """A REAPER-style GUID string ``{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`` (upper case)."""
    return "{" + str(uuid.uuid4()).upper() + "}"


#: Numeric render/project keys of ``GetSetProjectInfo`` (API-NOTES §2) with REAPER's defaults for a
#: new project. Defaults marked UNCONFIRMED are the emulator's choice: RENDER_SRATE 0 (= project
#: rate), RENDER_CHANNELS 2, RENDER_BOUNDSFLAG 1 (entire project), no tail, no normalize.
DEFAULT_RENDER_SETTINGS: dict[str, float] = {
    "RENDER_SETTINGS": 0.0,
    "RENDER_BOUNDSFLAG": 1.0,
    "RENDER_STARTPOS": 0.0,
    "RENDER_ENDPOS": 0.0,
    "RENDER_SRATE": 0.0,
    "RENDER_CHANNELS": 2.0,
    "RENDER_TAILFLAG": 0.0,
    "RENDER_TAILMS": 0.0,
    "RENDER_ADDTOPROJ": 0.0,
    "RENDER_DITHER": 0.0,
    "RENDER_NORMALIZE": 0.0,
    "RENDER_NORMALIZE_TARGET": 0.0,
    "RENDER_BRICKWALL": 1.0,
    "RENDER_FADEIN": 0.0,
    "RENDER_FADEOUT": 0.0,
    "RENDER_PADSTART": 0.0,
    "RENDER_PADEND": 0.0,
    "RENDER_TRIMSTART": 0.0,
    "RENDER_TRIMEND": 0.0,
    "RENDER_DELAY": 0.0,
    "PROJECT_SRATE": 48000.0,
    "PROJECT_SRATE_USE": 1.0,
}

#: String keys of ``GetSetProjectInfo_String``. RENDER_TARGETS and RENDER_STATS are computed /
#: written by the emulator (read-only to scripts). ``"ZXZhdxgAAA=="`` = 24-bit WAV (API-NOTES §2).
DEFAULT_RENDER_STRINGS: dict[str, str] = {
    "RENDER_FILE": "",
    "RENDER_PATTERN": "",
    "RENDER_FORMAT": "ZXZhdxgAAA==",
    "RENDER_FORMAT2": "",
    "RENDER_METADATA": "",
    "RENDER_EXTRAFILEDIR": "",
}

READ_ONLY_STRINGS = {"RENDER_TARGETS", "RENDER_STATS", "RENDER_STATS_SUMMARY"}


@dataclass(eq=False)
class Send:
    """A track send (category 0). ``dest`` is the destination track's GUID."""

    dest_guid: str
    volume: float = 1.0      # D_VOL, linear
    pan: float = 0.0         # D_PAN
    mute: bool = False       # B_MUTE
    send_mode: int = 0       # I_SENDMODE: 0 post-fader (the only mode the renderer implements)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Send":
        return cls(**d)


@dataclass(eq=False)
class Take:
    """The (single, active) take of an item: an audio file and the offset into it."""

    file: str
    start_offset_s: float = 0.0   # D_STARTOFFS
    volume: float = 1.0           # D_VOL of the take
    name: str = ""
    guid: str = field(default_factory=new_guid)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Take":
        return cls(**d)


@dataclass(eq=False)
class Item:
    position_s: float = 0.0   # D_POSITION
    length_s: float = 0.0     # D_LENGTH
    volume: float = 1.0       # D_VOL
    mute: bool = False        # B_MUTE
    selected: bool = False    # B_UISEL
    takes: list[Take] = field(default_factory=list)
    guid: str = field(default_factory=new_guid)

    @property
    def take(self) -> Take | None:
        return self.takes[0] if self.takes else None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["takes"] = [t.to_dict() for t in self.takes]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Item":
        d = dict(d)
        takes = [Take.from_dict(t) for t in d.pop("takes", [])]
        return cls(takes=takes, **d)


@dataclass(eq=False)
class Track:
    name: str = ""
    guid: str = field(default_factory=new_guid)
    volume: float = 1.0          # D_VOL (linear)
    pan: float = 0.0             # D_PAN
    mute: bool = False           # B_MUTE
    solo: int = 0                # I_SOLO
    folder_depth: int = 0        # I_FOLDERDEPTH
    main_send: bool = True       # B_MAINSEND
    fx_enabled: bool = True      # I_FXEN
    selected: bool = False       # I_SELECTED
    phase: bool = False          # B_PHASE (polarity invert)
    nchan: int = 2               # I_NCHAN
    color: int = 0               # I_CUSTOMCOLOR (native colour | 0x1000000 when set)
    ext: dict[str, str] = field(default_factory=dict)  # P_EXT:<key> track extension data
    fx: list[fxmod.FXInstance] = field(default_factory=list)
    rec_fx: list[fxmod.FXInstance] = field(default_factory=list)  # input / monitoring FX (never rendered)
    items: list[Item] = field(default_factory=list)
    sends: list[Send] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = {k: v for k, v in asdict(self).items() if k not in ("fx", "rec_fx", "items", "sends")}
        d["fx"] = [f.to_dict() for f in self.fx]
        d["rec_fx"] = [f.to_dict() for f in self.rec_fx]
        d["items"] = [i.to_dict() for i in self.items]
        d["sends"] = [s.to_dict() for s in self.sends]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Track":
        d = dict(d)
        fx = [fxmod.FXInstance.from_dict(f) for f in d.pop("fx", [])]
        rec_fx = [fxmod.FXInstance.from_dict(f) for f in d.pop("rec_fx", [])]
        items = [Item.from_dict(i) for i in d.pop("items", [])]
        sends = [Send.from_dict(s) for s in d.pop("sends", [])]
        return cls(fx=fx, rec_fx=rec_fx, items=items, sends=sends, **d)


@dataclass(eq=False)
class Project:
    """One open project (a REAPER project tab)."""

    folder: str = ""                 # project directory ("" = unsaved project)
    file_name: str = ""              # e.g. "Song.rpp" ("" = unsaved)
    tracks: list[Track] = field(default_factory=list)
    master: Track = field(default_factory=lambda: Track(name="MASTER"))
    time_selection: tuple[float, float] = (0.0, 0.0)
    loop_points: tuple[float, float] = (0.0, 0.0)
    cursor_s: float = 0.0
    play_state: int = 0              # 0 stopped, 1 playing, 2 paused, 5 recording
    ext_state: dict[str, dict[str, str]] = field(default_factory=dict)
    render: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_RENDER_SETTINGS))
    render_strings: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_RENDER_STRINGS))
    render_stats: str = ""           # RENDER_STATS of the most recent (dry-)render
    undo_history: list[dict] = field(default_factory=list)  # [{"name":…, "flags":…}]
    dirty: bool = False
    state_change_count: int = 0
    tempo_bpm: float = 120.0
    timesig_num: int = 4
    timesig_denom: int = 4

    @property
    def name(self) -> str:
        return self.file_name

    @property
    def rate_hz(self) -> int:
        """Project sample rate; 48000 when ``PROJECT_SRATE_USE`` is off (REAPER then follows the
        audio device: the emulator's device runs at 48 kHz — an emulator choice)."""
        if self.render.get("PROJECT_SRATE_USE", 0) and self.render.get("PROJECT_SRATE", 0) > 0:
            return int(self.render["PROJECT_SRATE"])
        return 48000

    def all_tracks(self) -> list[Track]:
        return [self.master, *self.tracks]

    def track_by_guid(self, guid: str) -> Track | None:
        for t in self.all_tracks():
            if t.guid.upper() == guid.upper():
                return t
        return None

    def length_s(self) -> float:
        """Project length: the end of the last item (REAPER's GetProjectLength for a project with
        no markers/regions)."""
        end = 0.0
        for t in self.tracks:
            for it in t.items:
                end = max(end, it.position_s + it.length_s)
        return end

    def to_dict(self) -> dict:
        return {
            "folder": self.folder,
            "file_name": self.file_name,
            "tracks": [t.to_dict() for t in self.tracks],
            "master": self.master.to_dict(),
            "time_selection": list(self.time_selection),
            "loop_points": list(self.loop_points),
            "cursor_s": self.cursor_s,
            "play_state": self.play_state,
            "ext_state": copy.deepcopy(self.ext_state),
            "render": dict(self.render),
            "render_strings": dict(self.render_strings),
            "render_stats": self.render_stats,
            "undo_history": copy.deepcopy(self.undo_history),
            "dirty": self.dirty,
            "state_change_count": self.state_change_count,
            "tempo_bpm": self.tempo_bpm,
            "timesig_num": self.timesig_num,
            "timesig_denom": self.timesig_denom,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Project":
        d = dict(d)
        tracks = [Track.from_dict(t) for t in d.pop("tracks", [])]
        master = Track.from_dict(d.pop("master")) if "master" in d else Track(name="MASTER")
        render = dict(DEFAULT_RENDER_SETTINGS)
        given_n = d.pop("render", {})
        unknown = sorted(set(given_n) - set(DEFAULT_RENDER_SETTINGS))
        if unknown:
            raise ValueError(f"render keys {unknown} are not GetSetProjectInfo keys the emulator knows")
        render.update({k: float(v) for k, v in given_n.items()})
        strings = dict(DEFAULT_RENDER_STRINGS)
        given = d.pop("render_strings", {})
        unknown = sorted(set(given) - set(DEFAULT_RENDER_STRINGS))
        if unknown:
            raise ValueError(f"render_strings keys {unknown} are not GetSetProjectInfo_String keys the emulator knows")
        strings.update(given)
        ts = tuple(d.pop("time_selection", (0.0, 0.0)))
        lp = tuple(d.pop("loop_points", (0.0, 0.0)))
        return cls(tracks=tracks, master=master, render=render, render_strings=strings,
                   time_selection=ts, loop_points=lp, **d)


@dataclass(eq=False)
class Session:
    """What a running REAPER holds: open projects (the first is current), global state, console."""

    projects: list[Project] = field(default_factory=lambda: [Project()])
    current: int = 0
    ext_state: dict[str, dict[str, str]] = field(default_factory=dict)         # non-persistent
    ext_state_persist: dict[str, dict[str, str]] = field(default_factory=dict)  # reaper-extstate.ini
    console: str = ""
    resource_path: str = ""
    app_version: str = "6.83/linux-x86_64"
    registered_scripts: list[dict] = field(default_factory=list)  # [{"section","path","command_id","name"}]
    next_command_id: int = 55000
    emulator: dict[str, Any] = field(default_factory=lambda: {"pdc_compensation": False,
                                                              "existing_render_target": "prompt_cancel"})
    faults: dict[str, Any] = field(default_factory=dict)

    @property
    def project(self) -> Project:
        return self.projects[self.current]

    # ---- JSON -------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "schema": SCHEMA,
            "projects": [p.to_dict() for p in self.projects],
            "current": self.current,
            "ext_state": copy.deepcopy(self.ext_state),
            "ext_state_persist": copy.deepcopy(self.ext_state_persist),
            "console": self.console,
            "resource_path": self.resource_path,
            "app_version": self.app_version,
            "registered_scripts": copy.deepcopy(self.registered_scripts),
            "next_command_id": self.next_command_id,
            "emulator": copy.deepcopy(self.emulator),
            "faults": copy.deepcopy(self.faults),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Session":
        d = dict(d)
        schema = d.pop("schema", SCHEMA)
        if schema != SCHEMA:
            raise ValueError(f"emulated project schema {schema!r}; this emulator reads {SCHEMA!r}")
        projects = [Project.from_dict(p) for p in d.pop("projects", [{}])]
        emulator = {"pdc_compensation": False, "existing_render_target": "prompt_cancel"}
        emulator.update(d.pop("emulator", {}))
        return cls(projects=projects, emulator=emulator, **d)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Session":
        return cls.from_dict(json.loads(text))

    def save(self, path: str | Path) -> Path:
        p = Path(path)
        p.write_text(self.to_json(), encoding="utf-8")
        return p

    @classmethod
    def load(cls, path: str | Path) -> "Session":
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    def copy(self) -> "Session":
        return Session.from_dict(self.to_dict())


# ---- snapshot / diff ------------------------------------------------------------------------

def snapshot(session: Session, *, include_console: bool = False) -> dict:
    """Everything a MasterAid action could change, as a plain dict to compare before/after.

    Covers every project (tracks and master: name, GUID, volume, pan, mute, solo, folder depth, main
    send, FX-chain enable, selection, sends; every FX: type/name, renamed name, enabled, offline,
    every parameter's normalized value, named config params; every item and take), time selection,
    loop points, edit cursor, play state, project folder/name, project ext state, render settings
    (numbers and strings), RENDER_STATS, undo history, dirty flag; and the session's global ext
    state (both kinds), registered scripts and the emulator options. The console text is left out
    unless ``include_console`` (it is output, not state). ``state_change_count`` is left out: it
    counts changes, it is not a setting to restore; nor are FX meter readings (``meters``).
    """
    d = session.to_dict()
    d.pop("faults", None)
    d.pop("next_command_id", None)
    if not include_console:
        d.pop("console", None)
    for p in d["projects"]:
        p.pop("state_change_count", None)
        for t in [p["master"], *p["tracks"]]:
            for f in t["fx"] + t["rec_fx"]:
                f.pop("meters", None)  # meter readings of the last render, not settings
    return d


def diff(before: dict, after: dict, path: str = "") -> list[str]:
    """Paths whose values differ between two snapshots, e.g. ``projects[0].tracks[2].volume``."""
    out: list[str] = []
    if isinstance(before, dict) and isinstance(after, dict):
        for k in sorted(set(before) | set(after), key=str):
            sub = f"{path}.{k}" if path else str(k)
            if k not in before:
                out.append(f"{sub}: added")
            elif k not in after:
                out.append(f"{sub}: removed")
            else:
                out.extend(diff(before[k], after[k], sub))
    elif isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            out.append(f"{path}: length {len(before)} -> {len(after)}")
        for i, (a, b) in enumerate(zip(before, after)):
            out.extend(diff(a, b, f"{path}[{i}]"))
    elif before != after:
        if isinstance(before, float) and isinstance(after, float) and before != before and after != after:
            return out  # both NaN
        out.append(f"{path}: {before!r} -> {after!r}")
    return out
