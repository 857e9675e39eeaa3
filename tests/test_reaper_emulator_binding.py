"""Signature conformance of the emulated ``reaper_python`` against REAPER's generated binding table."""

from __future__ import annotations

import filecmp
import hashlib
import inspect
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.reaper_emulator import api, binding, signatures
from tests.reaper_emulator.emulator import Emulator
from tests.reaper_emulator.fx import FXInstance
from tests.reaper_emulator.project import Item, Session, Take, Track

SHARED_TSV = Path(__file__).resolve().parents[2] / "shared" / "reaper" / "reascript_python_signatures.tsv"
TABLE = signatures.load()


#: SHA-256 of shared/reaper/reascript_python_signatures.tsv as vendored; change only with the table.
TSV_SHA256 = "a36d91ef3afef17c12094241deef797770a50ffb52d68ea2b03b67b600651cd5"


def test_vendored_table_is_the_shared_table():
    assert hashlib.sha256(signatures.TSV_PATH.read_bytes()).hexdigest() == TSV_SHA256
    assert len(TABLE) == 696
    if SHARED_TSV.exists():  # in the development workspace, also compare with the shared original
        assert filecmp.cmp(SHARED_TSV, signatures.TSV_PATH, shallow=False)


def _session(tmp_path) -> tuple[Emulator, dict]:
    wav = tmp_path / "tone.wav"
    sf.write(wav, np.zeros((4800, 2)), 48000, subtype="PCM_24")
    s = Session()
    s.resource_path = str(tmp_path)
    tr = Track(name="Drums", items=[Item(position_s=0.0, length_s=0.1, takes=[Take(file=str(wav))])])
    tr.fx.append(FXInstance.new("VST: ReaEQ (Cockos)"))
    s.project.tracks += [tr, Track(name="Bass")]
    emu = Emulator(s)
    item = tr.items[0]
    take = item.take
    objs = {
        "ReaProject*": s.project, "MediaTrack*": tr, "MediaItem*": item, "MediaItem_Take*": take,
        "PCM_source*": emu.source_for(take), "GUID*": emu.guid_ref(tr), "void*": tr,
    }
    return emu, objs


def _default_args(sig, emu, objs):
    args = []
    for a in sig.args:
        if a.ctype == "ptr":
            obj = objs.get(a.ptr_type)
            args.append(emu.pointer(obj) if obj is not None else 0)
        elif a.out == "float_out" or a.ctype == "c_double":
            args.append(0.0)
        elif a.ctype in ("c_int", "c_byte", "c_uint64") or a.out == "int_out":
            args.append(0)
        else:
            args.append("")
    return tuple(args)


def test_every_table_function_exists_with_exact_arity():
    rp = Emulator(Session()).module()
    for name, sig in TABLE.items():
        fn = getattr(rp, "RPR_" + name)
        params = list(inspect.signature(fn).parameters.values())
        assert len(params) == sig.nargs, name
        assert all(p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD for p in params), name
    assert not [n for n in vars(rp) if n.startswith("RPR_") and n[4:] not in TABLE]


def test_implementations_exist_in_table_with_same_arity():
    assert len(api.IMPL) > 100
    for name, fn in api.IMPL.items():
        assert name in TABLE, f"{name} is not a function of REAPER's binding"
        assert len(inspect.signature(fn).parameters) - 1 == TABLE[name].nargs, name


_PY_TYPE = {"c_byte": int, "c_int": int, "c_double": float, "c_char_p": str, "c_uint64": str}


@pytest.mark.parametrize("name", sorted(api.IMPL))
def test_return_shape_matches_table(name, tmp_path):
    emu, objs = _session(tmp_path)
    rp = emu.module()
    sig = TABLE[name]
    if name == "Undo_CanUndo2":
        rp.RPR_Undo_OnStateChange("x")  # something to undo, so the char* is not NULL
    args = _default_args(sig, emu, objs)
    if name == "ReverseNamedCommandLookup":
        with open(tmp_path / "s.py", "w"):
            pass
        args = (rp.RPR_AddRemoveReaScript(True, 0, str(tmp_path / "s.py"), True),)
    r = getattr(rp, "RPR_" + name)(*args)
    if sig.returns_none:
        assert r is None
        return
    if not sig.tuple_return:
        assert type(r) is _PY_TYPE[sig.c_return], (name, r)
        if sig.c_return == "c_uint64":
            assert binding.PTR_RE.match(r) and r.startswith(f"({sig.slots[0].ptr_type})"), r
        return
    assert isinstance(r, tuple) and len(r) == len(sig.slots), (name, r)
    for slot, v in zip(sig.slots, r):
        if slot.kind == "retval":
            assert type(v) is _PY_TYPE[sig.c_return], (name, v)
        elif slot.out:
            assert type(v) is {"str_out": str, "int_out": int, "float_out": float}[slot.out], (name, slot, v)
        else:
            assert v is args[slot.index], (name, slot)


