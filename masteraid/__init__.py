"""MasterAid: audit a mix, say what its stereo-bus pre-treat did, loudness-match, and master it.

The public API, one plain function per stage (see ARCHITECTURE.md for the data flow)::

    m = masteraid.analyze("raw.wav")                      # Measurements (one streaming pass)
    findings = masteraid.audit.check(m)                   # tuple of Finding
    c = masteraid.compare.compare("raw.wav", "pretreat.wav")  # Comparison
    plan = masteraid.plan_match(c.raw, c.pretreat)        # MatchPlan (gains for a fair A/B)
    spec = masteraid.design_chain(c.raw, c)               # ChainSpec (what to master with)
    masteraid.render_chain("raw.wav", spec, "master.wav") # the master, written atomically

The pure audio core (this package minus :mod:`masteraid.reaper`) needs only numpy, scipy and
soundfile; :mod:`masteraid.reaper` is the only part that talks to REAPER. Imports are lazy, so
``import masteraid`` stays cheap for the command line.

``masteraid.audit`` and ``masteraid.compare`` are the modules of those stages (a function of the same
name at the top level would be replaced by the module as soon as anything imports it); their entry
points are ``masteraid.audit.check`` and ``masteraid.compare.compare``.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> (module, attribute); attribute None: the module itself
_EXPORTS = {
    "analyze": ("masteraid.analysis", "analyze"),
    "Measurements": ("masteraid.analysis.model", "Measurements"),
    "audit": ("masteraid.audit", None),
    "Finding": ("masteraid.findings", "Finding"),
    "compare": ("masteraid.compare", None),
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
    value = importlib.import_module(module)
    if attr is not None:
        value = getattr(value, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
