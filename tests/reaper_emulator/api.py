"""Implementations of the ``RPR_`` functions the emulator supports.

Each function is registered under its binding name with :func:`rpr` and receives the emulator
followed by the arguments already marshalled (see :mod:`.binding`): pointers as model objects (or
``None`` for NULL), numbers as ctypes would pass them, strings as ``str``, and output slots as
:class:`~.binding.Out` objects whose ``.value`` it sets. Its Python arity must equal the table's
argument count (checked by ``test_reaper_emulator_binding.py``).

ASSUMPTIONS where REAPER's behaviour is UNCONFIRMED (API-NOTES) are marked ``ASSUMPTION``.
"""

from __future__ import annotations

import math
import os
import random
import string
from pathlib import Path

import soundfile as sf

from . import fx as fxmod
from .binding import Out
from .emulator import Emulator, Source
from .project import READ_ONLY_STRINGS, Item, Project, Send, Take, Track

IMPL: dict = {}

REC_FX_OFFSET = 0x1000000


def rpr(fn):
    IMPL[fn.__name__] = fn
    return fn


# ==== helpers =================================================================================

def _folder_parents(proj: Project) -> dict[int, Track | None]:
    """id(track) -> parent folder track (None at top level), from I_FOLDERDEPTH."""
    parents: dict[int, Track | None] = {}
    stack: list[Track] = []
    for t in proj.tracks:
        parents[id(t)] = stack[-1] if stack else None
        if t.folder_depth > 0:
            stack.append(t)
        elif t.folder_depth < 0:
            for _ in range(-t.folder_depth):
                if stack:
                    stack.pop()
    return parents


def parent_of(emu: Emulator, tr: Track) -> Track | None:
    proj = emu.project_of_track(tr)
    if proj is None or tr is proj.master:
        return None
    return _folder_parents(proj).get(id(tr))


def depth_of(emu: Emulator, tr: Track) -> int:
    d, p = 0, parent_of(emu, tr)
    while p is not None:
        d += 1
        p = parent_of(emu, p)
    return d


def _fx_list(tr: Track, idx: int):
    if idx >= REC_FX_OFFSET:
        return tr.rec_fx, idx - REC_FX_OFFSET
    return tr.fx, idx


def get_fx(tr: Track | None, idx: int) -> fxmod.FXInstance | None:
    if tr is None:
        return None
    chain, i = _fx_list(tr, idx)
    if 0 <= i < len(chain):
        return chain[i]
    return None


def _rate(emu: Emulator, tr: Track | None) -> int:
    proj = emu.project_of_track(tr) if tr is not None else None
    return (proj or emu.project).rate_hz


# ==== projects ==================================================================================

@rpr
def EnumProjects(emu, idx, fn_out: Out, sz):
    s = emu.session
    if idx == -1:
        p = s.project
    elif 0 <= idx < len(s.projects):
        p = s.projects[idx]
    else:
        return None
    fn_out.value = os.path.join(p.folder, p.file_name) if p.file_name else ""
    return p


@rpr
def SelectProjectInstance(emu, proj):
    if proj is not None:
        emu.session.current = next(i for i, p in enumerate(emu.session.projects) if p is proj)


@rpr
def GetProjectName(emu, proj, buf: Out, sz):
    buf.value = emu.proj(proj).file_name


def _record_path(emu, p: Project) -> str:
    # ASSUMPTION: no media sub-folder configured, so the recording path is the project folder;
    # an unsaved project records into <resource path>/Media (REAPER's default is UNCONFIRMED).
    return p.folder or os.path.join(emu.session.resource_path, "Media")


@rpr
def GetProjectPath(emu, buf: Out, sz):
    buf.value = _record_path(emu, emu.project)


@rpr
def GetProjectPathEx(emu, proj, buf: Out, sz):
    buf.value = _record_path(emu, emu.proj(proj))


@rpr
def GetProjectLength(emu, proj):
    return emu.proj(proj).length_s()


@rpr
def IsProjectDirty(emu, proj):
    return 1 if emu.proj(proj).dirty else 0


@rpr
def MarkProjectDirty(emu, proj):
    p = emu.proj(proj)
    p.dirty = True
    emu.changed(p)


@rpr
def GetProjectStateChangeCount(emu, proj):
    return emu.proj(proj).state_change_count


@rpr
def Main_SaveProject(emu, proj, force_save_as):
    # The emulator writes no .rpp; saving clears the dirty flag.
    emu.proj(proj).dirty = False


@rpr
def GetSetProjectInfo(emu, proj, desc, value, is_set):
    p = emu.proj(proj)
    if desc not in p.render:
        emu.warn(f"GetSetProjectInfo: key {desc!r} not emulated")
        return 0.0
    if is_set:
        p.render[desc] = float(value)
        emu.changed(p)
        return float(value)
    return p.render[desc]


@rpr
def GetSetProjectInfo_String(emu, proj, desc, value: Out, is_set):
    from . import render
    p = emu.proj(proj)
    if desc == "RENDER_TARGETS":
        if is_set:
            return 0
        try:
            value.value = ";".join(render.targets(emu, p))
        except render.RenderError as exc:
            emu.warn(f"RENDER_TARGETS: {exc}")
            value.value = ""
            return 0
        return 1
    if desc in ("RENDER_STATS", "RENDER_STATS_SUMMARY"):
        if is_set:
            return 0
        arg = str(value.value).strip()
        if arg.isdigit():  # SDK: pass an action id to run it first (6.29+)
            Main_OnCommandEx(emu, int(arg), 0, p)
        value.value = p.render_stats
        return 1
    if desc in READ_ONLY_STRINGS or desc not in p.render_strings:
        if desc not in p.render_strings:
            emu.warn(f"GetSetProjectInfo_String: key {desc!r} not emulated")
        return 0
    if is_set:
        p.render_strings[desc] = str(value.value)
        emu.changed(p)
    else:
        value.value = p.render_strings[desc]
    return 1


@rpr
def GetProjExtState(emu, proj, ext, key, buf: Out, sz):
    v = emu.proj(proj).ext_state.get(ext, {}).get(key, "")
    buf.value = v
    return len(v)


