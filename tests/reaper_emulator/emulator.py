"""The emulator object: a :class:`~.project.Session`, a pointer registry, dispatch and faults.

``Emulator(session)`` is what the generated ``reaper_python`` module calls into. In-process use::

    emu = Emulator(Session())
    rp = emu.module()                      # a reaper_python module over this emulator
    tr = rp.RPR_GetTrack(0, 0)

Pointers: every object handed to a script gets a stable fake address for the life of the
emulator, formatted by the binding as ``"(MediaTrack*)0x0000000012340010"``. An address stays in the
registry after its object is deleted, so ``ValidatePtr`` can answer "no" for a stale pointer.
"""

from __future__ import annotations

import ctypes
import traceback
from dataclasses import dataclass, field

from . import binding, faults, signatures
from .fx import FXInstance
from .project import Item, Project, Session, Take, Track

__all__ = ["Emulator", "Source", "GuidRef"]

_BASE_ADDR = 0x000000003C5AE000
_STRIDE = 0x1F8


@dataclass(eq=False)
class Source:
    """A PCM_source* (a media file)."""

    path: str
    owner: Take | None = None
    destroyed: bool = False


@dataclass(eq=False)
class GuidRef:
    """A GUID* owned by a track / take / FX."""

    owner: object
    attr: str = "guid"

    @property
    def value(self) -> str:
        return getattr(self.owner, self.attr)


_TYPE_OF = {Project: "ReaProject*", Track: "MediaTrack*", Item: "MediaItem*", Take: "MediaItem_Take*",
            Source: "PCM_source*", GuidRef: "GUID*"}


