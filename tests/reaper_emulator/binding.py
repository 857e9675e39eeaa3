"""``reaper_python`` as REAPER generates it, over the emulator.

:func:`make_module` builds a module object that looks like REAPER's ``reaper_python.py`` (BIND):
one ``RPR_<Name>`` function for **every** row of the signature table, each with exactly that many
positional parameters (``p0, p1, …``), plus the binding's internal helpers ``rpr_packp``,
``rpr_unpackp``, ``rpr_packsc``, ``rpr_packs``, ``rpr_unpacks`` and the hand-written
``RPR_ValidatePtr(p, t)``.

Marshalling follows BIND exactly:

* arguments go through ctypes as REAPER's wrappers do (``c_int(p)`` refuses a float, ``c_byte``
  wraps, ``c_char_p`` arguments are ``str(v)``), pointers through the module-level ``rpr_packp``
  (so reapy's ``additional_api`` can replace it, as it does in REAPER): a string that does not
  match ``^\\((\\w+\\*|HWND)\\)0x([0-9A-F]+)$``, or names another type, or fails ``ValidatePtr``,
  is passed as NULL;
* return values: ``c_byte`` -> ``int``; pointers -> ``"(T)0x%08X%08X"`` (NULL is
  ``"(T)0x0000000000000000"``, not ``None``); functions with output slots return a tuple of the
  return value (if not void) and every argument echoed back *as passed*, with the output slots
  filled. String outputs are truncated to ``size - 1`` UTF-8 bytes when a size argument follows
  the buffer (REAPER writes at most ``size`` bytes including the NUL).

``_ft`` (REAPER's table of C function pointers) holds real ctypes function pointers for the
entries reapy calls directly with ``CFUNCTYPE`` (only ``ValidatePtr2``, used by
``Track.has_valid_id`` and friends); reapy's MIDI helpers that use other ``_ft`` entries fail
with ``KeyError`` naming the function. A ``char*`` function returning NULL raises
``AttributeError`` exactly as BIND's ``str(r.decode())`` does (e.g. ``Undo_CanUndo2`` with nothing
to undo, ``ReverseNamedCommandLookup`` of an unknown id).

A function the emulator does not implement still exists (reapy imports every ``RPR_`` name) but
raises :class:`NotImplementedInEmulator` naming it when called.
"""

from __future__ import annotations

import ctypes
import functools
import re
import types

from . import signatures

__all__ = ["NotImplementedInEmulator", "make_module", "populate", "PTR_RE"]

PTR_RE = re.compile(r"^\((\w+\*|HWND)\)0x([0-9A-F]+)$")


class NotImplementedInEmulator(NotImplementedError):
    """Raised by an ``RPR_`` function the REAPER emulator does not implement."""


class Out:
    """An output slot handed to an implementation: set ``.value``."""

    __slots__ = ("value", "kind", "size", "initial")

    def __init__(self, value, kind: str, size: int | None = None):
        self.value = value
        self.initial = value
        self.kind = kind
        self.size = size


_PRELUDE = r'''
import re as _re
from ctypes import c_int, c_byte, c_double, c_uint64, c_char_p, create_string_buffer

def rpr_packp(t, v):
  m = _re.match('^\\((\\w+\\*|HWND)\\)0x([0-9A-F]+)$', str(v))
  if (m != None):
    (_t, _v) = m.groups()
    if (_t == t or t == 'void*'):
      a = int(_v[:8], 16)
      b = int(_v[8:], 16)
      p = c_uint64((a << 32) | b).value
      if (RPR_ValidatePtr(p, t)):
        return p
  return 0

def rpr_unpackp(t, v):
  if (v == None):
    v = 0
  a = int(v >> 32)
  b = int(v & 0xFFFFFFFF)
  return '(%s)0x%08X%08X' % (t, a, b)

def rpr_packsc(v):
  return c_char_p(str(v).encode("UTF-8"))

def rpr_packs(v):
  MAX_STRBUF = 4 * 1024 * 1024
  return create_string_buffer(str(v).encode("UTF-8"), MAX_STRBUF)

def rpr_unpacks(v):
  return str(v.value.decode())

def RPR_ValidatePtr(p, t):
  return _emu.call_validate_ptr(c_uint64(p).value, str(t))

def _dispatch(name, args):
  return _emu.dispatch(name, args, rpr_packp, rpr_unpackp)
'''


def _wrapper_source(sig: signatures.Signature) -> str:
    params = ",".join(f"p{i}" for i in range(sig.nargs))
    tup = "(" + ",".join(f"p{i}" for i in range(sig.nargs)) + ("," if sig.nargs == 1 else "") + ")"
    return f"def RPR_{sig.name}({params}):\n  return _dispatch({sig.name!r}, {tup})\n"