@rpr
def SetProjExtState(emu, proj, ext, key, value):
    p = emu.proj(proj)
    # SDK: empty key deletes all data of that extname; empty value deletes the key.
    if key == "":
        p.ext_state.pop(ext, None)
    elif value == "":
        sec = p.ext_state.get(ext)
        if sec is not None:
            sec.pop(key, None)
            if not sec:
                p.ext_state.pop(ext)
    else:
        p.ext_state.setdefault(ext, {})[key] = value
    emu.changed(p)
    return 1


@rpr
def EnumProjExtState(emu, proj, ext, idx, key_out: Out, key_sz, val_out: Out, val_sz):
    sec = emu.proj(proj).ext_state.get(ext, {})
    keys = list(sec)
    if 0 <= idx < len(keys):
        key_out.value = keys[idx]
        val_out.value = sec[keys[idx]]
        return 1
    return 0


# ==== global state ==============================================================================

@rpr
def GetExtState(emu, section, key):
    s = emu.session
    v = s.ext_state.get(section, {}).get(key)
    if v is None:
        v = s.ext_state_persist.get(section, {}).get(key, "")
    return v


@rpr
def SetExtState(emu, section, key, value, persist):
    s = emu.session
    s.ext_state.setdefault(section, {})[key] = value
    if persist:
        # SDK: persistent values must not contain newlines
        if "\n" in value or "\r" in value:
            emu.warn(f"SetExtState({section!r}, {key!r}): persistent value contains a newline")
        s.ext_state_persist.setdefault(section, {})[key] = value


@rpr
def HasExtState(emu, section, key):
    s = emu.session
    return 1 if (key in s.ext_state.get(section, {}) or key in s.ext_state_persist.get(section, {})) else 0


@rpr
def DeleteExtState(emu, section, key, persist):
    s = emu.session
    for store in ([s.ext_state, s.ext_state_persist] if persist else [s.ext_state]):
        sec = store.get(section)
        if sec is not None:
            sec.pop(key, None)
            if not sec:
                store.pop(section)


@rpr
def ShowConsoleMsg(emu, msg):
    if msg.startswith("!SHOW:"):
        msg = msg[len("!SHOW:"):]
    emu.session.console += msg


@rpr
def ClearConsole(emu):
    emu.session.console = ""


@rpr
def GetResourcePath(emu):
    return emu.session.resource_path


@rpr
def GetExePath(emu):
    return os.path.join(emu.session.resource_path, "bin")


@rpr
def GetAppVersion(emu):
    return emu.session.app_version


@rpr
def APIExists(emu, name):
    from . import signatures
    return 1 if name in signatures.load() else 0


def _rs_id() -> str:
    return "RS" + "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(40))


@rpr
def AddRemoveReaScript(emu, add, section, path, commit):
    s = emu.session
    for i, r in enumerate(s.registered_scripts):
        if r["path"] == path and r["section"] == section:
            if add:
                return r["command_id"]
            del s.registered_scripts[i]
            return 1
    if not add:
        return 0
    if not os.path.isfile(path):
        return 0
    cid = s.next_command_id
    s.next_command_id += 1
    s.registered_scripts.append({"section": section, "path": path, "command_id": cid, "name": _rs_id()})
    return cid


@rpr
def NamedCommandLookup(emu, name):
    if name.isdigit():
        return int(name)
    key = name[1:] if name.startswith("_") else name
    for r in emu.session.registered_scripts:
        if r["name"] == key:
            return r["command_id"]
    return 0


@rpr
def ReverseNamedCommandLookup(emu, cid):
    for r in emu.session.registered_scripts:
        if r["command_id"] == cid:
            return r["name"]
    return None


@rpr
def PreventUIRefresh(emu, n):
    emu.ui_refresh_depth += n


@rpr
def UpdateArrange(emu):
    pass


@rpr
def UpdateTimeline(emu):
    pass


@rpr
def TrackList_AdjustWindows(emu, is_minor):
    pass


@rpr
def GetMainHwnd(emu):
    return None


# ==== undo ======================================================================================

@rpr
def Undo_BeginBlock(emu):
    emu.undo_depth += 1


@rpr
def Undo_BeginBlock2(emu, proj):
    emu.undo_depth += 1


def _end_block(emu, proj, desc, flags):
    if emu.undo_depth <= 0:
        emu.warn(f"Undo_EndBlock({desc!r}) without Undo_BeginBlock")
        return
    emu.undo_depth -= 1
    if emu.undo_depth == 0:
        # ASSUMPTION (UNCONFIRMED): nested blocks collapse into the outermost one, which names the
        # undo point; an undo point marks the project dirty.
        p = emu.proj(proj)
        p.undo_history.append({"name": desc, "flags": flags})
        p.dirty = True


@rpr
def Undo_EndBlock(emu, desc, flags):
    _end_block(emu, None, desc, flags)


@rpr
def Undo_EndBlock2(emu, proj, desc, flags):
    _end_block(emu, proj, desc, flags)


@rpr
def Undo_OnStateChange(emu, desc):
    emu.project.undo_history.append({"name": desc, "flags": -1})
    emu.project.dirty = True


@rpr
def Undo_OnStateChange2(emu, proj, desc):
    p = emu.proj(proj)
    p.undo_history.append({"name": desc, "flags": -1})
    p.dirty = True


@rpr
def Undo_OnStateChangeEx(emu, desc, flags, item_param):
    emu.project.undo_history.append({"name": desc, "flags": flags})
    emu.project.dirty = True


@rpr
def Undo_OnStateChangeEx2(emu, proj, desc, flags, item_param):
    p = emu.proj(proj)
    p.undo_history.append({"name": desc, "flags": flags})
    p.dirty = True


@rpr
def Undo_CanUndo2(emu, proj):
    h = emu.proj(proj).undo_history
    return h[-1]["name"] if h else None


# ==== transport / time ==========================================================================

@rpr
def GetPlayState(emu):
    return emu.project.play_state