@dataclass
class Emulator:
    session: Session
    calls: list = field(default_factory=list)          # [(name, args)] every RPR_ call, in order
    call_counts: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)       # unknown keys, stale pointers, unknown actions …
    pointer_faults: list = field(default_factory=list)  # stale/foreign pointers that reached an API
    undo_depth: int = 0
    ui_refresh_depth: int = 0
    render_count: int = 0
    _addr_of: dict = field(default_factory=dict)
    _obj_at: dict = field(default_factory=dict)
    _sources: dict = field(default_factory=dict)
    _guid_refs: dict = field(default_factory=dict)
    _ft: dict | None = None
    _callbacks: list = field(default_factory=list)

    # ---- convenience ------------------------------------------------------------------------
    @property
    def project(self) -> Project:
        return self.session.project

    def module(self, name: str = "reaper_python"):
        return binding.make_module(self, name)

    def warn(self, text: str) -> None:
        self.warnings.append(text)

    # ---- pointer registry -------------------------------------------------------------------
    def address_of(self, obj, ptr_type: str | None = None) -> int:
        if obj is None:
            return 0
        key = id(obj)
        addr = self._addr_of.get(key)
        if addr is None:
            addr = _BASE_ADDR + _STRIDE * (len(self._addr_of) + 1)
            self._addr_of[key] = addr
            self._obj_at[addr] = obj  # keeps obj alive, so id() is never reused
        return addr

    def pointer(self, obj) -> str:
        """The pointer string a script would see for ``obj``."""
        t = _TYPE_OF[type(obj)]
        a = self.address_of(obj)
        return "(%s)0x%08X%08X" % (t, a >> 32, a & 0xFFFFFFFF)

    def guid_ref(self, owner) -> GuidRef:
        ref = self._guid_refs.get(id(owner))
        if ref is None:
            ref = self._guid_refs[id(owner)] = GuidRef(owner)
        return ref

    def source_for(self, take: Take) -> Source:
        src = self._sources.get(id(take))
        if src is None or src.path != take.file:
            src = self._sources[id(take)] = Source(take.file, owner=take)
        return src

    def alive(self, obj) -> bool:
        if isinstance(obj, Project):
            return any(p is obj for p in self.session.projects)
        if isinstance(obj, Track):
            return self.project_of_track(obj) is not None
        if isinstance(obj, Item):
            return self.track_of_item(obj) is not None
        if isinstance(obj, Take):
            return self.item_of_take(obj) is not None
        if isinstance(obj, Source):
            if obj.destroyed:
                return False
            return obj.owner is None or self.item_of_take(obj.owner) is not None
        if isinstance(obj, GuidRef):
            return self.alive(obj.owner)
        if isinstance(obj, FXInstance):  # owner of an FX GUID*: alive while in an open chain
            return any(obj is f for p in self.session.projects for t in p.all_tracks() for f in (*t.fx, *t.rec_fx))
        return False

    def call_validate_ptr(self, addr: int, ptr_type: str) -> int:
        obj = self._obj_at.get(addr)
        if obj is None or not self.alive(obj):
            return 0
        # ASSUMPTION (UNCONFIRMED): ValidatePtr(p, "void*") accepts any live object; otherwise
        # ValidatePtr2's ptr<void*> argument could never get through the binding's rpr_packp.
        if ptr_type != "void*" and _TYPE_OF[type(obj)] != ptr_type:
            return 0
        return 1

    def resolve(self, addr: int, ptr_type: str):
        """The object behind an address the binding passed, or None for NULL.

        With reapy loaded, its ``additional_api`` replaces ``rpr_packp`` with one that skips
        ``ValidatePtr``, so stale pointers reach the API; real REAPER would then dereference freed
        memory. The emulator treats them as NULL and records them in ``pointer_faults``.
        """
        if not addr:
            return None
        if self.call_validate_ptr(addr, ptr_type):
            return self._obj_at[addr]
        self.pointer_faults.append(f"invalid {ptr_type} 0x{addr:016X}")
        return None

    def function_table(self) -> dict:
        """``_ft``: name -> address of a C-callable function (ctypes callbacks into the emulator)."""
        if self._ft is None:
            from . import api

            def validate_ptr2(proj_addr, ptr_addr, name):
                self.calls.append(("ValidatePtr2", (proj_addr, ptr_addr, name.decode() if name else "")))
                proj = self._obj_at.get(proj_addr) if proj_addr else None
                if proj is not None and not (isinstance(proj, Project) and self.alive(proj)):
                    proj = None
                obj = self._obj_at.get(ptr_addr)
                if obj is not None and not self.alive(obj):
                    obj = None
                return api.ValidatePtr2(self, proj, obj, name.decode() if name else "")

            cb = ctypes.CFUNCTYPE(ctypes.c_byte, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_char_p)(validate_ptr2)
            self._callbacks.append(cb)  # keep the callback alive as long as the emulator
            self._ft = {"ValidatePtr2": ctypes.cast(cb, ctypes.c_void_p).value}
        return self._ft

    # ---- lookups ---------------------------------------------------------------------------
    def proj(self, p: Project | None) -> Project:
        """``ReaProject*`` NULL means the active project (SDK)."""
        return p if p is not None else self.session.project

    def project_of_track(self, tr: Track) -> Project | None:
        for p in self.session.projects:
            if tr is p.master or any(t is tr for t in p.tracks):
                return p
        return None

    def track_of_item(self, item: Item) -> Track | None:
        for p in self.session.projects:
            for t in p.tracks:
                if any(i is item for i in t.items):
                    return t
        return None

    def item_of_take(self, take: Take) -> Item | None:
        for p in self.session.projects:
            for t in p.tracks:
                for i in t.items:
                    if any(k is take for k in i.takes):
                        return i
        return None

    def changed(self, proj: Project | None = None) -> None:
        self.proj(proj).state_change_count += 1

    # ---- dispatch --------------------------------------------------------------------------
    def dispatch(self, name: str, args: tuple, packp, unpackp):
        from . import api  # noqa: WPS433 (import cycle: api uses Emulator)
        sig = signatures.load()[name]
        self.calls.append((name, args))
        n = self.call_counts[name] = self.call_counts.get(name, 0) + 1
        msg = faults.call_fault(self.session, name, n)
        if msg is not None:
            raise faults.InjectedFault(msg)
        impl = api.IMPL.get(name)
        if impl is None:
            raise binding.NotImplementedInEmulator(
                f"RPR_{name} is not implemented by the REAPER emulator (tests/reaper_emulator); "
                "implement it in tests/reaper_emulator/api.py with the signature of the TSV table")
        converted = binding.convert_args(sig, args, packp, self.resolve)
        r = impl(self, *converted)
        return binding.build_return(sig, args, converted, r, unpackp, self.address_of)

    def format_exception(self, exc: BaseException) -> str:
        return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
