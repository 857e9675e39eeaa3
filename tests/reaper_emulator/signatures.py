"""REAPER's generated Python binding, as a table: one :class:`Signature` per ``RPR_`` function.

The table is ``reascript_python_signatures.tsv`` (a copy of ``shared/reaper/…``, kept next to this
file so the tests do not depend on the workspace layout; ``test_reaper_emulator_binding.py`` checks
the two are identical when the shared copy exists). Each row gives the argument count, the C return
type, the ctypes argument types (``ptr<T>`` = pointer passed as a ``"(T)0x…"`` string) and the exact
Python return shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

TSV_PATH = Path(__file__).with_name("reascript_python_signatures.tsv")


@dataclass(frozen=True)
class Arg:
    index: int
    ctype: str          # c_int, c_byte, c_double, c_char_p, c_void_p, c_uint64, or "ptr"
    ptr_type: str | None  # "MediaTrack*" for ptr<MediaTrack*>
    out: str | None     # "str_out", "int_out", "float_out" or None


@dataclass(frozen=True)
class ReturnSlot:
    kind: str           # "retval" or "arg"
    index: int | None   # argument index for kind == "arg"
    out: str | None     # out kind for an output slot
    ptr_type: str | None  # for retval:ptr<T>
    as_str: bool        # retval:str


@dataclass(frozen=True)
class Signature:
    name: str
    nargs: int
    c_return: str       # "None", "c_int", "c_byte", "c_double", "c_char_p", "c_uint64"
    args: tuple[Arg, ...]
    returns_raw: str
    tuple_return: bool
    slots: tuple[ReturnSlot, ...]  # for tuple returns: the tuple; else one slot (or empty for None)

    @property
    def returns_none(self) -> bool:
        return self.returns_raw == "None"


_ARG_RE = re.compile(r"^p(\d+):(.+)$")


def _parse_slot(text: str) -> tuple[str, str | None, str | None]:
    text = text.strip()
    if ":" in text:
        head, tail = text.split(":", 1)
        return head, tail, None
    return text, None, None


def _parse_row(fields: list[str]) -> Signature:
    name, nargs, c_return, args_text, returns = fields
    args: list[Arg] = []
    outs: dict[int, str] = {}
    if returns.startswith("("):
        for part in returns.strip("()").split(","):
            head, tail, _ = _parse_slot(part)
            if head.startswith("p") and tail and tail.endswith("_out"):
                outs[int(head[1:])] = tail
    for tok in args_text.split():
        m = _ARG_RE.match(tok)
        if not m:
            raise ValueError(f"bad argument {tok!r} in row {name}")
        i, t = int(m.group(1)), m.group(2)
        if t.startswith("ptr<"):
            args.append(Arg(i, "ptr", t[4:-1], outs.get(i)))
        else:
            args.append(Arg(i, t, None, outs.get(i)))
    slots: list[ReturnSlot] = []
    tuple_return = returns.startswith("(")
    if tuple_return:
        for part in returns.strip("()").split(","):
            head, tail, _ = _parse_slot(part)
            if head == "retval":
                ptr = tail[4:-1] if tail and tail.startswith("ptr<") else None
                slots.append(ReturnSlot("retval", None, None, ptr, tail == "str"))
            else:
                slots.append(ReturnSlot("arg", int(head[1:]), tail, None, False))
    elif returns.startswith("retval"):
        head, tail, _ = _parse_slot(returns)
        ptr = tail[4:-1] if tail and tail.startswith("ptr<") else None
        slots.append(ReturnSlot("retval", None, None, ptr, tail == "str"))
    return Signature(name, int(nargs), c_return, tuple(args), returns, tuple_return, tuple(slots))


@lru_cache(maxsize=1)
def load() -> dict[str, Signature]:
    """Every function of the binding, by name without ``RPR_``."""
    table: dict[str, Signature] = {}
    for line in TSV_PATH.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or line.startswith("name\t"):
            continue
        fields = line.split("\t")
        if len(fields) != 5:
            raise ValueError(f"malformed TSV row: {line!r}")
        table[fields[0]] = _parse_row(fields)
    return table