@rpr
def GetPlayStateEx(emu, proj):
    return emu.proj(proj).play_state


@rpr
def OnStopButton(emu):
    emu.project.play_state = 0


@rpr
def OnStopButtonEx(emu, proj):
    emu.proj(proj).play_state = 0


@rpr
def OnPlayButton(emu):
    emu.project.play_state = 1


@rpr
def OnPlayButtonEx(emu, proj):
    emu.proj(proj).play_state = 1


@rpr
def CSurf_OnPlay(emu):
    emu.project.play_state = 1


@rpr
def CSurf_OnStop(emu):
    emu.project.play_state = 0


@rpr
def CSurf_OnPause(emu):
    emu.project.play_state = 2 if emu.project.play_state != 2 else 1


@rpr
def GetCursorPosition(emu):
    return emu.project.cursor_s


@rpr
def GetCursorPositionEx(emu, proj):
    return emu.proj(proj).cursor_s


@rpr
def SetEditCurPos(emu, t, moveview, seekplay):
    emu.project.cursor_s = max(0.0, t)
    emu.changed()


@rpr
def SetEditCurPos2(emu, proj, t, moveview, seekplay):
    emu.proj(proj).cursor_s = max(0.0, t)
    emu.changed(proj)


def _loop_time_range(emu, p: Project, is_set, is_loop, start: Out, end: Out):
    attr = "loop_points" if is_loop else "time_selection"
    if is_set:
        a, b = float(start.value), float(end.value)
        setattr(p, attr, (min(a, b), max(a, b)))
        emu.changed(p)
    else:
        start.value, end.value = getattr(p, attr)


@rpr
def GetSet_LoopTimeRange(emu, is_set, is_loop, start: Out, end: Out, allowautoseek):
    _loop_time_range(emu, emu.project, is_set, is_loop, start, end)


@rpr
def GetSet_LoopTimeRange2(emu, proj, is_set, is_loop, start: Out, end: Out, allowautoseek):
    _loop_time_range(emu, emu.proj(proj), is_set, is_loop, start, end)


@rpr
def Master_GetTempo(emu):
    return emu.project.tempo_bpm


@rpr
def GetProjectTimeSignature2(emu, proj, bpm: Out, bpi: Out):
    p = emu.proj(proj)
    bpm.value = p.tempo_bpm
    bpi.value = float(p.timesig_num)


@rpr
def CountProjectMarkers(emu, proj, n_markers: Out, n_regions: Out):
    n_markers.value = 0
    n_regions.value = 0
    return 0


# ==== tracks ====================================================================================

@rpr
def GetMasterTrack(emu, proj):
    return emu.proj(proj).master


@rpr
def CountTracks(emu, proj):
    return len(emu.proj(proj).tracks)


@rpr
def GetNumTracks(emu):
    return len(emu.project.tracks)


@rpr
def GetTrack(emu, proj, idx):
    tracks = emu.proj(proj).tracks
    return tracks[idx] if 0 <= idx < len(tracks) else None


@rpr
def GetTrackGUID(emu, tr):
    return emu.guid_ref(tr) if tr is not None else None


@rpr
def guidToString(emu, g, dest: Out):
    dest.value = g.value if g is not None else "{00000000-0000-0000-0000-000000000000}"


@rpr
def GetTrackName(emu, tr, buf: Out, sz):
    if tr is None:
        return 0
    p = emu.project_of_track(tr)
    if tr is p.master:
        buf.value = "MASTER"
    else:
        buf.value = tr.name or f"Track {p.tracks.index(tr) + 1}"
    return 1


@rpr
def GetSetMediaTrackInfo_String(emu, tr, parm, value: Out, is_set):
    if tr is None:
        return 0
    p = emu.project_of_track(tr)
    if parm == "P_NAME":
        if tr is p.master:
            if not is_set:
                value.value = ""
            return 0 if is_set else 1
        if is_set:
            tr.name = str(value.value)
            emu.changed(p)
        else:
            value.value = tr.name
        return 1
    if parm.startswith("P_EXT:") and len(parm) > 6:
        key = parm[6:]
        if is_set:
            if value.value == "":
                tr.ext.pop(key, None)
            else:
                tr.ext[key] = str(value.value)
            emu.changed(p)
            return 1
        if key not in tr.ext:
            return 0
        value.value = tr.ext[key]
        return 1
    if parm == "GUID":
        if is_set:
            g = str(value.value).upper()
            if not (len(g) == 38 and g.startswith("{") and g.endswith("}")):
                return 0
            tr.guid = g
            emu.changed(p)
        else:
            value.value = tr.guid
        return 1
    emu.warn(f"GetSetMediaTrackInfo_String: key {parm!r} not emulated")
    return 0


_TRACK_KEYS = {
    "D_VOL": ("volume", float), "D_PAN": ("pan", float), "B_MUTE": ("mute", bool),
    "I_SOLO": ("solo", int), "I_FOLDERDEPTH": ("folder_depth", int), "B_MAINSEND": ("main_send", bool),
    "I_FXEN": ("fx_enabled", bool), "I_SELECTED": ("selected", bool), "B_PHASE": ("phase", bool),
    "I_NCHAN": ("nchan", int), "I_CUSTOMCOLOR": ("color", int),
}


@rpr
def GetMediaTrackInfo_Value(emu, tr, parm):
    if tr is None:
        return 0.0
    p = emu.project_of_track(tr)
    if parm == "IP_TRACKNUMBER":
        return -1.0 if tr is p.master else float(p.tracks.index(tr) + 1)
    if parm == "P_PARTRACK":
        return float(emu.address_of(parent_of(emu, tr)))
    if parm == "P_PROJECT":
        return float(emu.address_of(p))
    if parm in _TRACK_KEYS:
        return float(getattr(tr, _TRACK_KEYS[parm][0]))
    emu.warn(f"GetMediaTrackInfo_Value: key {parm!r} not emulated")
    return 0.0


