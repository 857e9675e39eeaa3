"""The one door to REAPER: ``reapy.reascript_api``, reached only from inside REAPER.

reapy is imported lazily, and only when the interpreter is REAPER's own (the test reapy itself
uses: REAPER's ``__main__`` has an ``obj`` attribute, see API-NOTES §1). Outside REAPER, importing
reapy would go looking for its *distant API* (an HTTP call to port 2307, then a socket to the
reapy server on 2306); MasterAid never does that: it never calls ``reapy.configure_reaper()`` or
``reapy.config.enable_dist_api()``, never calls ``reapy.connect`` and opens no listener.

Every call goes through :class:`CheckedApi`, which turns any exception raised by REAPER's binding
into a :class:`~masteraid.errors.ReaperError` naming the function, so an action can restore the
project and show one clear line instead of a traceback.
"""

from __future__ import annotations

import sys
from typing import Any, Callable

from ..errors import MasterAidError, ReaperError

__all__ = ["inside_reaper", "api", "CheckedApi", "POINTER_FORMAT"]

#: How REAPER's Python binding spells a pointer (uppercase hex, 16 digits; API-NOTES §1).
POINTER_FORMAT = "({type})0x{addr:016X}"


def inside_reaper() -> bool:
    """True when this interpreter is REAPER's (reapy's own test: ``__main__`` has ``obj``)."""
    main = sys.modules.get("__main__")
    return main is not None and hasattr(main, "obj")


class CheckedApi:
    """``reapy.reascript_api`` with every failure turned into a :class:`ReaperError`."""

    def __init__(self, raw: Any):
        self._raw = raw

    def __getattr__(self, name: str) -> Callable[..., Any]:
        try:
            fn = getattr(self._raw, name)
        except AttributeError:
            raise ReaperError(f"this REAPER has no API function {name}: update REAPER "
                              "(MasterAid needs REAPER 6.30 or newer)") from None

        def call(*args: Any) -> Any:
            try:
                return fn(*args)
            except MasterAidError:
                raise
            except Exception as exc:  # noqa: BLE001 - whatever REAPER's binding raises
                raise ReaperError(f"REAPER API call {name} failed: {type(exc).__name__}: {exc}") from exc

        call.__name__ = name
        return call


def api() -> CheckedApi:
    """The checked ReaScript API; raises :class:`ReaperError` outside REAPER."""
    if not inside_reaper():
        raise ReaperError("MasterAid's REAPER actions run inside REAPER only: run them from REAPER's "
                          "Actions list (MasterAid never uses reapy's distant API)")
    import reapy  # noqa: F401  (the only reapy import of MasterAid, inside REAPER)
    from reapy import reascript_api
    return CheckedApi(reascript_api)