def populate(ns: dict, emulator, filename: str = "<emulated reaper_python.py>") -> None:
    """Fill a module namespace (e.g. the ``reaper_python.py`` shim's ``globals()``) with the
    binding over ``emulator``."""
    ns["_emu"] = emulator
    ns["_ft"] = emulator.function_table()
    prelude, wrappers = _compiled(filename)
    exec(prelude, ns)
    exec(wrappers, ns)


@functools.lru_cache(maxsize=4)
def _compiled(filename: str):
    src = "\n".join(_wrapper_source(s) for s in signatures.load().values() if s.name != "ValidatePtr")
    return compile(_PRELUDE, filename, "exec"), compile(src, filename, "exec")


def make_module(emulator, name: str = "reaper_python") -> types.ModuleType:
    """A fresh ``reaper_python`` module whose ``RPR_`` functions call ``emulator``."""
    mod = types.ModuleType(name)
    mod.__file__ = f"<emulated {name}.py>"
    populate(mod.__dict__, emulator, mod.__file__)
    return mod


# ---- marshalling, used by Emulator.dispatch ------------------------------------------------------

_CONVERT = {
    "c_int": lambda v: ctypes.c_int(v).value,
    "c_byte": lambda v: ctypes.c_byte(v).value,
    "c_double": lambda v: ctypes.c_double(v).value,
    "c_uint64": lambda v: ctypes.c_uint64(v).value,
}


def convert_args(sig: signatures.Signature, args: tuple, packp, resolve) -> list:
    """Arguments as the implementation sees them (see module docstring)."""
    out: list = []
    for a in sig.args:
        v = args[a.index]
        if a.ctype == "ptr":
            out.append(resolve(packp(a.ptr_type, v), a.ptr_type))
        elif a.out == "str_out":
            size = None
            nxt = a.index + 1
            if nxt < sig.nargs and sig.args[nxt].ctype == "c_int" and sig.args[nxt].out is None:
                size = ctypes.c_int(args[nxt]).value
            out.append(Out(str(v), "str_out", size))
        elif a.out == "int_out":
            out.append(Out(ctypes.c_int(v).value, "int_out"))
        elif a.out == "float_out":
            out.append(Out(ctypes.c_double(v).value, "float_out"))
        elif a.ctype == "c_char_p":
            out.append(str(v))
        elif a.ctype in _CONVERT:
            out.append(_CONVERT[a.ctype](v))
        else:
            out.append(v)
    return out


def _finish_out(o: Out):
    if o.kind == "str_out":
        s = str(o.value)
        if o.size is not None:
            if o.size <= 0:
                return o.initial  # REAPER writes nothing into a zero-size buffer
            b = s.encode("utf-8")
            if len(b) > o.size - 1:
                s = b[: max(o.size - 1, 0)].decode("utf-8", errors="ignore")
        return s
    if o.kind == "int_out":
        return int(ctypes.c_int(int(o.value)).value)
    return float(o.value)


def build_return(sig: signatures.Signature, args: tuple, converted: list, r, unpackp, address_of):
    """The Python return value of ``RPR_<name>`` for implementation result ``r``."""
    if sig.c_return == "None":
        rv = None
    elif sig.c_return == "c_byte":
        rv = ctypes.c_byte(int(r)).value
    elif sig.c_return == "c_int":
        rv = ctypes.c_int(int(r)).value
    elif sig.c_return == "c_double":
        rv = float(r)
    elif sig.c_return == "c_char_p":
        if r is None:
            # BIND converts with str(r.decode()): a NULL char* return crashes the wrapper itself
            raise AttributeError("'NoneType' object has no attribute 'decode'")
        rv = str(r)
    elif sig.c_return == "c_uint64":
        slot = sig.slots[0] if sig.slots else None
        ptr_type = slot.ptr_type if slot is not None else None
        if ptr_type is None:
            raise TypeError(f"{sig.name}: c_uint64 return without a pointer type")
        rv = unpackp(ptr_type, address_of(r, ptr_type))
    else:
        raise TypeError(f"{sig.name}: unknown C return type {sig.c_return}")
    if not sig.tuple_return:
        return None if sig.returns_none else rv
    items = []
    for slot in sig.slots:
        if slot.kind == "retval":
            items.append(rv)
        elif slot.out:
            items.append(_finish_out(converted[slot.index]))
        else:
            items.append(args[slot.index])
    return tuple(items)