@rpr
def SetMediaTrackInfo_Value(emu, tr, parm, value):
    if tr is None or parm not in _TRACK_KEYS:
        if tr is not None:
            emu.warn(f"SetMediaTrackInfo_Value: key {parm!r} not emulated or read-only")
        return 0
    attr, kind = _TRACK_KEYS[parm]
    if kind is bool:
        v = value != 0
    elif kind is int:
        v = int(value)
    else:
        v = float(value)
    if parm == "D_PAN":
        v = min(1.0, max(-1.0, v))
    if parm == "D_VOL":
        v = max(0.0, v)
    setattr(tr, attr, v)
    emu.changed(emu.project_of_track(tr))
    return 1


@rpr
def GetTrackColor(emu, tr):
    return tr.color if tr is not None else 0


@rpr
def SetTrackColor(emu, tr, color):
    if tr is not None:
        tr.color = color | 0x1000000
        emu.changed(emu.project_of_track(tr))


@rpr
def GetParentTrack(emu, tr):
    return parent_of(emu, tr) if tr is not None else None


@rpr
def GetTrackDepth(emu, tr):
    return depth_of(emu, tr) if tr is not None else 0


@rpr
def InsertTrackAtIndex(emu, idx, want_defaults):
    # ASSUMPTION: the new track gets folder depth 0 (REAPER's adjustment of surrounding folder
    # depths when inserting inside a folder is UNCONFIRMED); want_defaults adds nothing.
    p = emu.project
    idx = min(max(idx, 0), len(p.tracks))
    p.tracks.insert(idx, Track())
    emu.changed(p)


@rpr
def DeleteTrack(emu, tr):
    if tr is None:
        return
    p = emu.project_of_track(tr)
    if tr is p.master:
        return
    i = p.tracks.index(tr)
    # ASSUMPTION: the deleted track's folder-depth change passes to the track before it, so the
    # folder structure of the remaining tracks stays balanced.
    if tr.folder_depth and i > 0:
        p.tracks[i - 1].folder_depth += tr.folder_depth
    del p.tracks[i]
    for t in p.all_tracks():
        t.sends = [s for s in t.sends if s.dest_guid != tr.guid]
    emu.changed(p)


@rpr
def AnyTrackSolo(emu, proj):
    return 1 if any(t.solo for t in emu.proj(proj).tracks) else 0


@rpr
def GetMasterMuteSoloFlags(emu):
    m = emu.project.master
    return (1 if m.mute else 0) | (2 if m.solo else 0)


@rpr
def IsTrackSelected(emu, tr):
    return 1 if (tr is not None and tr.selected) else 0


@rpr
def SetTrackSelected(emu, tr, sel):
    if tr is not None:
        tr.selected = bool(sel)
        emu.changed(emu.project_of_track(tr))


@rpr
def SetOnlyTrackSelected(emu, tr):
    if tr is None:
        return
    p = emu.project_of_track(tr)
    for t in p.all_tracks():
        t.selected = t is tr
    emu.changed(p)


@rpr
def CountSelectedTracks(emu, proj):
    return sum(1 for t in emu.proj(proj).tracks if t.selected)


@rpr
def CountSelectedTracks2(emu, proj, want_master):
    p = emu.proj(proj)
    return sum(1 for t in (p.all_tracks() if want_master else p.tracks) if t.selected)


@rpr
def GetSelectedTrack(emu, proj, idx):
    sel = [t for t in emu.proj(proj).tracks if t.selected]
    return sel[idx] if 0 <= idx < len(sel) else None


@rpr
def GetSelectedTrack2(emu, proj, idx, want_master):
    p = emu.proj(proj)
    sel = [t for t in (p.all_tracks() if want_master else p.tracks) if t.selected]
    return sel[idx] if 0 <= idx < len(sel) else None


@rpr
def GetLastTouchedTrack(emu):
    sel = [t for t in emu.project.tracks if t.selected]
    return sel[0] if sel else None


# ---- sends ----

def _receives(emu, tr: Track) -> list[tuple[Track, Send]]:
    p = emu.project_of_track(tr)
    return [(t, s) for t in p.all_tracks() for s in t.sends if s.dest_guid == tr.guid]


@rpr
def GetTrackNumSends(emu, tr, category):
    if tr is None:
        return 0
    if category < 0:
        return len(_receives(emu, tr))
    if category == 0:
        return len(tr.sends)
    return 0  # no hardware outputs


_SEND_KEYS = {"D_VOL": ("volume", float), "D_PAN": ("pan", float), "B_MUTE": ("mute", bool),
              "I_SENDMODE": ("send_mode", int)}


def _send_at(emu, tr, category, idx) -> tuple[Track, Send, Track] | None:
    if tr is None:
        return None
    p = emu.project_of_track(tr)
    if category == 0 and 0 <= idx < len(tr.sends):
        s = tr.sends[idx]
        return tr, s, p.track_by_guid(s.dest_guid)
    if category < 0:
        rec = _receives(emu, tr)
        if 0 <= idx < len(rec):
            return rec[idx][0], rec[idx][1], tr
    return None


@rpr
def GetTrackSendInfo_Value(emu, tr, category, idx, parm):
    found = _send_at(emu, tr, category, idx)
    if found is None:
        return 0.0
    src, s, dest = found
    if parm == "P_DESTTRACK":
        return float(emu.address_of(dest))
    if parm == "P_SRCTRACK":
        return float(emu.address_of(src))
    if parm in _SEND_KEYS:
        return float(getattr(s, _SEND_KEYS[parm][0]))
    emu.warn(f"GetTrackSendInfo_Value: key {parm!r} not emulated")
    return 0.0


@rpr
def SetTrackSendInfo_Value(emu, tr, category, idx, parm, value):
    found = _send_at(emu, tr, category, idx)
    if found is None or parm not in _SEND_KEYS:
        return 0
    attr, kind = _SEND_KEYS[parm]
    setattr(found[1], attr, kind(value != 0) if kind is bool else kind(value))
    emu.changed(emu.project_of_track(found[0]))
    return 1


@rpr
def CreateTrackSend(emu, tr, dest):
    if tr is None or dest is None:
        return -1  # hardware outputs are not emulated
    tr.sends.append(Send(dest_guid=dest.guid))
    emu.changed(emu.project_of_track(tr))
    return len(tr.sends) - 1