def test_unimplemented_function_raises_naming_it():
    rp = Emulator(Session()).module()
    missing = next(n for n in TABLE if n not in api.IMPL and n != "ValidatePtr")
    with pytest.raises(binding.NotImplementedInEmulator, match=f"RPR_{missing} is not implemented"):
        getattr(rp, "RPR_" + missing)(*([0] * TABLE[missing].nargs))


def test_null_char_pointer_crashes_like_the_binding():
    rp = Emulator(Session()).module()
    with pytest.raises(AttributeError, match="decode"):
        rp.RPR_Undo_CanUndo2(0)            # nothing to undo: REAPER returns NULL
    with pytest.raises(AttributeError, match="decode"):
        rp.RPR_ReverseNamedCommandLookup(123)


def test_function_table_serves_reapys_direct_ctypes_calls(tmp_path):
    import ctypes
    emu, objs = _session(tmp_path)
    rp = emu.module()
    f = ctypes.CFUNCTYPE(ctypes.c_byte, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_char_p)(rp._ft["ValidatePtr2"])
    tr = objs["MediaTrack*"]
    assert f(0, emu.address_of(tr), rp.rpr_packsc("MediaTrack*")) == 1
    assert f(0, emu.address_of(tr), rp.rpr_packsc("MediaItem*")) == 0
    assert f(0, 0xDEAD0, rp.rpr_packsc("MediaTrack*")) == 0
    assert rp.rpr_unpacks(rp.rpr_packs("abc")) == "abc"


def test_wrong_argument_count_is_a_type_error():
    rp = Emulator(Session()).module()
    with pytest.raises(TypeError):
        rp.RPR_GetTrack(0)
    with pytest.raises(TypeError):
        rp.RPR_TrackFX_GetFXName("x", 0, "")


def test_ctypes_marshalling_like_the_binding(tmp_path):
    emu, objs = _session(tmp_path)
    rp = emu.module()
    with pytest.raises(TypeError):
        rp.RPR_GetTrack(0, 1.5)  # c_int(1.5) refuses a float, as in REAPER's wrapper
    tr = rp.RPR_GetTrack(0, 0)
    assert tr == emu.pointer(objs["MediaTrack*"])
    assert rp.RPR_GetTrack(0, 7) == "(MediaTrack*)0x0000000000000000"  # NULL is a string
    # bool return as int, void output functions echo arguments
    assert rp.RPR_TrackFX_GetEnabled(tr, 0) == 1
    assert rp.RPR_GetProjectName(0, "", 512) == (0, objs["ReaProject*"].file_name, 512)
    # str_out truncated to size-1 bytes
    assert rp.RPR_TrackFX_GetFXName(tr, 0, "", 5) == (1, tr, 0, "VST:", 5)
    assert rp.RPR_TrackFX_GetFXName(tr, 0, "", 4096)[3] == "VST: ReaEQ (Cockos)"
    # float outputs
    v, *_, mn, mx = rp.RPR_TrackFX_GetParam(tr, 0, 1, 0.0, 0.0)
    assert (mn, mx) == (0.0, 1.0) and v == pytest.approx(0.25, abs=1e-12)


@pytest.mark.parametrize("bad", [
    "(MediaTrack*)0x00000000DEADBEEF",      # not a live object
    "(MediaItem*)0x{addr}",                  # right address, wrong type
    "(MediaTrack*)0x{addr_lower}",           # lower-case hex does not match the binding's pattern
    "0", None, 12345,
])
def test_invalid_pointers_behave_as_null(bad, tmp_path):
    emu, objs = _session(tmp_path)
    rp = emu.module()
    addr = emu.address_of(objs["MediaTrack*"])
    if isinstance(bad, str):
        bad = bad.format(addr=f"{addr:016X}", addr_lower=f"{addr:016x}")
    assert rp.RPR_GetTrackName(bad, "", 64) == (0, bad, "", 64)
    assert rp.RPR_TrackFX_GetCount(bad) == 0
    assert rp.RPR_TrackFX_GetCount(emu.pointer(objs["MediaTrack*"])) == 1


def test_stale_pointer_after_delete(tmp_path):
    emu, objs = _session(tmp_path)
    rp = emu.module()
    tr = rp.RPR_GetTrack(0, 1)
    assert rp.RPR_ValidatePtr2(0, tr, "MediaTrack*") == 1
    rp.RPR_DeleteTrack(tr)
    assert rp.RPR_ValidatePtr2(0, tr, "MediaTrack*") == 0
    assert rp.RPR_CountTracks(0) == 1
    assert rp.RPR_GetTrackName(tr, "", 64)[0] == 0
