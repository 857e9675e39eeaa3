"""MasterAid: audit a mix, say what its stereo-bus pre-treat did, loudness-match, and master it.

The public API, one plain function per stage (see ARCHITECTURE.md for the data flow)::

    m = masteraid.analyze("raw.wav")                      # Measurements (one streaming pass)
    findings = masteraid.audit(m)                         # tuple of Finding
    c = masteraid.compare("raw.wav", "pretreat.wav")      # Comparison
    plan = masteraid.plan_match(c.raw, c.pretreat)        # MatchPlan (gains for a fair A/B)
    spec = masteraid.design_chain(c.raw, c)               # ChainSpec (what to master with)
    masteraid.render_chain("raw.wav", spec, "master.wav") # the master, written atomically

The pure audio core (this package minus :mod:`masteraid.reaper`) needs only numpy, scipy and
soundfile; :mod:`masteraid.reaper` is the only part that talks to REAPER. Imports are lazy, so
``import masteraid`` stays cheap for the command line.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> (module, attribute)
_EXPORTS = {
    "analyze": ("masteraid.analysis", "analyze"),
    "Measurements": ("masteraid.analysis.model", "Measurements"),
    "audit": ("masteraid.audit", "check"),
    "Finding": ("masteraid.findings", "Finding"),
    "compare": ("masteraid.compare", "compare"),
    "Comparison": ("masteraid.compare.model", "Comparison"),
    "plan_match": ("masteraid.match", "plan_match"),
    "streaming_preview": ("masteraid.match", "streaming_preview"),
    "design_chain": ("masteraid.chain", "design_chain"),
    "render_chain": ("masteraid.chain", "render_chain"),
    "ChainSpec": ("masteraid.chain", "ChainSpec"),
    "MasterAidError": ("masteraid.errors", "MasterAidError"),
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    try:
        module, attr = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'masteraid' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