@rpr
def RemoveTrackSend(emu, tr, category, idx):
    found = _send_at(emu, tr, category, idx)
    if found is None:
        return 0
    src, s, _ = found
    src.sends.remove(s)
    emu.changed(emu.project_of_track(src))
    return 1


# ==== media items ================================================================================

def _items(p: Project) -> list[Item]:
    return [i for t in p.tracks for i in t.items]


@rpr
def CountMediaItems(emu, proj):
    return len(_items(emu.proj(proj)))


@rpr
def GetMediaItem(emu, proj, idx):
    items = _items(emu.proj(proj))
    return items[idx] if 0 <= idx < len(items) else None


@rpr
def CountSelectedMediaItems(emu, proj):
    return sum(1 for i in _items(emu.proj(proj)) if i.selected)


@rpr
def GetSelectedMediaItem(emu, proj, idx):
    sel = [i for i in _items(emu.proj(proj)) if i.selected]
    return sel[idx] if 0 <= idx < len(sel) else None


@rpr
def SetMediaItemSelected(emu, item, sel):
    if item is not None:
        item.selected = bool(sel)


@rpr
def CountTrackMediaItems(emu, tr):
    return len(tr.items) if tr is not None else 0


@rpr
def GetTrackMediaItem(emu, tr, idx):
    return tr.items[idx] if (tr is not None and 0 <= idx < len(tr.items)) else None


@rpr
def AddMediaItemToTrack(emu, tr):
    if tr is None:
        return None
    item = Item()
    tr.items.append(item)
    emu.changed(emu.project_of_track(tr))
    return item


@rpr
def DeleteTrackMediaItem(emu, tr, item):
    if tr is None or item is None or not any(i is item for i in tr.items):
        return 0
    tr.items.remove(item)
    emu.changed(emu.project_of_track(tr))
    return 1


@rpr
def GetMediaItem_Track(emu, item):
    return emu.track_of_item(item) if item is not None else None


@rpr
def GetMediaItemTrack(emu, item):
    return emu.track_of_item(item) if item is not None else None


_ITEM_KEYS = {"D_POSITION": ("position_s", float), "D_LENGTH": ("length_s", float), "D_VOL": ("volume", float),
              "B_MUTE": ("mute", bool), "B_UISEL": ("selected", bool)}


@rpr
def GetMediaItemInfo_Value(emu, item, parm):
    if item is None:
        return 0.0
    if parm == "I_CURTAKE":
        return 0.0
    if parm in _ITEM_KEYS:
        return float(getattr(item, _ITEM_KEYS[parm][0]))
    emu.warn(f"GetMediaItemInfo_Value: key {parm!r} not emulated")
    return 0.0


@rpr
def SetMediaItemInfo_Value(emu, item, parm, value):
    if item is None or parm not in _ITEM_KEYS:
        return 0
    attr, kind = _ITEM_KEYS[parm]
    setattr(item, attr, (value != 0) if kind is bool else kind(value))
    emu.changed()
    return 1


@rpr
def SetMediaItemPosition(emu, item, pos, refresh):
    if item is None:
        return 0
    item.position_s = float(pos)
    emu.changed()
    return 1


@rpr
def SetMediaItemLength(emu, item, length, refresh):
    if item is None:
        return 0
    item.length_s = max(0.0, float(length))
    emu.changed()
    return 1


@rpr
def GetSetMediaItemInfo_String(emu, item, parm, value: Out, is_set):
    if item is None:
        return 0
    if parm == "GUID":
        if is_set:
            item.guid = str(value.value)
        else:
            value.value = item.guid
        return 1
    emu.warn(f"GetSetMediaItemInfo_String: key {parm!r} not emulated")
    return 0


@rpr
def GetMediaItemNumTakes(emu, item):
    return len(item.takes) if item is not None else 0


@rpr
def CountTakes(emu, item):
    return len(item.takes) if item is not None else 0


@rpr
def GetActiveTake(emu, item):
    return item.take if item is not None else None


@rpr
def GetMediaItemTake(emu, item, idx):
    if item is None:
        return None
    if idx == -1:
        return item.take
    return item.takes[idx] if 0 <= idx < len(item.takes) else None


@rpr
def AddTakeToMediaItem(emu, item):
    if item is None:
        return None
    take = Take(file="")
    item.takes.append(take)
    emu.changed()
    return take


@rpr
def GetMediaItemTake_Item(emu, take):
    return emu.item_of_take(take) if take is not None else None


@rpr
def GetMediaItemTake_Track(emu, take):
    item = emu.item_of_take(take) if take is not None else None
    return emu.track_of_item(item) if item is not None else None


@rpr
def GetMediaItemTake_Source(emu, take):
    if take is None or not take.file:
        return None
    return emu.source_for(take)


_TAKE_KEYS = {"D_STARTOFFS": ("start_offset_s", float), "D_VOL": ("volume", float)}


@rpr
def GetMediaItemTakeInfo_Value(emu, take, parm):
    if take is None:
        return 0.0
    if parm in _TAKE_KEYS:
        return float(getattr(take, _TAKE_KEYS[parm][0]))
    emu.warn(f"GetMediaItemTakeInfo_Value: key {parm!r} not emulated")
    return 0.0


@rpr
def SetMediaItemTakeInfo_Value(emu, take, parm, value):
    if take is None or parm not in _TAKE_KEYS:
        return 0
    setattr(take, _TAKE_KEYS[parm][0], float(value))
    emu.changed()
    return 1


@rpr
def GetSetMediaItemTakeInfo_String(emu, take, parm, value: Out, is_set):
    if take is None:
        return 0
    if parm in ("P_NAME", "GUID"):
        attr = "name" if parm == "P_NAME" else "guid"
        if is_set:
            setattr(take, attr, str(value.value))
            emu.changed()
        else:
            value.value = getattr(take, attr)
        return 1
    emu.warn(f"GetSetMediaItemTakeInfo_String: key {parm!r} not emulated")
    return 0


