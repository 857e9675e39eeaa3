"""The REAPER actions: run one MasterAid function and write its summary to the REAPER console.

The scripts in ``reaper_scripts/`` call these and show a :class:`~masteraid.errors.MasterAidError`
as one console line.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..analysis import analyze
from ..audit import check
from ..errors import ReaperError
from ..report.audit import render_audit_text
from ._api import api
from .bounce import BounceResult, dual_bounce
from .console import show
from .render import render_targets

__all__ = ["dual_bounce_action", "audit_last_render_action", "bounce_summary", "ab_action", "chain_action"]


def _db(x: float, unit: str) -> str:
    return f"{x:6.1f} {unit}" if math.isfinite(x) else f"  -inf {unit}"


def bounce_summary(r: BounceResult) -> str:
    """A few console lines: where the files went, and loudness / true peak / verdict of each."""
    fx = ", ".join(f.name for f in r.bypassed_fx)
    lines = [f"MasterAid dual bounce — bus: {r.bus.name} ({r.bus.reason}); bypassed for raw: {fx}"]
    for label, a in (("pretreat", r.pretreat), ("raw", r.raw)):
        lines.append(f"  {label:<8} {a.path.name}: {_db(a.integrated_lufs, 'LUFS')}, true peak "
                     f"{_db(a.true_peak_dbtp, 'dBTP')} — {a.verdict}")
    lines.append(f"  written to {r.json_path.parent} (details in {r.json_path.name})")
    return "\n".join(lines) + "\n"


def dual_bounce_action() -> BounceResult:
    """Action "MasterAid - Dual bounce": :func:`~.bounce.dual_bounce` on the current project."""
    result = dual_bounce()
    show(bounce_summary(result))
    return result


def audit_last_render_action() -> list[Path]:
    """Action "MasterAid - Audit last render": audit the file(s) the project's render settings
    point at (``RENDER_TARGETS``), i.e. what File > Render just wrote. Read-only: no undo point."""
    rpr = api()
    proj = rpr.EnumProjects(-1, "", 4096)[0]
    targets = [Path(t) for t in render_targets(rpr, proj)]
    found = [t for t in targets if t.is_file()]
    if not found:
        where = "; ".join(map(str, targets)) or "no file"
        raise ReaperError(f"nothing to audit: the render settings point at {where}, which does not exist "
                          "yet — render the mix first (File > Render)")
    for path in found:
        m = analyze(path)
        show(f"MasterAid audit of {path}\n" + render_audit_text(m, check(m)))
    return found


def ab_action():
    """Action "MasterAid - Loudness-matched AB": :func:`~.ab.setup_ab` on the current project (the
    newest dual bounce on two new, loudness-matched tracks; run again to switch), summary to the console."""
    from .ab import ab_summary, setup_ab
    result = setup_ab()
    show(ab_summary(result))
    return result


def chain_action():
    """Action "MasterAid - Mastering chain": :func:`~.chain.build_chain` on the current project (the
    newest dual bounce mastered offline, the chain as ReaEQ/ReaComp/ReaLimit on the raw next to the
    preview), summary to the console."""
    from .chain import build_chain, chain_summary
    result = build_chain()
    show(chain_summary(result))
    return result
