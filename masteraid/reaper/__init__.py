"""MasterAid inside REAPER: the only package of MasterAid that uses reapy (python-reapy 0.10.0).

It runs *inside* REAPER, as registered ReaScripts (``reaper_scripts/``), and talks to REAPER only
through reapy's in-process ReaScript API. It never enables reapy's distant API: no
``reapy.configure_reaper()``, no ``reapy.config.enable_dist_api()``, no ``reapy.connect``, no
network listener (that server accepts arbitrary code from anyone on the network; API-NOTES §6).
reapy is imported lazily (:mod:`._api`), so importing this package outside REAPER does not
touch the network either.

Every action snapshots what it touches and restores it in ``finally`` (:mod:`.guard`) inside one
undo block named after the action, and does no DSP: measurements come from the core
(:mod:`masteraid.analysis`, :mod:`masteraid.audit`).

Modules: :mod:`.bounce` (dual bounce), :mod:`.ab` (loudness-matched A/B tracks), :mod:`.bus`
(finding the stereo bus), :mod:`.render` (render settings and one checked render), :mod:`.guard`
(state guard, undo block), :mod:`.console` (REAPER console), :mod:`.actions` (what the scripts
call), :mod:`.tracks`, :mod:`.install` (installing the actions into REAPER's resource folder;
plain file work, used by ``masteraid reaper install``).
"""

from __future__ import annotations

from . import console
from .ab import ABResult, setup_ab
from .actions import ab_action, audit_last_render_action, bounce_summary, dual_bounce_action
from .bounce import ACTION_NAME, BounceResult, RenderAudit, dual_bounce
from .bus import BusChoice, find_bus
from .guard import ProjectState, undo_block

__all__ = ["console", "dual_bounce", "dual_bounce_action", "audit_last_render_action", "bounce_summary",
           "setup_ab", "ABResult", "ab_action",
           "BounceResult", "RenderAudit", "BusChoice", "find_bus", "ProjectState", "undo_block", "ACTION_NAME"]