@rpr
def PCM_Source_CreateFromFile(emu, path):
    # REAPER returns a source object even for a missing file (UNCONFIRMED); the emulator
    # returns NULL when the file cannot be read as audio, so callers must check.
    try:
        sf.info(path)
    except Exception:  # noqa: BLE001 - any libsndfile failure means "no source"
        return None
    return Source(path)


@rpr
def PCM_Source_Destroy(emu, src):
    if src is not None:
        src.destroyed = True


@rpr
def SetMediaItemTake_Source(emu, take, src):
    if take is None or src is None:
        return 0
    take.file = src.path
    src.owner = take
    emu._sources[id(take)] = src
    emu.changed()
    return 1


@rpr
def GetMediaSourceFileName(emu, src, buf: Out, sz):
    buf.value = src.path if src is not None else ""


@rpr
def GetMediaSourceLength(emu, src, is_qn: Out):
    is_qn.value = 0
    if src is None:
        return 0.0
    info = sf.info(src.path)
    return info.frames / info.samplerate


@rpr
def GetMediaSourceSampleRate(emu, src):
    return sf.info(src.path).samplerate if src is not None else 0


@rpr
def GetMediaSourceNumChannels(emu, src):
    return sf.info(src.path).channels if src is not None else 0


@rpr
def GetMediaSourceType(emu, src, buf: Out, sz):
    buf.value = "WAVE" if src is not None and src.path.lower().endswith(".wav") else ("" if src is None else "FLAC")


@rpr
def InsertMedia(emu, file, mode):
    """ASSUMPTIONS (UNCONFIRMED, API-NOTES §4): the item goes at the edit cursor; its length is the
    file's duration; it becomes the only selected item; the edit cursor moves to its end (REAPER's
    default insert preference). Base mode 0 = the first selected track (a new track at the end if
    none is selected); 1 = a new track after the last selected track (at the end if none); 3 (add
    as takes) is not emulated (returns 0). ``&512``: the high word is a **0-based** track index."""
    p = emu.project
    try:
        info = sf.info(file)
    except Exception:  # noqa: BLE001
        return 0
    base = mode & 3
    if mode & 512:
        idx = (mode >> 16) & 0xFFFF
        if not 0 <= idx < len(p.tracks):
            return 0
        tr = p.tracks[idx]
    elif base == 0:
        sel = [t for t in p.tracks if t.selected]
        if sel:
            tr = sel[0]
        else:
            tr = Track()
            p.tracks.append(tr)
    elif base == 1:
        sel = [i for i, t in enumerate(p.tracks) if t.selected]
        at = (sel[-1] + 1) if sel else len(p.tracks)
        tr = Track()
        p.tracks.insert(at, tr)
    else:
        emu.warn(f"InsertMedia mode {mode} not emulated")
        return 0
    length = info.frames / info.samplerate
    for it in _items(p):
        it.selected = False
    item = Item(position_s=p.cursor_s, length_s=length, selected=True,
                takes=[Take(file=os.path.abspath(file), name=Path(file).name)])
    tr.items.append(item)
    p.cursor_s = p.cursor_s + length
    emu.changed(p)
    return 1


# ==== track FX ===================================================================================

@rpr
def TrackFX_GetCount(emu, tr):
    return len(tr.fx) if tr is not None else 0


@rpr
def TrackFX_GetRecCount(emu, tr):
    return len(tr.rec_fx) if tr is not None else 0


@rpr
def TrackFX_GetFXName(emu, tr, fx, buf: Out, sz):
    inst = get_fx(tr, fx)
    if inst is None:
        buf.value = ""
        return 0
    buf.value = inst.display_name()
    return 1


@rpr
def TrackFX_GetEnabled(emu, tr, fx):
    inst = get_fx(tr, fx)
    return 1 if (inst is not None and inst.enabled) else 0


@rpr
def TrackFX_SetEnabled(emu, tr, fx, enabled):
    inst = get_fx(tr, fx)
    if inst is not None:
        inst.enabled = bool(enabled)
        emu.changed(emu.project_of_track(tr))


@rpr
def TrackFX_GetOffline(emu, tr, fx):
    inst = get_fx(tr, fx)
    return 1 if (inst is not None and inst.offline) else 0


@rpr
def TrackFX_SetOffline(emu, tr, fx, offline):
    inst = get_fx(tr, fx)
    if inst is not None:
        inst.offline = bool(offline)
        emu.changed(emu.project_of_track(tr))


@rpr
def TrackFX_AddByName(emu, tr, name, rec_fx, instantiate):
    """SDK rules: instantiate < 0 always adds; 0 only queries; > 0 adds if none found;
    <= -1000 inserts at position -1000 - instantiate. Returns the index (0x1000000-based for
    record/monitoring FX) or -1. The name rule is :func:`fx.find_plugin` (ASSUMPTION)."""
    if tr is None:
        return -1
    chain = tr.rec_fx if rec_fx else tr.fx
    base = REC_FX_OFFSET if rec_fx else 0
    if instantiate >= 0:
        for i, inst in enumerate(chain):
            if fxmod.matches(inst, name):
                return base + i
        if instantiate == 0:
            return -1
    plugin = fxmod.find_plugin(name)
    if plugin is None:
        return -1
    inst = fxmod.FXInstance.new(plugin.name)
    if instantiate <= -1000:
        pos = min(max(-1000 - instantiate, 0), len(chain))
        chain.insert(pos, inst)
    else:
        pos = len(chain)
        chain.append(inst)
    emu.changed(emu.project_of_track(tr))
    return base + pos


@rpr
def TrackFX_GetByName(emu, tr, name, instantiate):
    return TrackFX_AddByName(emu, tr, name, 0, 1 if instantiate else 0)


@rpr
def TrackFX_Delete(emu, tr, fx):
    if tr is None:
        return 0
    chain, i = _fx_list(tr, fx)
    if not 0 <= i < len(chain):
        return 0
    del chain[i]
    emu.changed(emu.project_of_track(tr))
    return 1


@rpr
def TrackFX_CopyToTrack(emu, src, src_fx, dest, dest_fx, is_move):
    """Copy (or move) an FX; ``dest_fx`` beyond the chain end appends (SDK). The copy gets a new GUID."""
    inst = get_fx(src, src_fx)
    if inst is None or dest is None:
        return
    d = inst.to_dict()
    d.pop("guid")
    copy_ = fxmod.FXInstance.from_dict(d)
    if is_move:
        chain, i = _fx_list(src, src_fx)
        del chain[i]
        copy_.guid = inst.guid
    chain, i = _fx_list(dest, dest_fx)
    chain.insert(min(max(i, 0), len(chain)), copy_)
    emu.changed(emu.project_of_track(dest))


@rpr
def TrackFX_GetFXGUID(emu, tr, fx):
    inst = get_fx(tr, fx)
    return emu.guid_ref(inst) if inst is not None else None


@rpr
def TrackFX_GetNumParams(emu, tr, fx):
    inst = get_fx(tr, fx)
    return len(inst.all_specs()) if inst is not None else 0


def _spec(inst, p):
    specs = inst.all_specs()
    return specs[p] if 0 <= p < len(specs) else None


@rpr
def TrackFX_GetParam(emu, tr, fx, p, mn: Out, mx: Out):
    inst = get_fx(tr, fx)
    spec = _spec(inst, p) if inst is not None else None
    if spec is None:
        return 0.0
    mn.value, mx.value = spec.minimum, spec.maximum
    return spec.plain(inst.get_norm(p))


@rpr
def TrackFX_GetParamEx(emu, tr, fx, p, mn: Out, mx: Out, mid: Out):
    inst = get_fx(tr, fx)
    spec = _spec(inst, p) if inst is not None else None
    if spec is None:
        return 0.0
    mn.value, mx.value = spec.minimum, spec.maximum
    mid.value = (spec.minimum + spec.maximum) / 2
    return spec.plain(inst.get_norm(p))


@rpr
def TrackFX_SetParam(emu, tr, fx, p, value):
    inst = get_fx(tr, fx)
    spec = _spec(inst, p) if inst is not None else None
    if spec is None:
        return 0
    inst.set_norm(p, spec.norm(value))
    emu.changed(emu.project_of_track(tr))
    return 1


@rpr
def TrackFX_GetParamNormalized(emu, tr, fx, p):
    inst = get_fx(tr, fx)
    if inst is None or _spec(inst, p) is None:
        return 0.0
    return inst.get_norm(p)


@rpr
def TrackFX_SetParamNormalized(emu, tr, fx, p, value):
    inst = get_fx(tr, fx)
    if inst is None or _spec(inst, p) is None:
        return 0
    inst.set_norm(p, value)
    emu.changed(emu.project_of_track(tr))
    return 1


@rpr
def TrackFX_GetParamName(emu, tr, fx, p, buf: Out, sz):
    inst = get_fx(tr, fx)
    spec = _spec(inst, p) if inst is not None else None
    if spec is None:
        buf.value = ""
        return 0
    buf.value = spec.name
    return 1


@rpr
def TrackFX_GetParamIdent(emu, tr, fx, p, buf: Out, sz):
    inst = get_fx(tr, fx)
    spec = _spec(inst, p) if inst is not None else None
    if spec is None:
        return 0
    buf.value = spec.ident
    return 1


@rpr
def TrackFX_GetParamFromIdent(emu, tr, fx, ident):
    inst = get_fx(tr, fx)
    if inst is None:
        return -1
    for i, spec in enumerate(inst.all_specs()):
        if spec.ident == ident:
            return i
    return -1


@rpr
def TrackFX_GetFormattedParamValue(emu, tr, fx, p, buf: Out, sz):
    inst = get_fx(tr, fx)
    spec = _spec(inst, p) if inst is not None else None
    if spec is None:
        buf.value = ""
        return 0
    buf.value = spec.display(inst.get_norm(p))
    return 1


@rpr
def TrackFX_FormatParamValueNormalized(emu, tr, fx, p, value, buf: Out, sz):
    inst = get_fx(tr, fx)
    spec = _spec(inst, p) if inst is not None else None
    if spec is None:
        return 0
    buf.value = spec.display(min(1.0, max(0.0, value)))
    return 1


@rpr
def TrackFX_FormatParamValue(emu, tr, fx, p, value, buf: Out, sz):
    inst = get_fx(tr, fx)
    spec = _spec(inst, p) if inst is not None else None
    if spec is None:
        return 0
    buf.value = spec.display(min(1.0, max(0.0, spec.norm(value))))
    return 1


@rpr
def TrackFX_GetNamedConfigParm(emu, tr, fx, name, buf: Out, sz):
    inst = get_fx(tr, fx)
    if inst is None:
        return 0
    impl = inst.impl
    generic = {
        "fx_name": impl.name, "original_name": impl.name, "fx_type": impl.kind, "fx_ident": impl.ident,
        "renamed_name": inst.renamed_name, "pdc": str(impl.latency(inst, _rate(emu, tr))),
    }
    if name in generic:
        buf.value = generic[name]
        return 1
    v = impl.get_config(inst, name, _rate(emu, tr))
    if v is None:
        return 0
    buf.value = v
    return 1


@rpr
def TrackFX_SetNamedConfigParm(emu, tr, fx, name, value):
    inst = get_fx(tr, fx)
    if inst is None:
        return 0
    if name == "renamed_name":
        inst.renamed_name = value
        ok = True
    else:
        ok = inst.impl.set_config(inst, name, value)
        if ok:
            inst.impl.normalize_instance(inst)
    if ok:
        emu.changed(emu.project_of_track(tr))
    return 1 if ok else 0


# ---- ReaEQ through the official EQ API ----

def _is_reaeq(inst) -> bool:
    return inst is not None and inst.plugin == fxmod.ReaEQ.name


@rpr
def TrackFX_GetEQ(emu, tr, instantiate):
    return TrackFX_AddByName(emu, tr, "ReaEQ", 0, 1 if instantiate else 0)


def _eq_band(inst, bandtype, bandidx) -> int | None:
    code = fxmod.EQ_BANDTYPE_TO_CODE.get(bandtype)
    if code is None:
        return None
    n = 0
    for b in range(inst.impl.n_bands(inst)):
        if int(inst.config[f"BANDTYPE{b}"]) == code:
            if n == bandidx:
                return b
            n += 1
    return None


@rpr
def TrackFX_GetEQParam(emu, tr, fx, p, bandtype: Out, bandidx: Out, paramtype: Out, norm: Out):
    inst = get_fx(tr, fx)
    if not _is_reaeq(inst):
        return 0
    nb = inst.impl.n_bands(inst)
    if 0 <= p < 3 * nb:
        b = p // 3
        code = int(inst.config[f"BANDTYPE{b}"])
        bt = fxmod.CODE_TO_EQ_BANDTYPE.get(code, -1)
        same = [x for x in range(b) if int(inst.config[f"BANDTYPE{x}"]) == code]
        bandtype.value, bandidx.value, paramtype.value = bt, len(same), p % 3
        norm.value = inst.params[p]
        return 1
    if p == 3 * nb:
        bandtype.value, bandidx.value, paramtype.value = -1, 0, 1
        norm.value = inst.params[p]
        return 1
    return 0


@rpr
def TrackFX_SetEQParam(emu, tr, fx, bandtype, bandidx, paramtype, val, isnorm):
    """``isnorm=False`` takes Hz / dB / octaves (ASSUMPTION, UNCONFIRMED in the notes)."""
    inst = get_fx(tr, fx)
    if not _is_reaeq(inst):
        return 0
    if bandtype == -1:
        idx = 3 * inst.impl.n_bands(inst)
        paramtype = 1
    else:
        b = _eq_band(inst, bandtype, bandidx)
        if b is None or paramtype not in (0, 1, 2):
            return 0
        idx = 3 * b + paramtype
    if isnorm:
        n = val
    elif paramtype == 0:
        n = fxmod.reaeq_norm_for_freq(max(val, 1e-3))
    elif paramtype == 1:
        n = 10 ** (val / 20) / 4
    else:
        n = math.sqrt(max(val - 0.05, 0.0) / 3.95)
    inst.set_norm(idx, n)
    emu.changed(emu.project_of_track(tr))
    return 1


@rpr
def TrackFX_GetEQBandEnabled(emu, tr, fx, bandtype, bandidx):
    inst = get_fx(tr, fx)
    if not _is_reaeq(inst):
        return 0
    b = _eq_band(inst, bandtype, bandidx)
    return 1 if (b is not None and inst.config.get(f"BANDENABLED{b}", "1") == "1") else 0


@rpr
def TrackFX_SetEQBandEnabled(emu, tr, fx, bandtype, bandidx, enable):
    inst = get_fx(tr, fx)
    if not _is_reaeq(inst):
        return 0
    b = _eq_band(inst, bandtype, bandidx)
    if b is None:
        return 0
    inst.config[f"BANDENABLED{b}"] = "1" if enable else "0"
    emu.changed(emu.project_of_track(tr))
    return 1


# ==== validation ===================================================================================

@rpr
def ValidatePtr2(emu, proj, obj, ctypename):
    if obj is None:
        return 0
    from .emulator import _TYPE_OF
    if _TYPE_OF.get(type(obj)) != ctypename:
        return 0
    p = emu.proj(proj)
    if isinstance(obj, Project):
        return 1
    if isinstance(obj, Track):
        return 1 if emu.project_of_track(obj) is p else 0
    if isinstance(obj, Item):
        t = emu.track_of_item(obj)
        return 1 if t is not None and emu.project_of_track(t) is p else 0
    if isinstance(obj, Take):
        i = emu.item_of_take(obj)
        t = emu.track_of_item(i) if i is not None else None
        return 1 if t is not None and emu.project_of_track(t) is p else 0
    return 1 if emu.alive(obj) else 0


# ==== actions ======================================================================================

RENDER_ACTIONS = {41824, 42230}
DRY_RUN_ACTIONS = {42440: "project", 42441: "time_selection"}


def _toggle_selected(emu, p: Project, attr: str):
    for t in p.tracks:
        if t.selected:
            if attr == "solo":
                t.solo = 0 if t.solo else 1
            else:
                t.mute = not t.mute
    emu.changed(p)


@rpr
def Main_OnCommandEx(emu, cmd, flag, proj):
    from . import render
    p = emu.proj(proj)
    if cmd in RENDER_ACTIONS:
        render.render_action(emu, p)
    elif cmd in DRY_RUN_ACTIONS:
        render.dry_run(emu, p, DRY_RUN_ACTIONS[cmd])
    elif cmd == 7:        # Track: Toggle solo for selected tracks
        _toggle_selected(emu, p, "solo")
    elif cmd == 40280:    # Track: Mute/unmute tracks (selected)
        _toggle_selected(emu, p, "mute")
    elif cmd == 40340:    # Track: Unsolo all tracks
        for t in p.tracks:
            t.solo = 0
        emu.changed(p)
    elif cmd == 40339:    # Track: Unmute all tracks
        for t in p.tracks:
            t.mute = False
        emu.changed(p)
    elif cmd == 40297:    # Track: Unselect all tracks
        for t in p.all_tracks():
            t.selected = False
    elif cmd == 40296:    # Track: Select all tracks
        for t in p.tracks:
            t.selected = True
    elif cmd == 1016:     # Transport: Stop
        p.play_state = 0
    elif cmd == 1007:     # Transport: Play
        p.play_state = 1
    else:
        for r in emu.session.registered_scripts:
            if r["command_id"] == cmd:
                emu.warn(f"Main_OnCommand({cmd}): running registered script {r['path']!r} is not emulated")
                return
        # REAPER silently ignores unknown command ids; the emulator records them.
        emu.warn(f"Main_OnCommand({cmd}): unknown or unemulated action")


@rpr
def Main_OnCommand(emu, cmd, flag):
    Main_OnCommandEx(emu, cmd, flag, None)
